package io.sluice.ingest;

/**
 * A ring slot: a batch of samples for one shard, preallocated once with the ring and overwritten
 * in place by each publisher. Samples sharing a series should be adjacent, so that the handler
 * writes them as one SAMPLES record.
 *
 * <p>Threading: written by the publisher between {@code next()} and {@code publish()}, then read
 * by the handlers; the ring's sequences order the two.
 */
public final class SampleBatchEvent {
    /** Shard value of a tick: no samples, it only wakes every handler (interval durability). */
    public static final int TICK = -1;

    int shard;
    int count;
    long originNanos;
    final int[] localIds;
    final long[] timestamps;
    final double[] values;

    SampleBatchEvent(int capacity) {
        localIds = new int[capacity];
        timestamps = new long[capacity];
        values = new double[capacity];
    }

    /** Copies {@code n} staged samples starting at {@code from}. */
    void fill(int shard, int[] ids, long[] ts, double[] vs, int from, int n, long originNanos) {
        this.shard = shard;
        this.count = n;
        this.originNanos = originNanos;
        System.arraycopy(ids, from, localIds, 0, n);
        System.arraycopy(ts, from, timestamps, 0, n);
        System.arraycopy(vs, from, values, 0, n);
    }

    void tick() {
        shard = TICK;
        count = 0;
        originNanos = 0;
    }
}
