package io.sluice.wal;

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
    private final RepairAction repair;
    private long startPosition;
    private java.nio.file.Path checkpoint;

    ReplayOutcome(WalSegments segments, int resumeOffset, long frames, long frameBytes, long truncatedBytes,
                  RepairAction repair) {
        this.segments = segments;
        this.resumeOffset = resumeOffset;
        this.frames = frames;
        this.frameBytes = frameBytes;
        this.truncatedBytes = truncatedBytes;
        this.repair = repair;
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

    /**
     * Where a shard log with no segments left starts: the checkpoint's position, the first (deleted)
     * segment's, or 0.
     */
    public long startPosition() {
        return startPosition;
    }

    /** The checkpoint replay read first, or null. */
    public java.nio.file.Path checkpoint() {
        return checkpoint;
    }

    ReplayOutcome start(long position, java.nio.file.Path checkpointFile) {
        this.startPosition = position;
        this.checkpoint = checkpointFile;
        return this;
    }

    /** What repair cut, or null if it cut nothing. */
    public RepairAction repair() {
        return repair;
    }
}
