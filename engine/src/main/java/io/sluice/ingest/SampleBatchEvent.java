package io.sluice.ingest;

/**
 * A ring slot: a batch of samples for one shard, preallocated once with the ring and overwritten
 * in place by each publisher. Samples sharing a series should be adjacent, so that the handler
 * writes them as one SAMPLES record.
 *
 * <p>Layout: the fields a publish writes and a handler reads ({@link SampleBatchEventFields}) sit
 * between 56 bytes of padding on either side (a superclass's fields come first in a HotSpot object,
 * so the three classes fix the order; {@code SampleBatchEventTest} checks the offsets), so that no
 * two slots share a cache line: the ring's slots are allocated one after another, and without the
 * padding the producer writing slot {@code n + 1} takes the line away from the handler reading
 * slot {@code n}. With one sample per commit that contention was most of the handler's time in the
 * ring (docs/architecture.md, "A slot laid out for one sample").
 *
 * <p>Threading: written by the publisher between {@code next()} and {@code publish()}, then read
 * by the handlers; the ring's sequences order the two.
 */
public final class SampleBatchEvent extends SampleBatchEventFields {
    /** Shard value of an empty slot: a slot claimed and published without samples (never stale ones). */
    public static final int EMPTY = -1;

    /** Padding after the hot fields (see the class comment). */
    long q1, q2, q3, q4, q5, q6, q7;
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

    /** Copies {@code n} staged samples starting at {@code from}: one into the slot's fields, more into its arrays. */
    void fill(int shard, int[] ids, long[] ts, double[] vs, int from, int n, long originNanos) {
        this.shard = shard;
        this.count = n;
        this.originNanos = originNanos;
        if (n == 1) {
            id = ids[from];
            timestamp = ts[from];
            value = vs[from];
            return;
        }
        if (n > localIds.length) {
            grow(n);
        }
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

/**
 * Padding before a slot's hot fields ({@link SampleBatchEvent}). The int takes the gap after the
 * object header, where HotSpot would otherwise put one of the subclass's int fields.
 */
abstract class SampleBatchEventPad {
    int p0;
    long p1, p2, p3, p4, p5, p6, p7;
}

/** A slot's hot fields, between {@link SampleBatchEventPad} and {@link SampleBatchEvent}'s padding. */
abstract class SampleBatchEventFields extends SampleBatchEventPad {
    int shard;
    int count;
    long originNanos;
    /**
     * The sample of a one-sample event (a per-item commit), kept in the slot's own fields beside
     * its header rather than in the arrays: the handler then reads one or two cache lines the
     * producer wrote, not four (slot, ids, timestamps, values), and the producer copies three values
     * instead of calling three array copies. With {@code count > 1} the arrays hold the samples and
     * these fields mean nothing.
     */
    int id;
    long timestamp;
    double value;
    int[] localIds;
    long[] timestamps;
    double[] values;
}
