package io.sluice.metrics;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.WriterReaderPhaser;

import java.util.concurrent.TimeUnit;

/**
 * The two latency histograms of one shard, in nanoseconds: publish to appended, and publish to
 * durable. The shard handler records a whole batch inside one writer critical section of a
 * {@link WriterReaderPhaser} ({@link #begin}, record, {@link #end}), so a batch of many small events
 * costs two atomic operations, not two per event as {@code SingleWriterRecorder.recordValue}
 * would; the collector swaps in fresh histograms without ever stopping the writer (the same
 * scheme as HdrHistogram's recorders).
 *
 * <p>Threading: one writer (the shard handler); {@link #drainInto} from the collector.
 */
public final class LatencyRecorders {
    /** Values above one hour are clamped to it. */
    public static final long MAX_NANOS = TimeUnit.HOURS.toNanos(1);
    static final int SIGNIFICANT_DIGITS = 3;

    private final WriterReaderPhaser phaser = new WriterReaderPhaser();
    /** Durability NONE: a sample is durable when appended, so one histogram serves both. */
    private final boolean durableIsAppended;
    private volatile Histogram activeAppended = MetricsCollector.newHistogram();
    private volatile Histogram activeDurable = MetricsCollector.newHistogram();
    private Histogram inactiveAppended = MetricsCollector.newHistogram();
    private Histogram inactiveDurable = MetricsCollector.newHistogram();

    /** Separate appended and durable histograms. */
    public LatencyRecorders() {
        this(false);
    }

    /**
     * @param durableIsAppended true under durability NONE: one histogram serves both, the handler
     *                          records each event once (by either method), and the durable figures
     *                          are a copy of the appended ones
     */
    public LatencyRecorders(boolean durableIsAppended) {
        this.durableIsAppended = durableIsAppended;
    }

    // Writer's view inside a critical section.
    private Histogram appended;
    private Histogram durable;
    private long criticalValue;

    /** Opens a recording section; handler thread only. */
    public void begin() {
        criticalValue = phaser.writerCriticalSectionEnter();
        appended = activeAppended;
        durable = activeDurable;
    }

    /** Between {@link #begin} and {@link #end}. */
    public void recordAppended(long nanos, long count) {
        appended.recordValueWithCount(clamp(nanos), count);
    }

    /**
     * Between {@link #begin} and {@link #end}. When durable is appended (see the constructor) this
     * counts in the one shared histogram: the caller records each event once, by either method.
     */
    public void recordDurable(long nanos, long count) {
        (durableIsAppended ? appended : durable).recordValueWithCount(clamp(nanos), count);
    }

    /** Closes the recording section. */
    public void end() {
        phaser.writerCriticalSectionExit(criticalValue);
    }

    /** Moves everything recorded so far into the targets. Collector only (callers synchronize). */
    void drainInto(Histogram appendedTarget, Histogram durableTarget) {
        phaser.readerLock();
        try {
            inactiveAppended.reset();
            inactiveDurable.reset();
            Histogram a = activeAppended;
            Histogram d = activeDurable;
            activeAppended = inactiveAppended;
            activeDurable = inactiveDurable;
            inactiveAppended = a;
            inactiveDurable = d;
            phaser.flipPhase(500_000L); // wait out a writer still recording into the old pair
        } finally {
            phaser.readerUnlock();
        }
        appendedTarget.add(inactiveAppended);
        durableTarget.add(durableIsAppended ? inactiveAppended : inactiveDurable);
    }

    private static long clamp(long nanos) {
        return nanos < 1 ? 1 : Math.min(nanos, MAX_NANOS);
    }
}
