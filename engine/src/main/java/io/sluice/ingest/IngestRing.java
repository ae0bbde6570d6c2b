package io.sluice.ingest;

import io.sluice.engine.WaitStrategyKind;
import io.sluice.index.SeriesRegistry;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The Disruptor part of the engine: a single-producer ring of preallocated {@link SampleBatchEvent}s
 * per appender ({@link Lanes}), and one consumer thread per shard that polls every appender's ring
 * and takes the events of its shard. A commit's sequence names its appender's ring, so "durable up
 * to sequence s" is "every shard has made that ring durable up to s" (docs/architecture.md, "Ring
 * per producer", explains the choice).
 *
 * <p>Threading: appenders publish from their own threads; {@link #close} runs once, on the closing thread.
 */
public final class IngestRing {
    private static final System.Logger LOG = System.getLogger("io.sluice.engine");

    private final Lanes<SampleBatchEvent> lanes;
    private final ShardHandler[] handlers;
    private final SeriesRegistry registry;
    private final EngineState engine;
    private final DurableSignal durableSignal;
    private final int shards;
    private final int eventCapacity;
    private final List<RingAppender> appenders = new CopyOnWriteArrayList<>();
    private final LongAdder commitRejections = new LongAdder();
    /** Set once close has forced every shard and published its last durable positions. */
    private volatile boolean finished;

    /**
     * @param ringSize events per appender's ring
     * @param handlers one per shard, in shard order
     */
    public IngestRing(int ringSize, int eventCapacity, WaitStrategyKind waitStrategy, ShardHandler[] handlers,
                      SeriesRegistry registry, EngineState engine, DurableSignal durableSignal) {
        this.shards = handlers.length;
        this.eventCapacity = eventCapacity;
        this.handlers = handlers.clone();
        this.registry = registry;
        this.engine = engine;
        this.durableSignal = durableSignal;
        this.lanes = new Lanes<>(ringSize, size -> SampleBatchEvent.ringSlots(size, eventCapacity), waitStrategy,
            java.util.Arrays.asList(handlers), "sluice-shard-");
    }

    public void start() {
        lanes.start();
    }

    Lanes<SampleBatchEvent> lanes() {
        return lanes;
    }

    /** A new appender; it publishes on its thread's ring ({@link Lanes#acquire}, at its first publish). */
    public RingAppender newAppender() {
        engine.checkWritable();
        RingAppender a = new RingAppender(this, registry, engine, shards, eventCapacity);
        appenders.add(a);
        return a;
    }

    void unregister(RingAppender a) {
        appenders.remove(a);
    }

    void countCommitRejection() {
        commitRejections.increment();
    }

    public long commitRejections() {
        return commitRejections.sum();
    }

    /**
     * True if every sample published up to {@code sequence} (from {@link RingAppender#commit()}) is
     * durable in every shard; true for a negative sequence (nothing published).
     *
     * @throws IllegalArgumentException if no appender of this engine published that sequence
     */
    public boolean isDurable(long sequence) {
        if (sequence < 0) {
            return true;
        }
        Lane<SampleBatchEvent> lane = lanes.lane(Lanes.laneOf(sequence));
        long at = lane == null ? 0 : Lanes.laneSequence(sequence) - lane.base();
        if (lane == null || at > lane.ring().getCursor()) {
            throw new IllegalArgumentException("sequence " + sequence + " was not published by this engine");
        }
        if (at < 0) {
            return true; // an earlier lane at this index, replaced only once all of it was durable
        }
        for (int s = 0; s < shards; s++) {
            if (lane.durable(s) < at) {
                return false;
            }
        }
        return true;
    }

    /** What every appender's ring has published now; {@link Lanes.Published#appended()} says when the shards have it. */
    public Lanes.Published published() {
        return lanes.published();
    }

    /**
     * Waits until every shard has made {@code sequence} durable.
     *
     * @throws io.sluice.engine.SluiceFailedException if the engine failed first
     * @throws IllegalStateException                  if the engine closed and the sequence never became durable
     * @throws IllegalArgumentException               if no appender of this engine published that sequence
     */
    public void awaitDurable(long sequence) throws InterruptedException {
        while (true) {
            // Durability first: a sequence that is durable stays durable, whatever failed later.
            if (isDurable(sequence)) {
                return;
            }
            engine.checkNotFailed();
            if (finished) {
                if (isDurable(sequence)) {
                    return;
                }
                engine.checkNotFailed();
                throw new IllegalStateException("Sluice closed before sequence " + sequence + " became durable");
            }
            durableSignal.await(() -> isDurable(sequence) || finished || engine.failure() != null,
                TimeUnit.MILLISECONDS.toNanos(100));
        }
    }

    /**
     * Stops accepting writes, waits for in-flight commits, drains the ring, stops the handlers, forces
     * and closes every shard's WAL.
     */
    public void close() throws IOException {
        engine.close();
        int staged = 0;
        int holding = 0;
        for (RingAppender a : appenders) {
            while (a.isPublishing()) {
                Thread.onSpinWait();
            }
            int n = a.stagedEstimate();
            if (n > 0) {
                staged += n;
                holding++;
            }
        }
        if (staged > 0) {
            LOG.log(System.Logger.Level.WARNING, "closing with about {0} sample(s) staged in {1} appender(s) and never"
                + " committed: they are not written (each appender''s close() reports its own)", staged, holding);
        }
        // Every publish has finished: the shard threads take what is left, then stop.
        boolean stopped;
        try {
            stopped = lanes.stop(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while stopping the shard handlers", e);
        }
        if (!stopped) {
            throw new IOException("a shard handler did not stop within 30s");
        }
        IOException error = null;
        for (int s = 0; s < shards; s++) {
            try {
                handlers[s].finish();
            } catch (IOException | RuntimeException e) {
                error = addSuppressed(error, e instanceof IOException ? (IOException) e
                    : new IOException("closing shard " + s, e));
            }
        }
        finished = true;
        durableSignal.signal();
        if (error != null) {
            throw error;
        }
    }

    private static IOException addSuppressed(IOException first, IOException next) {
        if (first == null) {
            return next;
        }
        first.addSuppressed(next);
        return first;
    }
}
