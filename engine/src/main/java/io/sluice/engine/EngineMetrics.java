package io.sluice.engine;

import org.HdrHistogram.Histogram;

import java.util.Collections;
import java.util.List;

/**
 * A snapshot of the engine's counters and latency histograms, taken by {@link Sluice#metrics()}.
 * Latencies are in nanoseconds, one histogram value per sample: publish (the {@code commit} call,
 * or the origin given to it) to appended in the mapped WAL, and publish to durable under the
 * engine's {@link Durability}. Immutable once built.
 */
public final class EngineMetrics {
    /** Counters of one shard. */
    public static final class ShardMetrics {
        private final int shard;
        private final long records;
        private final long bytes;
        private final long samples;
        private final long seriesCreated;
        private final long outOfOrder;
        private final long duplicates;
        private final long errors;
        private final long forces;
        private final long durableSamples;

        ShardMetrics(int shard, long records, long bytes, long samples, long seriesCreated, long outOfOrder,
                     long duplicates, long errors, long forces, long durableSamples) {
            this.shard = shard;
            this.records = records;
            this.bytes = bytes;
            this.samples = samples;
            this.seriesCreated = seriesCreated;
            this.outOfOrder = outOfOrder;
            this.duplicates = duplicates;
            this.errors = errors;
            this.forces = forces;
            this.durableSamples = durableSamples;
        }

        public int shard() {
            return shard;
        }

        /** WAL records appended in this session (series and samples records). */
        public long records() {
            return records;
        }

        /** WAL bytes appended in this session, framing and padding included. */
        public long bytes() {
            return bytes;
        }

        /** Samples accepted and appended in this session. */
        public long samples() {
            return samples;
        }

        /** Series whose first record this shard wrote in this session. */
        public long seriesCreated() {
            return seriesCreated;
        }

        /** Samples rejected: older than their series' newest, or same time with another value. */
        public long outOfOrder() {
            return outOfOrder;
        }

        /** Exact duplicates of a series' newest sample, dropped. */
        public long duplicates() {
            return duplicates;
        }

        /** Samples not stored: {@link #outOfOrder()} plus {@link #duplicates()}. */
        public long rejected() {
            return outOfOrder + duplicates;
        }

        /** Failures of this shard's handler (0 or 1: a failure stops the engine). */
        public long errors() {
            return errors;
        }

        /** Forces (fdatasync) of this shard's segments. */
        public long forces() {
            return forces;
        }

        /** Samples acknowledged durable under the engine's mode. */
        public long durableSamples() {
            return durableSamples;
        }
    }

    private final long timestampMillis;
    private final List<ShardMetrics> shards;
    private final long commitRejections;
    private final Histogram appendLatency;
    private final Histogram durableLatency;
    private final Histogram appendLatencyInterval;
    private final Histogram durableLatencyInterval;
    private final long lookups;
    private final long queries;
    private final Histogram queryLatency;

    EngineMetrics(long timestampMillis, List<ShardMetrics> shards, long commitRejections, Histogram appendLatency,
                  Histogram durableLatency, Histogram appendLatencyInterval, Histogram durableLatencyInterval,
                  long lookups, long queries, Histogram queryLatency) {
        this.lookups = lookups;
        this.queries = queries;
        this.queryLatency = queryLatency;
        this.timestampMillis = timestampMillis;
        this.shards = Collections.unmodifiableList(shards);
        this.commitRejections = commitRejections;
        this.appendLatency = appendLatency;
        this.durableLatency = durableLatency;
        this.appendLatencyInterval = appendLatencyInterval;
        this.durableLatencyInterval = durableLatencyInterval;
    }

    /** When the snapshot was taken, epoch milliseconds. */
    public long timestampMillis() {
        return timestampMillis;
    }

    public List<ShardMetrics> shards() {
        return shards;
    }

    public long records() {
        return shards.stream().mapToLong(ShardMetrics::records).sum();
    }

    public long bytes() {
        return shards.stream().mapToLong(ShardMetrics::bytes).sum();
    }

    public long samples() {
        return shards.stream().mapToLong(ShardMetrics::samples).sum();
    }

    public long seriesCreated() {
        return shards.stream().mapToLong(ShardMetrics::seriesCreated).sum();
    }

    public long outOfOrder() {
        return shards.stream().mapToLong(ShardMetrics::outOfOrder).sum();
    }

    public long duplicates() {
        return shards.stream().mapToLong(ShardMetrics::duplicates).sum();
    }

    /** Samples the shards refused (out of order or duplicate). */
    public long rejected() {
        return shards.stream().mapToLong(ShardMetrics::rejected).sum();
    }

    public long errors() {
        return shards.stream().mapToLong(ShardMetrics::errors).sum();
    }

    public long forces() {
        return shards.stream().mapToLong(ShardMetrics::forces).sum();
    }

    public long durableSamples() {
        return shards.stream().mapToLong(ShardMetrics::durableSamples).sum();
    }

    /** {@link Appender#tryCommit()} calls that found the ring full. */
    public long commitRejections() {
        return commitRejections;
    }

    /**
     * Publish to appended, since open (a copy), counted per sample. Commits of 16 samples or more are
     * each measured; of smaller commits to a shard, one per 16 samples is, and its value is counted
     * for the unmeasured samples taken before it ({@link io.sluice.ingest.CommitClock}), so the count
     * covers every sample but each shard's last few and the maximum is the measured commits' maximum.
     * The same holds for the other latency histograms here.
     */
    public Histogram appendLatency() {
        return appendLatency;
    }

    /** Publish to durable, since open (a copy). */
    public Histogram durableLatency() {
        return durableLatency;
    }

    /** Publish to appended, last completed metrics interval. */
    public Histogram appendLatencyInterval() {
        return appendLatencyInterval;
    }

    /** Publish to durable, last completed metrics interval. */
    public Histogram durableLatencyInterval() {
        return durableLatencyInterval;
    }

    /** Index lookups since open: {@code series(matchers)}, {@code labelNames()}, {@code labelValues(...)}. */
    public long lookups() {
        return lookups;
    }

    /** Queries ({@code query(mint, maxt, matchers)}) closed since open. */
    public long queries() {
        return queries;
    }

    /**
     * Time each closed query spent inside the engine (index selection and sample reads, not the
     * caller's work between {@code next()} calls), nanoseconds, since open (a copy).
     */
    public Histogram queryLatency() {
        return queryLatency;
    }
}
