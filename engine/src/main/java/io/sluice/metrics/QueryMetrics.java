package io.sluice.metrics;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counters and latency of the read side: index lookups ({@code series(matchers)},
 * {@code labelNames}, {@code labelValues}), queries ({@code query(mint, maxt, matchers)}), and a
 * histogram of query latency in nanoseconds: the time a query spends inside the engine (index
 * selection plus sample reads, not the caller's own work between {@code next()} calls).
 *
 * <p>Threading: any number of reader threads record (HdrHistogram's multi-writer {@link Recorder},
 * wait-free); {@link #queryLatency()} may be called from any thread.
 */
public final class QueryMetrics {
    private final LongAdder lookups = new LongAdder();
    private final LongAdder queries = new LongAdder();
    private final LongAdder lookupNanos = new LongAdder();
    private final Recorder recorder = new Recorder(1, LatencyRecorders.MAX_NANOS, LatencyRecorders.SIGNIFICANT_DIGITS);
    private final Histogram total = MetricsCollector.newHistogram();
    private Histogram recycled;

    /** Counts one index lookup that took {@code nanos}. */
    public void lookup(long nanos) {
        lookups.increment();
        lookupNanos.add(nanos);
    }

    /** Counts one finished query that spent {@code nanos} in the engine. */
    public void query(long nanos) {
        queries.increment();
        recorder.recordValue(Math.min(Math.max(nanos, 1), LatencyRecorders.MAX_NANOS));
    }

    public long lookups() {
        return lookups.sum();
    }

    public long queries() {
        return queries.sum();
    }

    /** Summed time of all lookups, nanoseconds. */
    public long lookupNanos() {
        return lookupNanos.sum();
    }

    /** Query latency since open (a copy). */
    public synchronized Histogram queryLatency() {
        recycled = recorder.getIntervalHistogram(recycled);
        total.add(recycled);
        return total.copy();
    }
}
