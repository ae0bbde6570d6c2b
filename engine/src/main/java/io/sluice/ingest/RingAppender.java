package io.sluice.ingest;

import com.lmax.disruptor.InsufficientCapacityException;
import com.lmax.disruptor.RingBuffer;
import io.sluice.engine.Appender;
import io.sluice.engine.Labels;
import io.sluice.engine.SeriesRef;
import io.sluice.engine.SluiceFailedException;
import io.sluice.index.SeriesRegistry;

import java.util.Objects;

/**
 * The {@link Appender} behind {@code Sluice.appender()}: stages samples per shard in flat
 * preallocated arrays and publishes them as one event per shard on its thread's single-producer
 * ring ({@link Lane}, taken at the first publish, on the thread that publishes) with {@code next(n)}
 * and {@code publish(lo, hi)}: no CAS, no cache line shared with another producer thread. The
 * sequences it returns name that ring ({@link Lane#sequence}).
 *
 * <p>{@link #commit()} reads the clock for its latency origin as {@link CommitClock} says: every
 * time for commits of 16 samples or more, for one in sixteen per-item commits to a shard.
 *
 * <p>Threading: one producer thread (asserted); {@link #isPublishing()} is read by the closing thread.
 */
public final class RingAppender implements Appender {
    private final IngestRing ring;
    private final Lanes<SampleBatchEvent> lanes;
    private Lane<SampleBatchEvent> lane;
    private RingBuffer<SampleBatchEvent> buffer;
    private final SeriesRegistry registry;
    private final EngineState engine;
    private final int shards;
    private final int capacity;
    private final int[] ids;
    private final long[] timestamps;
    private final double[] values;
    private final int[] counts;
    private final int[] knownIdLimit;
    private static final long MIN_BACKOFF_NANOS = 20_000;
    private static final long MAX_BACKOFF_NANOS = 1_000_000;
    /** A full ring: yield this long before parking. */
    private static final long YIELD_NANOS = 50_000;
    /** The latency origins of {@link #commit()}, {@link #tryCommit()} and full staging areas. */
    private final CommitClock clock;

    private long lastSequence = -1;
    /**
     * Set (a volatile store: a full fence) before the appender re-checks that the engine is open and
     * claims; cleared with a release store once published. Close sets the engine closed and then
     * waits for this to clear: the fence on set is what keeps the two from missing each other, while
     * the clear needs only to come after the publish.
     */
    private volatile boolean publishing;
    private static final java.lang.invoke.VarHandle PUBLISHING;

