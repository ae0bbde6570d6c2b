package io.sluice.bench;

import com.lmax.disruptor.BatchEventProcessor;
import com.lmax.disruptor.BatchEventProcessorBuilder;
import com.lmax.disruptor.EventPoller;
import com.lmax.disruptor.PhasedBackoffWaitStrategy;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.WaitStrategy;
import com.lmax.disruptor.YieldingWaitStrategy;
import io.sluice.engine.WaitStrategyKind;
import io.sluice.ingest.Lane;
import io.sluice.ingest.Lanes;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code rings}: how ring shapes carry per-item commits (one 24-byte item per publish) from P
 * producer threads to one consumer thread, with no Sluice code on either side, so that the ingest
 * ring can be chosen by measurement. Each shape runs for the same time, producers in tight loops;
 * the consumer does the least a shard writer must (reads the item and checks it). Every item carries
 * its producer and a per-producer sequence number, and the consumer checks that each producer's items
 * arrive complete and in order: a shape that loses, duplicates or reorders an item fails the run.
 *
 * <ul>
 *   <li>{@code lanes}: the engine's ring ({@link Lanes}): a single-producer Disruptor ring per
 *       producer thread, one consumer thread polling them all, the engine's {@code BACKOFF} idle
 *       (spin, yield, then park, woken by a publisher that finds it asleep);</li>
 *   <li>{@code mp-backoff}: the engine's ring before it: one multi-producer Disruptor ring,
 *       Disruptor's phased backoff (spin 10 us, yield 100 us, then a lite lock that every publish
 *       signals), one batch processor;</li>
 *   <li>{@code mp-yielding}: the same ring with a yielding wait strategy (publish signals
 *       nothing);</li>
 *   <li>{@code sp-per-producer}: a single-producer Disruptor ring per producer, the consumer polling
 *       them in turn ({@link EventPoller}) with a spin/yield/park idle strategy;</li>
 *   <li>{@code agrona-m2o}: Agrona's {@link ManyToOneRingBuffer} (producers claim with a CAS);</li>
 *   <li>{@code agrona-o2o-per-producer}: one Agrona {@link OneToOneRingBuffer} per producer,
 *       polled in turn.</li>
 * </ul>
 */
@Command(name = "rings", mixinStandardHelpOptions = true,
    description = "Measure ring shapes for per-item commits: P producers, one item per publish, one consumer (no"
        + " Sluice code).")
