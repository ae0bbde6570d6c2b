package io.sluice.head;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A head-chunk file is not what Sluice wrote, in a region that was forced before the WAL behind it
 * was truncated (so the WAL cannot rebuild it): a bad checksum, an impossible length, a missing or
 * foreign file. It names the shard, the file and the byte offset; open with repair keeps every
 * other chunk.
 */
public final class HeadChunkCorruptionException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int shard;
    private final transient Path file;
    private final long offset;
    private final String reason;

    public HeadChunkCorruptionException(int shard, Path file, long offset, String reason) {
        super("head-chunk corruption in shard " + shard + ", file " + file + ", at byte offset " + offset + ": "
            + reason);
        this.shard = shard;
        this.file = file;
        this.offset = offset;
        this.reason = reason;
    }

    /** The shard whose head-chunk log is corrupt. */
    public int shard() {
        return shard;
    }

    /** The head-chunk file holding the first bad byte. */
    public Path file() {
        return file;
    }

    /** Byte offset inside {@link #file()} of the first bad frame (or header field). */
    public long offset() {
        return offset;
    }

    /** What was wrong, without the location. */
    public String reason() {
        return reason;
    }
}
