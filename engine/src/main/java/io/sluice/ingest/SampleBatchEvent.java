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
    /** Shard value of an empty slot: a slot claimed and published without samples (never stale ones). */
    public static final int EMPTY = -1;

    int shard;
    int count;
    long originNanos;
    int[] localIds;
    long[] timestamps;
    double[] values;
    private final int capacity;

    /**
     * The arrays start small and grow (to at most {@code capacity}) the first times a publisher
     * needs more: a ring per producer should not cost {@code ring size × capacity} samples of memory
     * for a producer that commits one sample at a time. Once grown, a slot never allocates again.
     */
    SampleBatchEvent(int capacity) {
        this.capacity = capacity;
        int initial = Math.min(capacity, 8);
        localIds = new int[initial];
        timestamps = new long[initial];
        values = new double[initial];
    }

    /** Copies {@code n} staged samples starting at {@code from}. */
    void fill(int shard, int[] ids, long[] ts, double[] vs, int from, int n, long originNanos) {
        if (n > localIds.length) {
            grow(n);
        }
        this.shard = shard;
        this.count = n;
        this.originNanos = originNanos;
        System.arraycopy(ids, from, localIds, 0, n);
        System.arraycopy(ts, from, timestamps, 0, n);
        System.arraycopy(vs, from, values, 0, n);
    }

    private void grow(int n) {
        int length = (int) Math.min(capacity, Math.max(n, 2L * localIds.length));
        localIds = new int[length];
        timestamps = new long[length];
        values = new double[length];
    }

    void empty() {
        shard = EMPTY;
        count = 0;
        originNanos = 0;
    }
}
