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
        private final long chunks;
        private final long chunkTruncatedBytes;
        private final long chunkRepairedBytes;
        private final long walSamples;

        Shard(int shard, ReplayOutcome o, ShardRecovery r, io.sluice.head.HeadChunkLog chunkLog) {
            this.shard = shard;
            this.segments = o.segments().count();
            this.seriesRecords = r.seriesRecords();
            this.samplesRecords = r.samplesRecords();
            this.samples = r.chunkSamples() + r.samples() - r.skippedSamples();
            this.walSamples = r.samples();
            this.chunks = r.chunks();
            this.chunkTruncatedBytes = chunkLog.truncatedBytes();
            this.chunkRepairedBytes = chunkLog.repairedBytes();
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

        /** Samples the head holds after replay: those of the chunk log, and those of checkpoint and WAL it did not hold. */
        public long samples() {
            return samples;
        }

        /** Samples in the checkpoint and WAL records replayed (some of them already in the chunk log). */
        public long walSamples() {
            return walSamples;
        }

        /** Full chunks read from the head-chunk log. */
        public long chunks() {
            return chunks;
        }

        /** Bytes of head-chunk log cut after its forced position (the WAL held what they held). */
        public long chunkTruncatedBytes() {
            return chunkTruncatedBytes;
        }

        /** Bytes of head-chunk log repair padded or dropped. */
        public long chunkRepairedBytes() {
            return chunkRepairedBytes;
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

        /** True if repair cut the WAL or padded the head-chunk log. */
        public boolean repaired() {
            return repair != null || chunkRepairedBytes > 0;
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
        return shards.stream().filter(s -> s.repair() != null).mapToLong(s -> s.repair().droppedRecords()).sum();
    }

    public long droppedBytes() {
        return shards.stream().filter(s -> s.repair() != null).mapToLong(s -> s.repair().droppedBytes()).sum()
            + shards.stream().mapToLong(Shard::chunkRepairedBytes).sum();
    }

    /** Full chunks read from the head-chunk logs. */
    public long chunks() {
        return shards.stream().mapToLong(Shard::chunks).sum();
    }

    /** Bytes of head-chunk logs cut after their forced positions. */
    public long chunkTruncatedBytes() {
        return shards.stream().mapToLong(Shard::chunkTruncatedBytes).sum();
    }

    public boolean repaired() {
        return shards.stream().anyMatch(Shard::repaired);
    }
}
