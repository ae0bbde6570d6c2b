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
    private static final VarHandle FIRST;
    private static final VarHandle NEWEST;
    private static final VarHandle SAMPLES;
    private static final VarHandle OUT_OF_ORDER;
    private static final VarHandle DUPLICATES;
    private static final VarHandle FIRST_RECORD;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            RECORD_COUNT = l.findVarHandle(SeriesState.class, "recordCount", int.class);
            FIRST = l.findVarHandle(SeriesState.class, "firstTimestamp", long.class);
            NEWEST = l.findVarHandle(SeriesState.class, "newestTimestamp", long.class);
            SAMPLES = l.findVarHandle(SeriesState.class, "samples", long.class);
            OUT_OF_ORDER = l.findVarHandle(SeriesState.class, "outOfOrder", long.class);
            DUPLICATES = l.findVarHandle(SeriesState.class, "duplicates", long.class);
            FIRST_RECORD = l.findVarHandle(SeriesState.class, "firstRecord", int.class);
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
    // Published by the writer with release stores (no fence on x86), read with acquire loads.
    @SuppressWarnings("unused")
    private long firstTimestamp = Long.MAX_VALUE;
    @SuppressWarnings("unused")
    private long newestTimestamp = Long.MIN_VALUE;
    @SuppressWarnings("unused")
    private long samples;
    /** Rejected samples of this series: older than its newest, or same time with another value. */
    @SuppressWarnings("unused")
    private long outOfOrder;
    /** Exact duplicates of the newest sample. */
    @SuppressWarnings("unused")
    private long duplicates;

    /** Grown by copy; replaced before the count that covers a new slot is released. */
    private volatile long[] positions = new long[2];
    @SuppressWarnings("unused") // accessed through RECORD_COUNT
    private int recordCount;
    /** Records below this index were dropped by retention; their positions are no longer read. */
    @SuppressWarnings("unused") // accessed through FIRST_RECORD
    private int firstRecord;

    SeriesState(long ref) {
        this.ref = ref;
    }

    public long ref() {
        return ref;
    }

    /** Timestamp of the oldest stored sample, or {@link Long#MAX_VALUE} if none. */
    public long firstTimestamp() {
        return (long) FIRST.getAcquire(this);
    }

    /** Timestamp of the newest stored sample, or {@link Long#MIN_VALUE} if none. */
    public long newestTimestamp() {
        return (long) NEWEST.getAcquire(this);
    }

    /** Stored samples. */
    public long samples() {
        return (long) SAMPLES.getAcquire(this);
    }

    public long outOfOrder() {
        return (long) OUT_OF_ORDER.getAcquire(this);
    }

    public long duplicates() {
        return (long) DUPLICATES.getAcquire(this);
    }

    /** Writer only. */
    void reject(long old, long dup) {
        if (old != 0) {
            OUT_OF_ORDER.setRelease(this, (long) OUT_OF_ORDER.get(this) + old);
        }
        if (dup != 0) {
            DUPLICATES.setRelease(this, (long) DUPLICATES.get(this) + dup);
        }
    }

    /** Published SAMPLES records. */
    public int recordCount() {
        return (int) RECORD_COUNT.getAcquire(this);
    }

    /** Index of the oldest record retention kept; records below it are dropped. */
    public int firstRecord() {
        return (int) FIRST_RECORD.getAcquire(this);
    }

    /**
     * Retention: drops records below {@code first}, which held {@code samples} samples; the oldest
     * kept sample is now at {@code firstTs} ({@link Long#MAX_VALUE} if none). Writer only.
     */
    void dropRecords(int first, long samples, long firstTs) {
        FIRST.setRelease(this, firstTs);
        SAMPLES.setRelease(this, (long) SAMPLES.get(this) - samples);
        FIRST_RECORD.setRelease(this, first);
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
            FIRST.setRelease(this, firstTs);
        }
        NEWEST.setRelease(this, lastTs);
        SAMPLES.setRelease(this, (long) SAMPLES.get(this) + count);
        RECORD_COUNT.setRelease(this, n + 1);
    }
}
