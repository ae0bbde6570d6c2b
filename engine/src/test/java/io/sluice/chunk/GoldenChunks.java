package io.sluice.chunk;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The checked-in golden files of {@code golden/chunks/}: {@code golden.om} (the samples) and
 * {@code chunks.txt} (the chunks promtool made of them), parsed for the tests.
 *
 * <p>{@code chunks.txt} is line-oriented text: {@code block <minT> <maxT>} (a block's time range from
 * its meta.json), then for each series of the block {@code series <name{labels}>}, then one line per
 * chunk {@code chunk <minT> <maxT> <numSamples> <hex>}, the hex being the chunk's data exactly as the
 * block's chunk file holds it (2-byte sample count, then the bit stream). Lines starting with '#' are
 * comments.
 */
final class GoldenChunks {
    static final String DIR = "/golden/chunks/";
    /** What Go's {@code strconv.ParseFloat("NaN")} returns ({@code math.NaN()}), not Java's NaN. */
    static final long GO_NAN = 0x7FF8000000000001L;

    /** A chunk of a series in a block. */
    record Chunk(long blockMinT, long blockMaxT, String series, long minT, long maxT, byte[] data) {
        int numSamples() {
            return ((data[0] & 0xFF) << 8) | (data[1] & 0xFF);
        }
    }

    private GoldenChunks() {
    }

    static List<Chunk> load() {
        return parse(resource("chunks.txt"));
    }

    static String format(List<Chunk> chunks, String header) {
        StringBuilder out = new StringBuilder(header);
        HexFormat hex = HexFormat.of();
        long block = Long.MIN_VALUE;
        String series = null;
        for (Chunk c : chunks) {
            if (c.blockMinT() != block) {
                block = c.blockMinT();
                series = null;
                out.append("block ").append(c.blockMinT()).append(' ').append(c.blockMaxT()).append('\n');
            }
            if (!c.series().equals(series)) {
                series = c.series();
                out.append("series ").append(series).append('\n');
            }
            out.append("chunk ").append(c.minT()).append(' ').append(c.maxT()).append(' ').append(c.numSamples())
                .append(' ').append(hex.formatHex(c.data())).append('\n');
        }
        return out.toString();
    }

    static List<Chunk> parse(String text) {
        List<Chunk> out = new ArrayList<>();
        long blockMinT = 0;
        long blockMaxT = 0;
        String series = null;
        for (String line : text.split("\n")) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split(" ");
            switch (f[0]) {
                case "block" -> {
                    blockMinT = Long.parseLong(f[1]);
                    blockMaxT = Long.parseLong(f[2]);
                }
                case "series" -> series = f[1];
                case "chunk" -> {
                    Chunk c = new Chunk(blockMinT, blockMaxT, series, Long.parseLong(f[1]), Long.parseLong(f[2]),
                        HexFormat.of().parseHex(f[4]));
                    if (c.numSamples() != Integer.parseInt(f[3])) {
                        throw new IllegalStateException("sample count of " + line);
                    }
                    out.add(c);
                }
                default -> throw new IllegalStateException("unknown line in chunks.txt: " + line);
            }
        }
        return out;
    }

    /**
     * The samples of {@code golden.om} by series, in file order: {@code {t, value bits}} pairs. Reads
     * what promtool reads: a timestamp in seconds becomes {@code (long) (seconds * 1000)}, as Go's
     * {@code int64(ts * 1000)}; values are parsed as Go's {@code strconv.ParseFloat} does, NaN
     * included.
     */
    static Map<String, List<long[]>> samples() {
        Map<String, List<long[]>> out = new LinkedHashMap<>();
        for (String line : resource("golden.om").split("\n")) {
            if (line.startsWith("#") || line.isEmpty()) {
                continue;
            }
            int lastSpace = line.lastIndexOf(' ');
            int valueSpace = line.lastIndexOf(' ', lastSpace - 1);
            String series = line.substring(0, valueSpace);
            long t = (long) (Double.parseDouble(line.substring(lastSpace + 1)) * 1000.0);
            long bits = goParseFloatBits(line.substring(valueSpace + 1, lastSpace));
            out.computeIfAbsent(series, k -> new ArrayList<>()).add(new long[] {t, bits});
        }
        return out;
    }

    static long goParseFloatBits(String s) {
        return switch (s) {
            case "NaN" -> GO_NAN;
            case "+Inf" -> Double.doubleToRawLongBits(Double.POSITIVE_INFINITY);
            case "-Inf" -> Double.doubleToRawLongBits(Double.NEGATIVE_INFINITY);
            default -> Double.doubleToRawLongBits(Double.parseDouble(s));
        };
    }

    static String resource(String name) {
        try (InputStream in = GoldenChunks.class.getResourceAsStream(DIR + name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + DIR + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
