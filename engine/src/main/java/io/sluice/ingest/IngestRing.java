package io.sluice.ingest;

import com.lmax.disruptor.BatchEventProcessor;
import com.lmax.disruptor.BatchEventProcessorBuilder;
import com.lmax.disruptor.ExceptionHandler;
import com.lmax.disruptor.InsufficientCapacityException;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.SequenceBarrier;
import io.sluice.engine.Durability;
import io.sluice.engine.WaitStrategyKind;
import io.sluice.index.SeriesRegistry;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The Disruptor part of the engine: one multi-producer ring of preallocated {@link SampleBatchEvent}s
 * and one {@link BatchEventProcessor} per shard, each filtering the events of its shard. One ring
 * gives one global sequence, so "durable up to sequence s" is simply "every shard's durable sequence
 * is at least s" (docs/architecture.md explains the choice).
 *
 * <p>Threading: appenders publish from their own threads; {@link #close} runs once, on the closing thread.
 */
public final class IngestRing {
    private static final System.Logger LOG = System.getLogger("io.sluice.engine");

    private final RingBuffer<SampleBatchEvent> buffer;
    private final ShardHandler[] handlers;
    private final ShardProgress[] progress;
    private final BatchEventProcessor<SampleBatchEvent>[] processors;
    private final Thread[] threads;
    private final SeriesRegistry registry;
    private final EngineState engine;
    private final DurableSignal durableSignal;
    private final int shards;
    private final int eventCapacity;
    private final List<RingAppender> appenders = new CopyOnWriteArrayList<>();
    private final LongAdder commitRejections = new LongAdder();
    private final Thread ticker;
    /** Set once the handlers stopped: the ticker ends. */
    private volatile boolean stopped;
    /** Set once close has forced every shard and published its last durable sequence. */
    private volatile boolean finished;

    /**
     * @param handlers one per shard, in shard order; their progress objects are {@code progress}
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public IngestRing(int ringSize, int eventCapacity, WaitStrategyKind waitStrategy, Durability durability,
                      ShardHandler[] handlers, ShardProgress[] progress, SeriesRegistry registry, EngineState engine,
                      DurableSignal durableSignal) {
        this.shards = handlers.length;
        this.eventCapacity = eventCapacity;
        this.handlers = handlers.clone();
        this.progress = progress.clone();
        this.registry = registry;
        this.engine = engine;
        this.durableSignal = durableSignal;
        this.buffer = RingBuffer.createMultiProducer(() -> new SampleBatchEvent(eventCapacity), ringSize,
            WaitStrategies.create(waitStrategy));
        SequenceBarrier barrier = buffer.newBarrier();
        this.processors = new BatchEventProcessor[shards];
        this.threads = new Thread[shards];
        for (int s = 0; s < shards; s++) {
            ShardHandler handler = handlers[s];
            BatchEventProcessor<SampleBatchEvent> p = new BatchEventProcessorBuilder().build(buffer, barrier, handler);
            p.setExceptionHandler(new FailingExceptionHandler(handler));
            processors[s] = p;
            buffer.addGatingSequences(p.getSequence());
            Thread t = new Thread(p, "sluice-shard-" + s);
            t.setDaemon(true);
            threads[s] = t;
        }
        if (durability.mode() == Durability.Mode.INTERVAL) {
            long tickNanos = Math.max(TimeUnit.MILLISECONDS.toNanos(1), durability.interval().toNanos() / 2);
            ticker = new Thread(() -> tickLoop(tickNanos), "sluice-interval-ticker");
            ticker.setDaemon(true);
        } else {
            ticker = null;
        }
    }

    public void start() {
        for (Thread t : threads) {
            t.start();
        }
        if (ticker != null) {
            ticker.start();
        }
    }

    /** Wakes the handlers about twice per interval so that an idle shard still forces in time. */
    private void tickLoop(long tickNanos) {
        while (!stopped) {
            java.util.concurrent.locks.LockSupport.parkNanos(tickNanos);
            if (stopped) {
                return;
            }
            try {
                long seq = buffer.tryNext();
                buffer.get(seq).tick();
                buffer.publish(seq);
            } catch (InsufficientCapacityException busy) {
                // the ring is full, so the handlers are busy and will reach the end of a batch anyway
            }
        }
    }

    RingBuffer<SampleBatchEvent> buffer() {
        return buffer;
    }

    /** A new appender for the calling producer. */
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

    /** The lowest durable sequence over all shards. */
    public long durableSequence() {
        long min = Long.MAX_VALUE;
        for (ShardProgress p : progress) {
            min = Math.min(min, p.durableSequence);
        }
        return min;
    }

    /** The highest sequence published so far. */
    public long publishedSequence() {
        return buffer.getCursor();
    }

    /**
     * Waits until every shard has made {@code sequence} durable.
     *
     * @throws io.sluice.engine.SluiceFailedException if the engine failed first
     * @throws IllegalStateException                  if the engine closed and the sequence never became durable
     */
    public void awaitDurable(long sequence) throws InterruptedException {
        while (true) {
            // Durability first: a sequence that is durable stays durable, whatever failed later.
            if (durableSequence() >= sequence) {
                return;
            }
            engine.checkNotFailed();
            if (finished) {
                if (durableSequence() >= sequence) {
                    return;
                }
                engine.checkNotFailed();
                throw new IllegalStateException("Sluice closed before sequence " + sequence + " became durable");
            }
            durableSignal.await(() -> durableSequence() >= sequence || finished || engine.failure() != null,
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
        long last = buffer.getCursor();
        for (int s = 0; s < shards; s++) {
            // Wait on the thread, not on the processor's running flag: a processor whose thread has
            // not been scheduled yet is not running, and halting it then would drop every event.
            while (processors[s].getSequence().get() < last && threads[s].isAlive()) {
                Thread.yield();
            }
        }
        stopped = true;
        if (ticker != null) {
            ticker.interrupt();
        }
        for (BatchEventProcessor<SampleBatchEvent> p : processors) {
            p.halt();
        }
        IOException error = null;
        for (int s = 0; s < shards; s++) {
            try {
                threads[s].join(TimeUnit.SECONDS.toMillis(30));
                if (threads[s].isAlive()) {
                    throw new IOException("shard " + s + " handler did not stop within 30s");
                }
                handlers[s].finish(last);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                error = addSuppressed(error, new IOException("interrupted while closing shard " + s, e));
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

    /** A handler exception fails the engine; the processor keeps draining (and skipping) events. */
    private static final class FailingExceptionHandler implements ExceptionHandler<SampleBatchEvent> {
        private final ShardHandler handler;

        FailingExceptionHandler(ShardHandler handler) {
            this.handler = handler;
        }

        @Override
        public void handleEventException(Throwable ex, long sequence, SampleBatchEvent event) {
            handler.fail(new IOException("shard " + handler.shard() + " failed at ring sequence " + sequence + ": " + ex,
                ex));
        }

        @Override
        public void handleOnStartException(Throwable ex) {
            handler.fail(ex);
        }

        @Override
        public void handleOnShutdownException(Throwable ex) {
            LOG.log(System.Logger.Level.WARNING, "shard " + handler.shard() + " handler shutdown failed", ex);
        }
    }
}
