package io.sluice.engine;

import io.sluice.metrics.QueryMetrics;

import java.util.Arrays;

/**
 * The answer to {@link Sluice#query}: the matched series in ref order (shard, then local id), each
 * with its samples in {@code [mint, maxt]}, oldest first.
 *
 * <pre>{@code
 * try (SeriesSet set = db.query(t0, t1, Matcher.eq("__name__", "cpu"))) {
 *     while (set.next()) {
 *         Labels labels = set.labels();
 *         for (int i = 0; i < set.sampleCount(); i++) {
 *             use(set.timestamp(i), set.value(i));
 *         }
 *     }
 * }
 * }</pre>
 *
 * <p>The set of series is fixed when the query runs; each series' samples are read when
 * {@link #next()} reaches it, so they are the prefix that the shard writer had published by then
 * (never a torn sample: the writer releases a record's position only after the record is whole).
 * Samples stay valid until the next call of {@code next()}.
 *
 * <p>Threading: one thread at a time. Not holding engine locks between calls, so an unclosed set
 * never blocks the writers or {@link Sluice#close()}.
 */
public final class SeriesSet implements AutoCloseable {
    private final Sluice db;
    private final long[] refs;
    private final long mint;
    private final long maxt;
    private final QueryMetrics metrics;
    private long engineNanos;
    private int cursor = -1;
    private boolean closed;
    private Labels labels;
    private long[] timestamps = new long[16];
    private double[] values = new double[16];
    private int count;
    private final SampleConsumer collect = this::collect;

    SeriesSet(Sluice db, long[] refs, long mint, long maxt, QueryMetrics metrics, long selectNanos) {
        this.db = db;
        this.refs = refs;
        this.mint = mint;
        this.maxt = maxt;
        this.metrics = metrics;
        this.engineNanos = selectNanos;
    }

    /** Number of matched series (fixed when the query ran). */
    public int seriesCount() {
        return refs.length;
    }

    /**
     * Moves to the next series and reads its samples.
     *
     * @return false when there are no more series
     * @throws IllegalStateException if the set or the engine is closed
     */
    public boolean next() {
        if (closed) {
            throw new IllegalStateException("SeriesSet is closed");
        }
        if (cursor + 1 >= refs.length) {
            cursor = refs.length;
            labels = null;
            count = 0;
            return false;
        }
        long start = System.nanoTime();
        cursor++;
        long ref = refs[cursor];
        labels = db.labels(ref);
        count = 0;
        db.read(ref, mint, maxt, collect);
        engineNanos += System.nanoTime() - start;
        return true;
    }

    private void collect(long ts, double v) {
        if (count == timestamps.length) {
            timestamps = Arrays.copyOf(timestamps, count * 2);
            values = Arrays.copyOf(values, count * 2);
        }
        timestamps[count] = ts;
        values[count] = v;
        count++;
    }

    private void checkPositioned() {
        if (cursor < 0 || cursor >= refs.length) {
            throw new IllegalStateException("call next() first, and only while it returns true");
        }
    }

    /**
     * The current series' ref.
     *
     * @throws IllegalStateException if {@link #next()} has not returned true
     */
    public long ref() {
        checkPositioned();
        return refs[cursor];
    }

    /**
     * The current series' labels.
     *
     * @throws IllegalStateException if {@link #next()} has not returned true
     */
    public Labels labels() {
        checkPositioned();
        return labels;
    }

    /**
     * The current series' samples in range. A {@code long}, like {@link Sluice#sampleCount(long)};
     * one series' samples in one set are held in arrays, so it is below 2^31 and sample indexes are
     * {@code int}s.
     *
     * @throws IllegalStateException if {@link #next()} has not returned true
     */
    public long sampleCount() {
        checkPositioned();
        return count;
    }

    /**
     * Timestamp of sample {@code i} of the current series.
     *
     * @throws IndexOutOfBoundsException unless {@code 0 <= i < sampleCount()}
     */
    public long timestamp(int i) {
        if (i < 0 || i >= count) {
            throw new IndexOutOfBoundsException("sample " + i + " of " + count);
        }
        return timestamps[i];
    }

    /**
     * Value of sample {@code i} of the current series.
     *
     * @throws IndexOutOfBoundsException unless {@code 0 <= i < sampleCount()}
     */
    public double value(int i) {
        if (i < 0 || i >= count) {
            throw new IndexOutOfBoundsException("sample " + i + " of " + count);
        }
        return values[i];
    }

    /** Ends the query and records its latency. Idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            metrics.query(engineNanos);
        }
    }
}
