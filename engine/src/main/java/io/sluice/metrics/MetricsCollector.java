package io.sluice.metrics;

import org.HdrHistogram.Histogram;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Merges the shards' latency recorders into cumulative and per-interval histograms. A daemon
 * thread calls {@link #sample()} once per interval; {@link #snapshot} samples too, so a caller
 * always sees every recorded value.
 *
 * <p>Threading: {@link #sample()} and {@link #snapshot} are synchronized; recorders are written
 * only by their shard handlers.
 */
public final class MetricsCollector {
    private final LatencyRecorders[] shards;
    private final Histogram appendedTotal = newHistogram();
    private final Histogram durableTotal = newHistogram();
    private final Histogram[] appendedRecycle;
    private final Histogram[] durableRecycle;
    private Histogram lastAppended = newHistogram();
    private Histogram lastDurable = newHistogram();
    private final Histogram appendedSinceTick = newHistogram();
    private final Histogram durableSinceTick = newHistogram();
    private long tickStartMillis = System.currentTimeMillis();
    private final List<IntervalListener> listeners = new CopyOnWriteArrayList<>();

    public MetricsCollector(LatencyRecorders[] shards) {
        this.shards = shards.clone();
        this.appendedRecycle = new Histogram[shards.length];
        this.durableRecycle = new Histogram[shards.length];
    }

    static Histogram newHistogram() {
        return new Histogram(1, LatencyRecorders.MAX_NANOS, LatencyRecorders.SIGNIFICANT_DIGITS);
    }

    public void addListener(IntervalListener listener) {
        listeners.add(listener);
    }

    public void removeListener(IntervalListener listener) {
        listeners.remove(listener);
    }

    /** Drains the recorders into the running totals and into the open interval. */
    private void drain() {
        for (int s = 0; s < shards.length; s++) {
            LatencyRecorders r = shards[s];
            Histogram a = r.appended.getIntervalHistogram(appendedRecycle[s]);
            appendedRecycle[s] = a;
            appendedTotal.add(a);
            appendedSinceTick.add(a);
            Histogram d = r.durable.getIntervalHistogram(durableRecycle[s]);
            durableRecycle[s] = d;
            durableTotal.add(d);
            durableSinceTick.add(d);
        }
    }

    /** Closes the current interval: called by the collector thread once per interval. */
    public void sample() {
        Histogram a;
        Histogram d;
        synchronized (this) {
            drain();
            long now = System.currentTimeMillis();
            a = appendedSinceTick.copy();
            d = durableSinceTick.copy();
            a.setStartTimeStamp(tickStartMillis);
            a.setEndTimeStamp(now);
            d.setStartTimeStamp(tickStartMillis);
            d.setEndTimeStamp(now);
            appendedSinceTick.reset();
            durableSinceTick.reset();
            tickStartMillis = now;
            lastAppended = a;
            lastDurable = d;
        }
        for (IntervalListener l : listeners) {
            l.onInterval(a.copy(), d.copy());
        }
    }

    /** Copies of {cumulative appended, cumulative durable, last interval appended, last interval durable}. */
    public synchronized Histogram[] snapshot() {
        drain();
        return new Histogram[] {appendedTotal.copy(), durableTotal.copy(), lastAppended.copy(), lastDurable.copy()};
    }
}
