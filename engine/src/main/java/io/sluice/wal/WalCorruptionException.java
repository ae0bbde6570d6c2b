package io.sluice.wal;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The WAL of a shard is not what Sluice wrote: a bad checksum, an impossible length, a record
 * out of order, a missing or foreign segment. It names the shard, the segment file and the byte
 * offset inside that file where the first bad byte or record starts, so an operator can look at
 * it and {@code verify --repair} knows where to cut.
 */
public final class WalCorruptionException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int shard;
    private final transient Path segment;
    private final long offset;
    private final String reason;

    public WalCorruptionException(int shard, Path segment, long offset, String reason) {
        super("WAL corruption in shard " + shard + ", segment " + segment + ", at byte offset " + offset + ": " + reason);
        this.shard = shard;
        this.segment = segment;
        this.offset = offset;
        this.reason = reason;
    }

    /** The shard whose WAL is corrupt. */
    public int shard() {
        return shard;
    }

    /** The segment file that holds the first bad byte. */
    public Path segment() {
        return segment;
    }

    /** Byte offset inside {@link #segment()} of the first bad record (or header field). */
    public long offset() {
        return offset;
    }

    /** What was wrong, without the location. */
    public String reason() {
        return reason;
    }
}
