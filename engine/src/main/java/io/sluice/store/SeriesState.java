package io.sluice.store;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * One series in one shard: its newest sample (for the out-of-order check) and the shard-log
 * positions of its SAMPLES records, which are the series' append-only chunks.
 *
 * <p>Threading: the shard writer mutates; readers use {@link #recordCount()} (acquire) and then
 * read positions below it, which the writer never changes after publishing them.
 */
public final class SeriesState {
    private static final VarHandle RECORD_COUNT;

    static {
        try {
            RECORD_COUNT = MethodHandles.lookup().findVarHandle(SeriesState.class, "recordCount", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final long ref;
    /** Newest accepted timestamp; {@link Long#MIN_VALUE} until the first sample. Writer only. */
    long lastTimestamp = Long.MIN_VALUE;
    /** Raw bits of the newest value, for telling a duplicate from a conflicting sample. Writer only. */
    long lastValueBits;
    /** True once the SERIES record is in the shard's WAL. Writer only. */
    boolean logged;
    volatile long firstTimestamp = Long.MAX_VALUE;
    volatile long newestTimestamp = Long.MIN_VALUE;
    volatile long samples;
    /** Rejected samples of this series: older than its newest, or same time with another value. */
    volatile long outOfOrder;
    /** Exact duplicates of the newest sample. */
    volatile long duplicates;

    /** Grown by copy; replaced before the count that covers a new slot is released. */
    private volatile long[] positions = new long[2];
    @SuppressWarnings("unused") // accessed through RECORD_COUNT
    private int recordCount;

    SeriesState(long ref) {
        this.ref = ref;
    }

    public long ref() {
        return ref;
    }

    /** Timestamp of the oldest stored sample, or {@link Long#MAX_VALUE} if none. */
    public long firstTimestamp() {
        return firstTimestamp;
    }

    /** Timestamp of the newest stored sample, or {@link Long#MIN_VALUE} if none. */
    public long newestTimestamp() {
        return newestTimestamp;
    }

    /** Stored samples. */
    public long samples() {
        return samples;
    }

    public long outOfOrder() {
        return outOfOrder;
    }

    public long duplicates() {
        return duplicates;
    }

    /** Published SAMPLES records. */
    public int recordCount() {
        return (int) RECORD_COUNT.getAcquire(this);
    }

    /** Position of record {@code i < recordCount()}. */
    public long position(int i) {
        return positions[i];
    }

    /** Appends a record; writer only. */
    void addRecord(long position, long firstTs, long lastTs, int count) {
        int n = (int) RECORD_COUNT.get(this);
        long[] p = positions;
        if (n == p.length) {
            p = Arrays.copyOf(p, n * 2);
            positions = p;
        }
        p[n] = position;
        if (n == 0) {
            firstTimestamp = firstTs;
        }
        newestTimestamp = lastTs;
        samples = samples + count;
        RECORD_COUNT.setRelease(this, n + 1);
    }
}
