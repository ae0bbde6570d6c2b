package io.sluice.engine;

import io.sluice.wal.ReplayOutcome;

import java.nio.file.Path;
import java.util.Collections;
import java.util.List;

/**
 * What {@link Sluice#open} found in the WAL: per shard, the records, series and samples it
 * replayed, any torn tail it cut, and what repair dropped. Immutable.
 */
public final class ReplayReport {
    /** One shard's replay. */
    public static final class Shard {
        private final int shard;
        private final int segments;
        private final long seriesRecords;
        private final long samplesRecords;
        private final long samples;
        private final long walBytes;
        private final long truncatedBytes;
        private final Path repairedSegment;
        private final long repairedOffset;
        private final String repairReason;
        private final long droppedRecords;
        private final long droppedBytes;
        private final int deletedSegments;

        Shard(int shard, ReplayOutcome o, ShardRecovery r) {
            this.shard = shard;
            this.segments = o.segments().count();
            this.seriesRecords = r.seriesRecords();
            this.samplesRecords = r.samplesRecords();
            this.samples = r.samples();
            this.walBytes = o.frameBytes();
            this.truncatedBytes = o.truncatedBytes();
            this.repairedSegment = o.repairedSegment();
            this.repairedOffset = o.repairedOffset();
            this.repairReason = o.repairReason();
            this.droppedRecords = o.droppedRecords();
            this.droppedBytes = o.droppedBytes();
            this.deletedSegments = o.deletedSegments();
        }

        public int shard() {
            return shard;
        }

        /** Segment files kept. */
        public int segments() {
            return segments;
        }

        public long seriesRecords() {
            return seriesRecords;
        }

        public long samplesRecords() {
            return samplesRecords;
        }

        /** Samples replayed. */
        public long samples() {
            return samples;
        }

        /** Bytes of valid frames read. */
        public long walBytes() {
            return walBytes;
        }

        /** Bytes of a torn tail cut from the last segment. */
        public long truncatedBytes() {
            return truncatedBytes;
        }

        /** True if repair cut corrupt data in this shard. */
        public boolean repaired() {
            return repairedSegment != null;
        }

        public Path repairedSegment() {
            return repairedSegment;
        }

        public long repairedOffset() {
            return repairedOffset;
        }

        public String repairReason() {
            return repairReason;
        }

        public long droppedRecords() {
            return droppedRecords;
        }

        public long droppedBytes() {
            return droppedBytes;
        }

        public int deletedSegments() {
            return deletedSegments;
        }
    }

    private final List<Shard> shards;
    private final double seconds;

    ReplayReport(List<Shard> shards, double seconds) {
        this.shards = Collections.unmodifiableList(shards);
        this.seconds = seconds;
    }

    public List<Shard> shards() {
        return shards;
    }

    /** Wall time of the replay, all shards together. */
    public double seconds() {
        return seconds;
    }

    public long samples() {
        return shards.stream().mapToLong(Shard::samples).sum();
    }

    public long seriesRecords() {
        return shards.stream().mapToLong(Shard::seriesRecords).sum();
    }

    public long walBytes() {
        return shards.stream().mapToLong(Shard::walBytes).sum();
    }

    public long truncatedBytes() {
        return shards.stream().mapToLong(Shard::truncatedBytes).sum();
    }

    public long droppedRecords() {
        return shards.stream().mapToLong(Shard::droppedRecords).sum();
    }

    public long droppedBytes() {
        return shards.stream().mapToLong(Shard::droppedBytes).sum();
    }

    public boolean repaired() {
        return shards.stream().anyMatch(Shard::repaired);
    }
}
