package io.sluice.block;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A block file is not what the format says: a bad magic number or version, a checksum mismatch of a
 * section or a chunk, an offset or length that points outside its file, a truncated file, a bad
 * varint, invalid UTF-8, or a meta.json that does not parse. It names the file and the byte offset
 * inside that file where the damaged structure starts (for a checksum mismatch: the start of the
 * section or chunk the checksum covers), so an operator can look at it.
 *
 * <p>Threading: immutable.
 */
public final class BlockCorruptionException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final long offset;
    private final String reason;

    /**
     * @param file   the damaged file
     * @param offset byte offset inside {@code file} where the damaged structure starts
     * @param reason what is wrong, without the location
     */
    public BlockCorruptionException(Path file, long offset, String reason) {
        super("block corruption in " + file + " at byte offset " + offset + ": " + reason);
        this.file = file;
        this.offset = offset;
        this.reason = reason;
    }

    /** The damaged file. */
    public Path file() {
        return file;
    }

    /** Byte offset inside {@link #file()} where the damaged structure starts. */
    public long offset() {
        return offset;
    }

    /** What is wrong, without the location. */
    public String reason() {
        return reason;
    }
}