    static {
        try {
            PUBLISHING = java.lang.invoke.MethodHandles.lookup().findVarHandle(RingAppender.class, "publishing",
                boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
    private boolean closed;
    private Thread owner;

    RingAppender(IngestRing ring, SeriesRegistry registry, EngineState engine, int shards, int capacity) {
        this.ring = ring;
        this.lanes = ring.lanes();
        this.registry = registry;
        this.engine = engine;
        this.shards = shards;
        this.capacity = capacity;
        this.ids = new int[shards * capacity];
        this.timestamps = new long[shards * capacity];
        this.values = new double[shards * capacity];
        this.counts = new int[shards];
        this.knownIdLimit = new int[shards];
        this.clock = new CommitClock(shards);
    }

    @Override
    public void add(long ref, long timestamp, double value) {
        assert onOwnerThread();
        engine.checkWritable();
        int shard = SeriesRef.shard(ref);
        int id = SeriesRef.localId(ref);
        if (shard >= shards || id >= knownIdLimit[shard]) {
            checkRef(ref, shard, id);
        }
        int c = counts[shard];
        int slot = shard * capacity + c;
        ids[slot] = id;
        timestamps[slot] = timestamp;
        values[slot] = value;
        counts[shard] = ++c;
        if (c == capacity) {
            publishShard(shard, clock.origin(shard, c));
        }
    }

    private void checkRef(long ref, int shard, int id) {
        if (shard < shards && ref >= 0) {
            knownIdLimit[shard] = registry.idLimit(shard);
            if (id < knownIdLimit[shard]) {
                return;
            }
        }
        throw new IllegalArgumentException("unknown series ref " + ref + " (" + SeriesRef.toString(ref)
            + "): refs come from Sluice.series(labels) of this engine");
    }

    @Override
    public long add(Labels labels, long timestamp, double value) {
        Objects.requireNonNull(labels, "labels");
        engine.checkWritable();
        long ref = registry.getOrCreate(labels);
        add(ref, timestamp, value);
        return ref;
    }

    @Override
    public long commit() {
        return commit(clock.origin(counts)); // nothing staged: NO_ORIGIN, and no clock read
    }

    @Override
    public long commit(long originNanos) {
        assert onOwnerThread();
        engine.checkWritable();
        int n = stagedShards();
        if (n == 0) {
            return lastSequence;
        }
        publishing = true;
        try {
            engine.checkWritable(); // re-check after announcing: close() waits for announced publishers
            awaitCapacity(n);
            long hi = buffer.next(n);
            fillAndPublish(hi - n + 1, hi, originNanos);
        } finally {
            PUBLISHING.setRelease(this, false);
        }
        return lastSequence;
    }

    @Override
    public boolean tryCommit() {
        assert onOwnerThread();
        engine.checkWritable();
        int n = stagedShards();
        if (n == 0) {
            return true;
        }
        long origin = clock.origin(counts);
        publishing = true;
        try {
            engine.checkWritable();
            long hi;
            try {
                hi = buffer().tryNext(n);
            } catch (InsufficientCapacityException e) {
                ring.countCommitRejection();
                return false;
            }
            fillAndPublish(hi - n + 1, hi, origin);
            return true;
        } finally {
            PUBLISHING.setRelease(this, false);
        }
    }

    @Override
    public long commitDurable() throws InterruptedException {
        long seq = commit();
        if (seq >= 0) {
            ring.awaitDurable(seq);
        }
        return seq;
    }

    private int stagedShards() {
        int n = 0;
        for (int s = 0; s < shards; s++) {
            if (counts[s] != 0) {
                n++;
            }
        }
        return n;
    }

    private void fillAndPublish(long lo, long hi, long originNanos) {
        long seq = lo;
        try {
            for (int s = 0; s < shards && seq <= hi; s++) {
                int c = counts[s];
                if (c != 0) {
                    buffer.get(seq).fill(s, ids, timestamps, values, s * capacity, c, originNanos);
                    counts[s] = 0;
                    seq++;
                }
            }
        } finally {
            for (; seq <= hi; seq++) {
                buffer.get(seq).empty(); // never publish a slot's stale samples
            }
            buffer.publish(lo, hi);
            lanes.afterPublish();
        }
        lastSequence = lane.sequence(hi);
    }

    /** A shard's staging area is full: publish it alone. */
    private void publishShard(int shard, long originNanos) {
        publishing = true;
        try {
            engine.checkWritable();
            awaitCapacity(1);
            long seq = buffer.next();
            try {
                buffer.get(seq).fill(shard, ids, timestamps, values, shard * capacity, counts[shard], originNanos);
                counts[shard] = 0;
            } finally {
                buffer.publish(seq);
                lanes.afterPublish();
            }
            lastSequence = lane.sequence(seq);
        } finally {
            PUBLISHING.setRelease(this, false);
        }
    }

    /**
     * Waits for room before claiming it: yields for up to {@link #YIELD_NANOS}, then parks from
     * 20 us up to 1 ms. The Disruptor's own claim loop re-checks every {@code parkNanos(1)}, which on
     * a two-core machine takes CPU from the very handler that makes the room.
     */
    private void awaitCapacity(int n) {
        RingBuffer<SampleBatchEvent> buffer = buffer();
        if (buffer.hasAvailableCapacity(n)) {
            return;
        }
        // First yield: on two cores a producer whose ring is full shares a core with the handler
        // that empties it, and a yield hands that core over at once, where a park of 20 us sleeps
        // for 60 us or more (timer slack) while the handler may already have emptied the ring.
        long yieldUntil = System.nanoTime() + YIELD_NANOS;
        do {
            Thread.yield();
            if (buffer.hasAvailableCapacity(n)) {
                return;
            }
        } while (System.nanoTime() < yieldUntil);
        long park = MIN_BACKOFF_NANOS;
        do {
            engine.checkWritableOrFailed();
            java.util.concurrent.locks.LockSupport.parkNanos(park);
            park = Math.min(park << 1, MAX_BACKOFF_NANOS);
        } while (!buffer.hasAvailableCapacity(n));
    }

    @Override
    public int staged() {
        int n = 0;
        for (int c : counts) {
            n += c;
        }
        return n;
    }

    @Override
    public long lastSequence() {
        return lastSequence;
    }

    /** Staged samples as another thread sees them (racy, for a log line at close). */
    int stagedEstimate() {
        int n = 0;
        for (int s = 0; s < shards; s++) {
            n += counts[s];
        }
        return n;
    }

    /** The ring of the publishing thread (the owner, asserted), taken at the first publish. */
    private RingBuffer<SampleBatchEvent> buffer() {
        Lane<SampleBatchEvent> l = lane;
        if (l == null) {
            l = lanes.acquire();
            lane = l;
            buffer = l.ring();
        } else if (l.producer() != Thread.currentThread()) { // a ring has one producer: checked, not assumed
            throw new IllegalStateException("an Appender belongs to one thread: it published on "
                + l.producer().getName() + ", and is now used by " + Thread.currentThread().getName());
        }
        return buffer;
    }

    /** True while this appender is between claiming and publishing ring slots. */
    boolean isPublishing() {
        return publishing;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            int staged = staged();
            if (staged == 0) {
                return;
            }
            if (!engine.isOpen()) {
                discardStaged();
                throw notCommitted(staged, null);
            }
            try {
                commit();
            } catch (IllegalStateException e) { // the engine closed or failed under us
                discardStaged();
                throw notCommitted(staged, e);
            }
        } finally {
            ring.unregister(this);
        }
    }

    private void discardStaged() {
        java.util.Arrays.fill(counts, 0);
    }

    /** Staged samples that close could not commit: never dropped silently. */
    private IllegalStateException notCommitted(int staged, IllegalStateException cause) {
        Throwable failure = engine.failure();
        String message = staged + " staged sample(s) were not committed: the engine "
            + (failure != null ? "failed" : "was closed") + " before this appender; commit before Sluice.close()";
        if (failure != null) {
            return new SluiceFailedException(message + " (" + failure + ")", failure);
        }
        return new IllegalStateException(message, cause);
    }

    private boolean onOwnerThread() {
        Thread t = Thread.currentThread();
        if (owner == null) {
            owner = t;
        } else if (owner != t) {
            throw new AssertionError("an Appender belongs to one thread: created for " + owner.getName()
                + ", used by " + t.getName());
        }
        return true;
    }
}
