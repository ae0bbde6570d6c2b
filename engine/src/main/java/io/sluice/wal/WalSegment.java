package io.sluice.wal;

import java.nio.file.Path;

/**
 * One mapped segment file of a shard's log. Immutable apart from the bytes the writer appends.
 *
 * <p>Threading: any thread may read frames that the writer has committed (their length is
 * published with a release store); only the shard writer appends.
 */
public final class WalSegment {
    private final int shard;
    private final Path path;
    private final long basePosition;
    private final SegmentMapping mapping;
    /** Newest sample timestamp in this segment, for retention. Written by the shard writer (or replay), read by it. */
    private long maxTimestamp = Long.MIN_VALUE;

    WalSegment(int shard, Path path, long basePosition, SegmentMapping mapping) {
        this.shard = shard;
        this.path = path;
        this.basePosition = basePosition;
        this.mapping = mapping;
    }

    public int shard() {
        return shard;
    }

    public Path path() {
        return path;
    }

    /** Shard-log position of byte 0 of this file. */
    public long basePosition() {
        return basePosition;
    }

    /** Size of the file in bytes. */
    public long size() {
        return mapping.size();
    }

    /** Shard-log position just past this file. */
    public long endPosition() {
        return basePosition + mapping.size();
    }

    public SegmentMapping mapping() {
        return mapping;
    }

    /** Newest sample timestamp noted in this segment, or {@link Long#MIN_VALUE} if none. Writer thread only. */
    public long maxTimestamp() {
        return maxTimestamp;
    }

    /** Notes a sample timestamp written to this segment. Writer thread (or replay) only. */
    public void noteTimestamp(long timestamp) {
        if (timestamp > maxTimestamp) {
            maxTimestamp = timestamp;
        }
    }

    @Override
    public String toString() {
        return path.toString();
    }
}
