package io.sluice.wal;

import java.nio.file.Path;

/**
 * What replay of one shard found and did: the segments it kept mapped, where appending resumes,
 * and what it cut.
 *
 * <p>Threading: built by the replaying thread, then read-only.
 */
public final class ReplayOutcome {
    private final WalSegments segments;
    private final int resumeOffset;
    private final long frames;
    private final long frameBytes;
    private final long truncatedBytes;
    private final Path repairedSegment;
    private final long repairedOffset;
    private final String repairReason;
    private final long droppedRecords;
    private final long droppedBytes;
    private final int deletedSegments;

    ReplayOutcome(WalSegments segments, int resumeOffset, long frames, long frameBytes, long truncatedBytes,
                  Path repairedSegment, long repairedOffset, String repairReason, long droppedRecords,
                  long droppedBytes, int deletedSegments) {
        this.segments = segments;
        this.resumeOffset = resumeOffset;
        this.frames = frames;
        this.frameBytes = frameBytes;
        this.truncatedBytes = truncatedBytes;
        this.repairedSegment = repairedSegment;
        this.repairedOffset = repairedOffset;
        this.repairReason = repairReason;
        this.droppedRecords = droppedRecords;
        this.droppedBytes = droppedBytes;
        this.deletedSegments = deletedSegments;
    }

    /** The kept segments, mapped. */
    public WalSegments segments() {
        return segments;
    }

    /** Offset in the last segment where appending resumes, or -1 to start a new segment. */
    public int resumeOffset() {
        return resumeOffset;
    }

    /** Valid frames read (end markers included). */
    public long frames() {
        return frames;
    }

    /** Bytes of valid frames read, headers and padding included. */
    public long frameBytes() {
        return frameBytes;
    }

    /** Bytes of a torn tail cut from the last segment (a partial write, not corruption). */
    public long truncatedBytes() {
        return truncatedBytes;
    }

    /** True if repair cut corrupt data. */
    public boolean repaired() {
        return repairedSegment != null;
    }

    /** The segment repair cut at, or null. */
    public Path repairedSegment() {
        return repairedSegment;
    }

    /** Offset in {@link #repairedSegment()} of the cut. */
    public long repairedOffset() {
        return repairedOffset;
    }

    /** Why repair cut there, or null. */
    public String repairReason() {
        return repairReason;
    }

    /** Valid-looking records in the data repair dropped. */
    public long droppedRecords() {
        return droppedRecords;
    }

    /** Bytes of data repair dropped (up to the last non-zero byte of each dropped region). */
    public long droppedBytes() {
        return droppedBytes;
    }

    /** Whole segment files repair deleted. */
    public int deletedSegments() {
        return deletedSegments;
    }
}
