package io.sluice.metrics;

/**
 * Counters of one shard. The shard's handler accumulates them in plain fields during a batch and
 * publishes them here at the end of the batch ({@link #publish}) with release stores: a volatile
 * store is a full fence on x86, and nine of them per batch were a measurable part of a one-sample
 * batch. A release store still orders them before the positions the handler publishes after them,
 * so whoever sees a position also sees the counters of its samples. Any thread may read.
 */
public final class ShardCounters {
    private static final java.lang.invoke.VarHandle RECORDS;
    private static final java.lang.invoke.VarHandle BYTES;
    private static final java.lang.invoke.VarHandle SAMPLES;
    private static final java.lang.invoke.VarHandle SERIES_CREATED;
    private static final java.lang.invoke.VarHandle OUT_OF_ORDER;
    private static final java.lang.invoke.VarHandle DUPLICATES;
    private static final java.lang.invoke.VarHandle FORCES;
    private static final java.lang.invoke.VarHandle DURABLE_SAMPLES;

    static {
        try {
            java.lang.invoke.MethodHandles.Lookup l = java.lang.invoke.MethodHandles.lookup();
            RECORDS = l.findVarHandle(ShardCounters.class, "records", long.class);
            BYTES = l.findVarHandle(ShardCounters.class, "bytes", long.class);
            SAMPLES = l.findVarHandle(ShardCounters.class, "samples", long.class);
            SERIES_CREATED = l.findVarHandle(ShardCounters.class, "seriesCreated", long.class);
            OUT_OF_ORDER = l.findVarHandle(ShardCounters.class, "outOfOrder", long.class);
            DUPLICATES = l.findVarHandle(ShardCounters.class, "duplicates", long.class);
            FORCES = l.findVarHandle(ShardCounters.class, "forces", long.class);
            DURABLE_SAMPLES = l.findVarHandle(ShardCounters.class, "durableSamples", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    public volatile long records;
    public volatile long bytes;
    public volatile long samples;
    public volatile long seriesCreated;
    public volatile long outOfOrder;
    public volatile long duplicates;
    public volatile long errors;
    public volatile long forces;
    public volatile long durableSamples;

    /** The handler's figures at the end of a batch, with release stores (shard writer only). */
    public void publish(long records, long bytes, long samples, long seriesCreated, long outOfOrder, long duplicates,
                        long forces, long durableSamples) {
        RECORDS.setRelease(this, records);
        BYTES.setRelease(this, bytes);
        SAMPLES.setRelease(this, samples);
        SERIES_CREATED.setRelease(this, seriesCreated);
        OUT_OF_ORDER.setRelease(this, outOfOrder);
        DUPLICATES.setRelease(this, duplicates);
        FORCES.setRelease(this, forces);
        DURABLE_SAMPLES.setRelease(this, durableSamples);
    }
}
