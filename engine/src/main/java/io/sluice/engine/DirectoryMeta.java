package io.sluice.engine;

import io.sluice.wal.WalFileSystem;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * The directory's identity file, {@code sluice.meta} (docs/format/directory.md): the format
 * version and the label hash function the directory's series were placed into shards with. A
 * series' shard and its registry slot come from that hash, so an engine with another hash function
 * must refuse the directory before replay reads a byte, instead of rejecting every series record.
 *
 * <p>Text, so an operator can read it:
 * <pre>
 * sluice-directory 1
 * label-hash labels-xxh3-v1
 * crc32c 0a1b2c3d
 * </pre>
 * The last line is the CRC32C of every byte before it, in lower-case hex.
 *
 * <p>Threading: static; called by the opening thread under the directory's lock.
 */
final class DirectoryMeta {
    static final String FILE = "sluice.meta";
    static final String MAGIC = "sluice-directory";
    static final int VERSION = 1;

    private DirectoryMeta() {
    }

    /** The body (every line but the CRC line) for a directory whose series use {@code hashId}. */
    static String body(String hashId) {
        return MAGIC + " " + VERSION + "\nlabel-hash " + hashId + "\n";
    }

    static String render(String hashId) {
        String body = body(hashId);
        CRC32C crc = new CRC32C();
        crc.update(body.getBytes(StandardCharsets.UTF_8));
        return body + String.format("crc32c %08x%n", crc.getValue()).replace(System.lineSeparator(), "\n");
    }

    /**
     * Checks the directory's identity file against {@code hashId}, writing the file if the directory
     * has none (a new directory, or one written before the file existed: such a directory was always
     * written with the default hash).
     *
     * @throws IOException              if the file is damaged or cannot be written
     * @throws IllegalArgumentException if the directory was written with another hash function
     */
    static void checkOrCreate(WalFileSystem fs, Path dir, String hashId, String defaultHashId) throws IOException {
        Path file = dir.resolve(FILE);
        if (Files.exists(file)) {
            String recorded = parse(file);
            if (!recorded.equals(hashId)) {
                throw new IllegalArgumentException("directory " + dir + " was written with label hash '" + recorded
                    + "' but this engine uses '" + hashId + "'; series would land in other shards: open it with"
                    + " the hash it was written with");
            }
            return;
        }
        if (!hashId.equals(defaultHashId) && hasData(dir)) {
            throw new IllegalArgumentException("directory " + dir + " predates " + FILE + " and so was written with"
                + " the default label hash '" + defaultHashId + "', but this engine uses '" + hashId + "'");
        }
        Path tmp = dir.resolve(FILE + ".tmp");
        byte[] bytes = render(hashId).getBytes(StandardCharsets.UTF_8);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        }
        fs.rename(tmp, file);
        fs.syncDirectory(dir);
    }

    private static boolean hasData(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.anyMatch(p -> p.getFileName().toString().startsWith("shard-"));
        }
    }

    /** The recorded hash id. */
    static String parse(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        String text = new String(bytes, StandardCharsets.UTF_8);
        int crcLine = text.lastIndexOf("crc32c ");
        if (bytes.length > 4096 || crcLine < 0 || !text.endsWith("\n")) {
            throw damaged(file, "no crc32c line at the end");
        }
        String body = text.substring(0, crcLine);
        String stored = text.substring(crcLine + "crc32c ".length(), text.length() - 1);
        CRC32C crc = new CRC32C();
        crc.update(body.getBytes(StandardCharsets.UTF_8));
        if (!stored.equals(String.format("%08x", crc.getValue()))) {
            throw damaged(file, "checksum mismatch (stored " + stored + ", computed "
                + String.format("%08x", crc.getValue()) + ")");
        }
        String[] lines = body.split("\n");
        if (lines.length < 2 || !lines[0].startsWith(MAGIC + " ")) {
            throw damaged(file, "does not start with '" + MAGIC + " <version>'");
        }
        int version;
        try {
            version = Integer.parseInt(lines[0].substring(MAGIC.length() + 1));
        } catch (NumberFormatException e) {
            throw damaged(file, "bad version '" + lines[0] + "'");
        }
        if (version != VERSION) {
            throw new IOException(file + " has directory format version " + version + "; this build reads version "
                + VERSION);
        }
        for (String line : lines) {
            if (line.startsWith("label-hash ")) {
                return line.substring("label-hash ".length());
            }
        }
        throw damaged(file, "no label-hash line");
    }

    private static IOException damaged(Path file, String why) {
        return new IOException("directory identity file " + file + " is damaged: " + why);
    }
}
