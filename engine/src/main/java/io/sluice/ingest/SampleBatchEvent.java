package io.sluice.ingest;

import com.lmax.disruptor.EventFactory;

/**
 * A ring slot: a batch of samples for one shard, preallocated once with the ring and overwritten
 * in place by each publisher. Samples sharing a series should be adjacent, so that the handler
 * writes them as one SAMPLES record.
 *
 * <p><b>Layout.</b> What a publish writes for every event, and all of an event of one sample (a
 * per-item commit), is four longs in an array that the ring's slots share ({@link #WORDS} per slot,
 * slot after slot, {@link #ringSlots}): a header (the shard, the sample count and, for one sample,
 * its series id), the timestamp, the value's bits and the latency origin. Two slots fill a cache
 * line, so that one line passed from the producer's core to the handler's carries two per-item
 * commits, where a slot object of its own cost at least one line each (and unpadded objects, the
 * producer writing slot n + 1 took the line the handler was reading slot n from). On this VM,
 * passing a line costs 70 to 100 ns in its fast state and 400 ns in its slow one, which held every
 * ring of one line per item at about 4 M items/s (docs/architecture.md, "Slots packed two to a
 * cache line"). An event of more samples keeps them in the slot object's own arrays, which a
 * publish fills; the object's own fields change only the first times a publish grows the arrays,
 * so the object needs no padding.
 *
 * <p>Threading: written by the publisher between {@code next()} and {@code publish()}, then read
 * by the handlers; the ring's sequences order the two.
 */
public final class SampleBatchEvent {
    /** Shard value of an empty slot: a slot claimed and published without samples (never stale ones). */
    public static final int EMPTY = -1;
    /** The latency origin of a commit that did not read the clock ({@link CommitClock}): recorded with a later one. */
    public static final long NO_ORIGIN = Long.MIN_VALUE;
    /** Longs a slot takes in its ring's shared array. */
    static final int WORDS = 4;
    /** Longs before the first slot's and after the last slot's: 128 bytes, so no other object shares their lines. */
    static final int PAD = 16;
    private static final int TIMESTAMP = 1;
    private static final int VALUE = 2;
    private static final int ORIGIN = 3;
    private static final int COUNT_SHIFT = 32;
    private static final long COUNT_MASK = (1L << 17) - 1; // up to 65,536 samples (SluiceConfig's limit)
    private static final int SHARD_SHIFT = 49;             // shard + 1 in the top 15 bits: 0 is EMPTY

    /** The array this slot's words are in, shared with the other slots of its ring. */
    private final long[] words;
    /** Index of this slot's header in {@link #words}. */
    private final int at;
    private final int capacity;
    private int[] localIds;
    private long[] timestamps;
    private double[] values;

    /**
     * The slots of one ring: each call of the factory returns the next slot, its words after the
     * previous slot's in one new array. A ring creates its slots in sequence order (the Disruptor's
     * {@code RingBuffer} fills its entries from index 0), so consecutive sequences share lines; the
     * slots are correct in any order, since each has words of its own.
     *
     * @param ringSize the ring's slot count: the factory makes that many slots and no more
     * @param capacity samples per event at most
     */
    public static EventFactory<SampleBatchEvent> ringSlots(int ringSize, int capacity) {
        long[] words = new long[PAD + ringSize * WORDS + PAD];
        return new EventFactory<>() {
            private int next;

            @Override
            public SampleBatchEvent newInstance() {
                if (next == ringSize) {
                    throw new IllegalStateException("a ring's slot factory makes " + ringSize + " slots");
                }
                return new SampleBatchEvent(capacity, words, PAD + WORDS * next++);
            }
        };
    }

    /** A slot with words of its own (tests). */
    SampleBatchEvent(int capacity) {
        this(capacity, new long[PAD + WORDS + PAD], PAD);
    }

    /**
     * The arrays start small and grow (to at most {@code capacity}) the first times a publisher
     * needs more: a ring per producer should not cost {@code ring size × capacity} samples of memory
     * for a producer that commits one sample at a time. Once grown, a slot never allocates again.
     */
    private SampleBatchEvent(int capacity, long[] words, int at) {
        this.capacity = capacity;
        this.words = words;
        this.at = at;
        int initial = Math.min(capacity, 8);
        localIds = new int[initial];
        timestamps = new long[initial];
        values = new double[initial];
    }

    /**
     * Copies {@code n} staged samples starting at {@code from}: one into the slot's words, more into
     * its arrays.
     */
    public void fill(int shard, int[] ids, long[] ts, double[] vs, int from, int n, long originNanos) {
        long[] w = words;
        int a = at;
        if (n == 1) {
            w[a] = header(shard, 1, ids[from]);
            w[a + TIMESTAMP] = ts[from];
            w[a + VALUE] = Double.doubleToRawLongBits(vs[from]);
            w[a + ORIGIN] = originNanos;
            return;
        }
        if (n > localIds.length) {
            grow(n);
        }
        System.arraycopy(ids, from, localIds, 0, n);
        System.arraycopy(ts, from, timestamps, 0, n);
        System.arraycopy(vs, from, values, 0, n);
        w[a] = header(shard, n, 0);
        w[a + ORIGIN] = originNanos;
    }

    private static long header(int shard, int count, int id) {
        return (id & 0xFFFF_FFFFL) | (long) count << COUNT_SHIFT | (long) (shard + 1) << SHARD_SHIFT;
    }

    private void grow(int n) {
        int length = (int) Math.min(capacity, Math.max(n, 2L * localIds.length));
        localIds = new int[length];
        timestamps = new long[length];
        values = new double[length];
    }

    /** Marks the slot as holding no samples. */
    public void empty() {
        words[at] = header(EMPTY, 0, 0);
        words[at + ORIGIN] = 0;
    }

    /** The slot's header: read it once per event and take its parts with {@link #shard(long)} and the like. */
    public long header() {
        return words[at];
    }

    /** The shard of a header, or {@link #EMPTY}. */
    public static int shard(long header) {
        return (int) (header >>> SHARD_SHIFT) - 1;
    }

    /** The sample count of a header. */
    public static int count(long header) {
        return (int) (header >>> COUNT_SHIFT & COUNT_MASK);
    }

    /** The series id of a one-sample event's header (meaningless for more samples: see {@link #localIds()}). */
    public static int id(long header) {
        return (int) header;
    }

    /** A one-sample event's timestamp. */
    public long timestamp() {
        return words[at + TIMESTAMP];
    }

    /** A one-sample event's value, as {@link Double#doubleToRawLongBits} gives it. */
    public long valueBits() {
        return words[at + VALUE];
    }

    /** The latency origin of the commit that published the event. */
    public long originNanos() {
        return words[at + ORIGIN];
    }

    /** The series ids of an event of more than one sample (its first {@code count} entries). */
    public int[] localIds() {
        return localIds;
    }

    /** The timestamps of an event of more than one sample. */
    public long[] timestamps() {
        return timestamps;
    }

    /** The values of an event of more than one sample. */
    public double[] values() {
        return values;
    }
}
