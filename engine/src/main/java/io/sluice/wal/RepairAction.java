package io.sluice.wal;

import java.nio.file.Path;

/**
 * What repair cut from one shard's log: where, why, and what was dropped. Immutable.
 */
public final class RepairAction {
    private final Path segment;
    private final long offset;
    private final String reason;
    private final long droppedRecords;
    private final long droppedBytes;
    private final int deletedSegments;

    RepairAction(Path segment, long offset, String reason, long droppedRecords, long droppedBytes,
                 int deletedSegments) {
        this.segment = segment;
        this.offset = offset;
        this.reason = reason;
        this.droppedRecords = droppedRecords;
        this.droppedBytes = droppedBytes;
        this.deletedSegments = deletedSegments;
    }

    /** The segment the log was cut in. */
    public Path segment() {
        return segment;
    }

    /** Byte offset of the cut in {@link #segment()}. */
    public long offset() {
        return offset;
    }

    /** The corruption found there. */
    public String reason() {
        return reason;
    }

    /** Valid-looking records in the data that was dropped. */
    public long droppedRecords() {
        return droppedRecords;
    }

    /** Bytes dropped, counted up to the last non-zero byte of each dropped region. */
    public long droppedBytes() {
        return droppedBytes;
    }

    /** Whole segment files deleted. */
    public int deletedSegments() {
        return deletedSegments;
    }

    @Override
    public String toString() {
        return "cut " + segment + " at offset " + offset + " (" + reason + "); dropped " + droppedRecords
            + " records, " + droppedBytes + " bytes, " + deletedSegments + " segment file(s)";
    }
}
