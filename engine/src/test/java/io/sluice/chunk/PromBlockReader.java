package io.sluice.chunk;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * Reads just enough of Prometheus TSDB blocks (tsdb/docs/format/index.md and chunks.md, index
 * version 2) to list each series' chunks: the TOC, the symbol table, the series section's chunk
 * metas, and the chunk segment files ({@code len uvarint | encoding | data | crc32c}). Every
 * checksum on the way is verified. Test code: it trusts nothing but also handles nothing beyond
 * what promtool writes for a small input.
 */
final class PromBlockReader {
    private static final int INDEX_MAGIC = 0xBAAAD700;
    private static final int CHUNKS_MAGIC = 0x85BD40DD;
    private static final int TOC_LENGTH = 6 * 8 + 4;
    private static final Pattern MIN_TIME = Pattern.compile("\"minTime\":\\s*(-?\\d+)");
    private static final Pattern MAX_TIME = Pattern.compile("\"maxTime\":\\s*(-?\\d+)");

    private PromBlockReader() {
    }

    /** The chunks of every block under {@code dir}, in block time order, then series order, then chunk order. */
    static List<GoldenChunks.Chunk> readBlocks(Path dir) throws IOException {
        List<Path> blocks;
        try (Stream<Path> s = Files.list(dir)) {
            blocks = s.filter(p -> Files.exists(p.resolve("meta.json"))).toList();
        }
        List<GoldenChunks.Chunk> all = new ArrayList<>();
        for (Path block : blocks) {
            all.addAll(readBlock(block));
        }
        all.sort(Comparator.comparingLong(GoldenChunks.Chunk::blockMinT));
        return all;
    }

    static List<GoldenChunks.Chunk> readBlock(Path block) throws IOException {
        String meta = Files.readString(block.resolve("meta.json"));
        long blockMinT = jsonLong(MIN_TIME, meta);
        long blockMaxT = jsonLong(MAX_TIME, meta);
        ByteBuffer index = ByteBuffer.wrap(Files.readAllBytes(block.resolve("index"))).order(ByteOrder.BIG_ENDIAN);
        check(index.getInt(0) == INDEX_MAGIC, "index magic");
        check(index.get(4) == 2, "index version 2");
        int tocAt = index.capacity() - TOC_LENGTH;
        check(crc(index, tocAt, 48) == index.getInt(tocAt + 48), "TOC checksum");
        long[] toc = new long[6];
        for (int i = 0; i < 6; i++) {
            toc[i] = index.getLong(tocAt + 8 * i);
        }
        String[] symbols = symbols(index, (int) toc[0]);
        int seriesStart = (int) toc[1];
        int seriesEnd = tocAt;
        for (int i = 2; i < 6; i++) {
            if (toc[i] > seriesStart && toc[i] < seriesEnd) {
                seriesEnd = (int) toc[i];
            }
        }
        List<GoldenChunks.Chunk> out = new ArrayList<>();
        int[] cursor = {seriesStart};
        while (true) {
            int at = (cursor[0] + 15) & ~15;
            if (at >= seriesEnd) {
                break;
            }
            cursor[0] = at;
            int length = (int) uvarint(index, cursor);
            if (length == 0) {
                break; // padding up to the next section
            }
            int body = cursor[0];
            check(crc(index, body, length) == index.getInt(body + length), "series checksum at " + at);
            int labelCount = (int) uvarint(index, cursor);
            StringBuilder name = new StringBuilder();
            StringBuilder labels = new StringBuilder();
            for (int l = 0; l < labelCount; l++) {
                String k = symbols[(int) uvarint(index, cursor)];
                String v = symbols[(int) uvarint(index, cursor)];
                if (k.equals("__name__")) {
                    name.append(v);
                } else {
                    labels.append(labels.length() == 0 ? "" : ",").append(k).append("=\"").append(v).append('"');
                }
            }
            String series = name + "{" + labels + "}";
            int chunkCount = (int) uvarint(index, cursor);
            long maxT = 0;
            long ref = 0;
            for (int c = 0; c < chunkCount; c++) {
                long minT;
                if (c == 0) {
                    minT = varint(index, cursor);
                    maxT = minT + uvarint(index, cursor);
                    ref = uvarint(index, cursor);
                } else {
                    minT = maxT + uvarint(index, cursor);
                    maxT = minT + uvarint(index, cursor);
                    ref += varint(index, cursor);
                }
                out.add(new GoldenChunks.Chunk(blockMinT, blockMaxT, series, minT, maxT, chunk(block, ref)));
            }
            check(cursor[0] == body + length, "series entry length at " + at);
            cursor[0] = body + length + 4;
        }
        return out;
    }

    /** The data of the chunk at {@code ref} (segment sequence in the upper 32 bits, offset in the lower). */
    private static byte[] chunk(Path block, long ref) {
        int sequence = (int) (ref >>> 32);
        int offset = (int) ref;
        Path file = block.resolve("chunks").resolve(String.format("%06d", sequence + 1));
        ByteBuffer b;
        try {
            b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.BIG_ENDIAN);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        check(b.getInt(0) == CHUNKS_MAGIC && b.get(4) == 1, "chunk file header of " + file);
        int[] cursor = {offset};
        int length = (int) uvarint(b, cursor);
        int encodingAt = cursor[0];
        check(b.get(encodingAt) == XorChunkDescriptor.ENCODING_XOR, "XOR encoding of chunk " + ref);
        check(crc(b, encodingAt, 1 + length) == b.getInt(encodingAt + 1 + length), "checksum of chunk " + ref);
        return Arrays.copyOfRange(b.array(), encodingAt + 1, encodingAt + 1 + length);
    }

    private static String[] symbols(ByteBuffer index, int at) {
        int length = index.getInt(at);
        check(crc(index, at + 4, length) == index.getInt(at + 4 + length), "symbol table checksum");
        int count = index.getInt(at + 4);
        String[] out = new String[count];
        int[] cursor = {at + 8};
        for (int i = 0; i < count; i++) {
            int n = (int) uvarint(index, cursor);
            out[i] = new String(index.array(), cursor[0], n, StandardCharsets.UTF_8);
            cursor[0] += n;
        }
        return out;
    }

    private static long uvarint(ByteBuffer b, int[] cursor) {
        long v = 0;
        for (int shift = 0; ; shift += 7) {
            int x = b.get(cursor[0]++) & 0xFF;
            v |= (long) (x & 0x7F) << shift;
            if (x < 0x80) {
                return v;
            }
        }
    }

    private static long varint(ByteBuffer b, int[] cursor) {
        long u = uvarint(b, cursor);
        return (u >>> 1) ^ -(u & 1);
    }

    private static int crc(ByteBuffer b, int at, int length) {
        CRC32C crc = new CRC32C();
        crc.update(b.array(), at, length);
        return (int) crc.getValue();
    }

    private static long jsonLong(Pattern p, String json) {
        Matcher m = p.matcher(json);
        check(m.find(), p.pattern() + " in meta.json");
        return Long.parseLong(m.group(1));
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException("unexpected block content: " + what);
        }
    }
}
