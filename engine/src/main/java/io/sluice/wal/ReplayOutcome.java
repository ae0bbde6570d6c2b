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

    /** What repair cut, or null if it cut nothing. */
    public RepairAction repair() {
        return repair;
    }
}
