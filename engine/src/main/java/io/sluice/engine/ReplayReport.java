package io.sluice.engine;

import io.sluice.wal.RepairAction;
import io.sluice.wal.ReplayOutcome;

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
        private final RepairAction repair;

        Shard(int shard, ReplayOutcome o, ShardRecovery r) {
            this.shard = shard;
            this.segments = o.segments().count();
            this.seriesRecords = r.seriesRecords();
            this.samplesRecords = r.samplesRecords();
            this.samples = r.samples();
            this.walBytes = o.frameBytes();
            this.truncatedBytes = o.truncatedBytes();
            this.repair = o.repair();
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

        /** What repair cut in this shard, or null. */
        public RepairAction repair() {
            return repair;
        }

        public boolean repaired() {
            return repair != null;
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
        return shards.stream().filter(Shard::repaired).mapToLong(s -> s.repair().droppedRecords()).sum();
    }

    public long droppedBytes() {
        return shards.stream().filter(Shard::repaired).mapToLong(s -> s.repair().droppedBytes()).sum();
    }

    public boolean repaired() {
        return shards.stream().anyMatch(Shard::repaired);
    }
}
