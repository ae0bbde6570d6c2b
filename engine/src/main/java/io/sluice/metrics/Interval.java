package io.sluice.metrics;

import org.HdrHistogram.Histogram;

/**
 * One completed metrics interval, handed to {@link IntervalListener}s. The collector reuses this
 * object and its histograms for every interval, so nothing is allocated per interval: a listener
 * that keeps anything must copy it before returning.
 */
public final class Interval {
    final Histogram appendLatency = MetricsCollector.newHistogram();
    final Histogram durableLatency = MetricsCollector.newHistogram();
    long startMillis;
    long endMillis;
    long samples;
    long durableSamples;
    long rejected;

    /** Publish to appended latencies recorded in this interval, nanoseconds, one value per sample. */
    public Histogram appendLatency() {
        return appendLatency;
    }

    /** Publish to durable latencies recorded in this interval. */
    public Histogram durableLatency() {
        return durableLatency;
    }

    public long startMillis() {
        return startMillis;
    }

    public long endMillis() {
        return endMillis;
    }

    /** Samples appended since the engine opened, as of the end of the interval. */
    public long samples() {
        return samples;
    }

    /** Samples durable since the engine opened, as of the end of the interval. */
    public long durableSamples() {
        return durableSamples;
    }

    /** Samples the shards rejected since the engine opened. */
    public long rejected() {
        return rejected;
    }
}
