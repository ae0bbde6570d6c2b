package io.sluice.metrics;

import org.HdrHistogram.Histogram;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Merges the shards' latency recorders into cumulative and per-interval histograms. A daemon
 * thread calls {@link #sample()} once per interval; {@link #snapshot} drains too, so a caller
 * always sees every recorded value. Ending an interval allocates nothing (its histograms are
 * reused), so a running engine does not feed the garbage collector once a second.
 *
 * <p>Threading: {@link #sample()} and {@link #snapshot} are synchronized; recorders are written
 * only by their shard handlers.
 */
public final class MetricsCollector {
    private final LatencyRecorders[] shards;
    private final ShardCounters[] counters;
    private final Histogram appendedTotal = newHistogram();
    private final Histogram durableTotal = newHistogram();
    private final Histogram appendedDrained = newHistogram();
    private final Histogram durableDrained = newHistogram();
    private final Histogram appendedSinceTick = newHistogram();
    private final Histogram durableSinceTick = newHistogram();
    private final Interval interval = new Interval();
    private long tickStartMillis = System.currentTimeMillis();
    private final List<IntervalListener> listeners = new CopyOnWriteArrayList<>();

    public MetricsCollector(LatencyRecorders[] shards, ShardCounters[] counters) {
        this.shards = shards.clone();
        this.counters = counters.clone();
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
        appendedDrained.reset();
        durableDrained.reset();
        for (LatencyRecorders r : shards) {
            r.drainInto(appendedDrained, durableDrained);
        }
        appendedTotal.add(appendedDrained);
        appendedSinceTick.add(appendedDrained);
        durableTotal.add(durableDrained);
        durableSinceTick.add(durableDrained);
    }

    /** Closes the current interval and calls the listeners with it. */
    public synchronized void sample() {
        drain();
        long now = System.currentTimeMillis();
        Interval i = interval;
        i.appendLatency.reset();
        i.appendLatency.add(appendedSinceTick);
        i.durableLatency.reset();
        i.durableLatency.add(durableSinceTick);
        i.appendLatency.setStartTimeStamp(tickStartMillis);
        i.appendLatency.setEndTimeStamp(now);
        i.durableLatency.setStartTimeStamp(tickStartMillis);
        i.durableLatency.setEndTimeStamp(now);
        i.startMillis = tickStartMillis;
        i.endMillis = now;
        long samples = 0;
        long durable = 0;
        long rejected = 0;
        for (ShardCounters c : counters) {
            samples += c.samples;
            durable += c.durableSamples;
            rejected += c.outOfOrder + c.duplicates;
        }
        i.samples = samples;
        i.durableSamples = durable;
        i.rejected = rejected;
        appendedSinceTick.reset();
        durableSinceTick.reset();
        tickStartMillis = now;
        for (IntervalListener l : listeners) {
            l.onInterval(i);
        }
    }

    /** Copies of {cumulative appended, cumulative durable, last interval appended, last interval durable}. */
    public synchronized Histogram[] snapshot() {
        drain();
        return new Histogram[] {appendedTotal.copy(), durableTotal.copy(), interval.appendLatency.copy(),
            interval.durableLatency.copy()};
    }
}