final class RingsCommand implements Callable<Integer> {
    static final List<String> SHAPES = List.of("lanes", "mp-backoff", "mp-yielding", "sp-per-producer", "agrona-m2o",
        "agrona-o2o-per-producer");
    private static final int ITEM = 24;
    private static final int MSG_TYPE = 1;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--producers", paramLabel = "P,...", split = ",",
        description = "producer counts to run (default: 1,2,4,8)")
    List<Integer> producers = List.of(1, 2, 4, 8);

    @Option(names = "--shapes", paramLabel = "S,...", split = ",",
        description = "shapes to run, of: lanes, mp-backoff, mp-yielding, sp-per-producer, agrona-m2o,"
            + " agrona-o2o-per-producer (default: all)")
    List<String> shapes = SHAPES;

    @Option(names = "--duration", paramLabel = "D", converter = Converters.DurationConverter.class,
        description = "measured time of each run, after its warm-up (default: 3s)")
    Duration duration = Duration.ofSeconds(3);

    @Option(names = "--warmup", paramLabel = "D", converter = Converters.DurationConverter.class,
        description = "time each run runs before it is measured (default: 1s)")
    Duration warmup = Duration.ofSeconds(1);

    @Option(names = "--ring-size", paramLabel = "N",
        description = "slots per Disruptor ring; Agrona rings get N x 32 bytes (default: 1024)")
    int ringSize = 1024;

    @Option(names = "--json", paramLabel = "FILE", description = "write the results as JSON")
    Path json;

    @Override
    public Integer call() throws Exception {
        for (String s : shapes) {
            if (!SHAPES.contains(s)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--shapes: unknown shape '" + s
                    + "'; shapes are " + String.join(", ", SHAPES));
            }
        }
        for (int p : producers) {
            if (p < 1 || p > 64) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--producers must be from 1 to 64, got " + p);
            }
        }
        if (Integer.bitCount(ringSize) != 1 || ringSize < 64) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--ring-size must be a power of two from 64, got "
                + ringSize);
        }
        if (duration.isNegative() || duration.isZero() || warmup.isNegative()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--duration must be positive and --warmup"
                + " not negative");
        }
        PrintStream out = System.out;
        out.printf("rings: one 24-byte item per publish, one consumer; %s s measured after %s s; %s%n",
            Fmt.seconds(duration.toNanos() / 1e9), Fmt.seconds(warmup.toNanos() / 1e9), MachineInfo.describe());
        Json results = new Json();
        List<Json> rows = new ArrayList<>();
        boolean ok = true;
        for (String shape : shapes) {
            for (int p : producers) {
                Result r = run(shape, p);
                out.printf("  %-24s producers %2d   %,14d items/s   checked %,d items%s%n", shape, p,
                    Math.round(r.perSec), r.checked, r.errors == 0 ? "" : "   ERRORS " + r.errors);
                ok &= r.errors == 0;
                rows.add(new Json().put("shape", shape).put("producers", p).put("items_per_sec", Math.round(r.perSec))
                    .put("checked_items", r.checked).put("errors", r.errors));
            }
        }
        results.put("duration_seconds", duration.toNanos() / 1e9).put("warmup_seconds", warmup.toNanos() / 1e9).put("ring_size", ringSize).put("runs", rows)
            .put("machine", MachineInfo.json());
        if (json != null) {
            results.writeTo(json);
        }
        return ok ? 0 : 2;
    }

    /** What one run measured. */
    private static final class Result {
        double perSec;
        long checked;
        long errors;
    }

    /** Checks each producer's items: consecutive sequence numbers from 0, the value derived from them. */
    static final class Checker {
        final long[] next;
        long errors;
        final AtomicLong consumed = new AtomicLong();
        long count;

        Checker(int producers) {
            next = new long[producers];
        }

        void item(long producer, long seq, long value) {
            if (producer < 0 || producer >= next.length || seq != next[(int) producer] || value != seq * 31 + producer) {
                errors++;
                if (producer >= 0 && producer < next.length) {
                    next[(int) producer] = seq + 1;
                }
            } else {
                next[(int) producer]++;
            }
            if ((++count & 1023) == 0) {
                consumed.lazySet(count);
            }
        }

        void flush() {
            consumed.lazySet(count);
        }
    }

    /** A shape under test: producers publish, one consumer drains. */
    private interface Shape {
        /** Publishes one item; called from producer {@code p}'s thread only. */
        void publish(int p, long seq);

        /** The consumer's loop; returns when {@code stop} is set and everything published was read. */
        void consume(Checker checker, java.util.function.BooleanSupplier stop);
    }

    private Result run(String shape, int producers) throws Exception {
        Shape s = create(shape, producers);
        Checker checker = new Checker(producers);
        long[] published = new long[producers];
        java.util.concurrent.atomic.AtomicBoolean stopProducers = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicBoolean stopConsumer = new java.util.concurrent.atomic.AtomicBoolean();
        CountDownLatch go = new CountDownLatch(1);
        Thread consumer = new Thread(() -> s.consume(checker, stopConsumer::get), "rings-consumer");
        Thread[] ps = new Thread[producers];
        for (int p = 0; p < producers; p++) {
            int id = p;
            ps[p] = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                long seq = 0;
                while (!stopProducers.get()) {
                    s.publish(id, seq++);
                }
                published[id] = seq;
            }, "rings-producer-" + p);
        }
        consumer.start();
        for (Thread t : ps) {
            t.start();
        }
        go.countDown();
        Thread.sleep(warmup.toMillis());
        long c0 = checker.consumed.get();
        long t0 = System.nanoTime();
        Thread.sleep(duration.toMillis());
        long c1 = checker.consumed.get();
        long t1 = System.nanoTime();
        stopProducers.set(true);
        for (Thread t : ps) {
            t.join();
        }
        stopConsumer.set(true);
        consumer.join();
        Result r = new Result();
        r.perSec = (c1 - c0) / ((t1 - t0) / 1e9);
        long total = 0;
        for (long n : published) {
            total += n;
        }
        r.checked = checker.count;
        // Every published item was consumed, exactly once and in each producer's order.
        r.errors = checker.errors + Math.abs(total - checker.count);
        for (int p = 0; p < producers; p++) {
            if (checker.next[p] != published[p]) {
                r.errors++;
            }
        }
        return r;
    }

    private Shape create(String shape, int producers) {
        switch (shape) {
            case "lanes":
                return new EngineLanes(ringSize, producers);
            case "mp-backoff":
                return new DisruptorMp(ringSize, PhasedBackoffWaitStrategy.withLiteLock(10, 100,
                    java.util.concurrent.TimeUnit.MICROSECONDS));
            case "mp-yielding":
                return new DisruptorMp(ringSize, new YieldingWaitStrategy());
            case "sp-per-producer":
                return new DisruptorSpPerProducer(ringSize, producers);
            case "agrona-m2o":
                return new AgronaRings(ringSize, 1, true);
            case "agrona-o2o-per-producer":
                return new AgronaRings(ringSize, producers, false);
            default:
                throw new IllegalArgumentException(shape);
        }
    }

    /** A ring slot. */
    static final class Item {
        long producer;
        long seq;
        long value;
    }

    /** One item into a Disruptor ring: claim, fill, publish. */
    private static void publishTo(RingBuffer<Item> ring, int p, long seq) {
        long s = ring.next();
        Item e = ring.get(s);
        e.producer = p;
        e.seq = seq;
        e.value = seq * 31 + p;
        ring.publish(s);
    }

    private static IdleStrategy idle() {
        // Spin, yield, then park from 1 us up to 100 us: Agrona's usual backoff for a polling agent.
        return new BackoffIdleStrategy(100, 10, 1_000, 100_000);
    }

    /** One multi-producer Disruptor ring and a batch processor (the engine's shape). */
    private static final class DisruptorMp implements Shape {
        final RingBuffer<Item> ring;
        final BatchEventProcessor<Item> processor;
        volatile Checker checker;

        DisruptorMp(int size, WaitStrategy wait) {
            ring = RingBuffer.createMultiProducer(Item::new, size, wait);
            // The processor gates the ring before any producer can publish, so nothing is overwritten.
            processor = new BatchEventProcessorBuilder().build(ring, ring.newBarrier(),
                (e, sequence, endOfBatch) -> checker.item(e.producer, e.seq, e.value));
            ring.addGatingSequences(processor.getSequence());
        }

        @Override
        public void publish(int p, long seq) {
            publishTo(ring, p, seq);
        }

        @Override
        public void consume(Checker checker, java.util.function.BooleanSupplier stop) {
            this.checker = checker;
            // The batch processor runs on this (the consumer's) thread; a watcher halts it once the
            // producers stopped and everything they published was taken.
            Thread watcher = new Thread(() -> {
                while (!stop.getAsBoolean()) {
                    java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
                }
                while (processor.getSequence().get() < ring.getCursor()) {
                    java.util.concurrent.locks.LockSupport.parkNanos(100_000);
                }
                processor.halt();
            }, "rings-watcher");
            watcher.setDaemon(true);
            watcher.start();
            processor.run();
            checker.flush();
        }
    }

    /** The engine's {@link Lanes}: a ring per producer thread, its consumer thread, its idle and wake-up. */
    private static final class EngineLanes implements Shape, Lanes.Consumer<Item> {
        final Lanes<Item> lanes;
        final List<Lane<Item>> rings = new ArrayList<>();
        volatile Checker checker;

        EngineLanes(int size, int producers) {
            lanes = new Lanes<>(size, n -> Item::new, WaitStrategyKind.BACKOFF, List.of(this), "rings-lanes-");
            for (int p = 0; p < producers; p++) {
                rings.add(null);
            }
        }

        @Override
        public void publish(int p, long seq) {
            Lane<Item> lane = rings.get(p); // each producer sets only its own element
            if (lane == null) {
                lane = lanes.acquire(); // the calling producer thread's lane
                rings.set(p, lane);
            }
            publishTo(lane.ring(), p, seq);
            lanes.afterPublish(); // as the engine's appender after each publish
        }

        @Override
        public void consume(Checker checker, java.util.function.BooleanSupplier stop) {
            this.checker = checker;
            lanes.start(); // its own consumer thread; this one waits for the end
            while (!stop.getAsBoolean()) {
                java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
            }
            try {
                lanes.stop(60_000); // takes everything published first
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            checker.flush();
        }

        @Override
        public void onStart(Lanes<Item> lanes) {
        }

        @Override
        public void onEvent(Item e) {
            checker.item(e.producer, e.seq, e.value);
        }

        @Override
        public void taken(Lane<Item> lane, long sequence) {
        }

        @Override
        public void endOfBatch() {
        }

        @Override
        public void idle() {
        }

        @Override
        public void fail(Throwable cause) {
            checker.errors++;
        }
    }

    /** A single-producer Disruptor ring per producer; the consumer polls each in turn. */
    private static final class DisruptorSpPerProducer implements Shape {
        final List<RingBuffer<Item>> rings = new ArrayList<>();
        final List<EventPoller<Item>> pollers = new ArrayList<>();

        DisruptorSpPerProducer(int size, int producers) {
            for (int p = 0; p < producers; p++) {
                RingBuffer<Item> ring = RingBuffer.createSingleProducer(Item::new, size, new YieldingWaitStrategy());
                EventPoller<Item> poller = ring.newPoller();
                ring.addGatingSequences(poller.getSequence());
                rings.add(ring);
                pollers.add(poller);
            }
        }

        @Override
        public void publish(int p, long seq) {
            publishTo(rings.get(p), p, seq);
        }

        @Override
        public void consume(Checker checker, java.util.function.BooleanSupplier stop) {
            IdleStrategy idle = idle();
            EventPoller.Handler<Item> h = (e, sequence, endOfBatch) -> {
                checker.item(e.producer, e.seq, e.value);
                return true;
            };
            while (true) {
                boolean stopping = stop.getAsBoolean(); // read before the last sweep: nothing is left behind
                int work = 0;
                for (EventPoller<Item> poller : pollers) {
                    try {
                        if (poller.poll(h) == EventPoller.PollState.PROCESSING) {
                            work++;
                        }
                    } catch (Exception ex) {
                        throw new IllegalStateException(ex);
                    }
                }
                if (stopping && work == 0) {
                    break;
                }
                idle.idle(work);
            }
            checker.flush();
        }
    }

    /** Agrona rings: one many-to-one ring, or a one-to-one ring per producer. */
    private static final class AgronaRings implements Shape {
        final org.agrona.concurrent.ringbuffer.RingBuffer[] rings;
        final boolean shared;

        AgronaRings(int size, int rings, boolean shared) {
            this.shared = shared;
            this.rings = new org.agrona.concurrent.ringbuffer.RingBuffer[rings];
            int capacity = size * 32 + RingBufferDescriptor.TRAILER_LENGTH; // 24-byte items + 8-byte headers
            for (int i = 0; i < rings; i++) {
                UnsafeBuffer b = new UnsafeBuffer(ByteBuffer.allocateDirect(capacity));
                this.rings[i] = shared ? new ManyToOneRingBuffer(b) : new OneToOneRingBuffer(b);
            }
        }

        @Override
        public void publish(int p, long seq) {
            org.agrona.concurrent.ringbuffer.RingBuffer ring = rings[shared ? 0 : p];
            int index;
            while ((index = ring.tryClaim(MSG_TYPE, ITEM)) <= 0) {
                Thread.yield(); // full: the consumer needs the CPU on two cores
            }
            org.agrona.concurrent.AtomicBuffer b = ring.buffer();
            b.putLong(index, p);
            b.putLong(index + 8, seq);
            b.putLong(index + 16, seq * 31 + p);
            ring.commit(index);
        }

        @Override
        public void consume(Checker checker, java.util.function.BooleanSupplier stop) {
            IdleStrategy idle = idle();
            org.agrona.concurrent.MessageHandler h = (type, buffer, index, length) ->
                checker.item(buffer.getLong(index), buffer.getLong(index + 8), buffer.getLong(index + 16));
            while (true) {
                boolean stopping = stop.getAsBoolean();
                int work = 0;
                for (org.agrona.concurrent.ringbuffer.RingBuffer ring : rings) {
                    work += ring.read(h, 4096);
                }
                if (stopping && work == 0) {
                    break;
                }
                idle.idle(work);
            }
            checker.flush();
        }
    }
}
