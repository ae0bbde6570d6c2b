package io.sluice.ingest;

/**
 * The time span of one shard's head, as its handler has appended it (how far the shard has got
 * through each producer's ring is on the {@link Lane}s). Written by the shard handler; read by
 * anyone.
 */
public final class ShardProgress {
    volatile long minTime = Long.MAX_VALUE;
    volatile long maxTime = Long.MIN_VALUE;

    /** The oldest sample appended to the shard's head (a lower bound), or {@link Long#MAX_VALUE}. */
    public long minTime() {
        return minTime;
    }

    /** The newest sample appended to the shard's head, or {@link Long#MIN_VALUE}. */
    public long maxTime() {
        return maxTime;
    }

    private static final java.lang.invoke.VarHandle MIN_TIME;
    private static final java.lang.invoke.VarHandle MAX_TIME;

    static {
        try {
            java.lang.invoke.MethodHandles.Lookup l = java.lang.invoke.MethodHandles.lookup();
            MIN_TIME = l.findVarHandle(ShardProgress.class, "minTime", long.class);
            MAX_TIME = l.findVarHandle(ShardProgress.class, "maxTime", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The handler's new oldest sample: a release store, not a fence (it changes at most per batch). */
    void minTime(long t) {
        MIN_TIME.setRelease(this, t);
    }

    /** The handler's new newest sample: a release store (it changes nearly every batch). */
    void maxTime(long t) {
        MAX_TIME.setRelease(this, t);
    }

    /** Replay's figures, before the handler starts. */
    public void times(long min, long max) {
        minTime = min;
        maxTime = max;
    }
}
