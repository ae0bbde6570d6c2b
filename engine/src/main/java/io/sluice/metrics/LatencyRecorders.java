package io.sluice.metrics;

import org.HdrHistogram.SingleWriterRecorder;

import java.util.concurrent.TimeUnit;

/**
 * The two latency recorders of one shard, in nanoseconds: publish to appended, and publish to
 * durable. Each has a single writer, the shard's handler; the collector takes interval
 * histograms from them without stopping the writer (HdrHistogram's writer-reader phaser).
 */
public final class LatencyRecorders {
    /** Values above one hour are clamped to it. */
    public static final long MAX_NANOS = TimeUnit.HOURS.toNanos(1);
    static final int SIGNIFICANT_DIGITS = 3;

    final SingleWriterRecorder appended = new SingleWriterRecorder(1, MAX_NANOS, SIGNIFICANT_DIGITS);
    final SingleWriterRecorder durable = new SingleWriterRecorder(1, MAX_NANOS, SIGNIFICANT_DIGITS);

    /** Handler thread only. */
    public void recordAppended(long nanos, long count) {
        appended.recordValueWithCount(clamp(nanos), count);
    }

    /** Handler thread only. */
    public void recordDurable(long nanos, long count) {
        durable.recordValueWithCount(clamp(nanos), count);
    }

    private static long clamp(long nanos) {
        return nanos < 1 ? 1 : Math.min(nanos, MAX_NANOS);
    }
}
