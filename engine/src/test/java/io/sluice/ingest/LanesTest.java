package io.sluice.ingest;

import com.lmax.disruptor.RingBuffer;
import io.sluice.engine.Appender;
import io.sluice.engine.Labels;
import io.sluice.engine.Sluice;
import io.sluice.engine.SluiceConfig;
import io.sluice.engine.WaitStrategyKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ring per producer ({@link Lanes}) on its own: producer threads in waves (later waves take the
 * retired lanes of ended threads), two consumers, random bursts and idle gaps that reach the parking
 * phase. Every event carries its producer and a per-producer number, and each consumer checks that
 * every producer's events arrive once and in order; every publish must be taken by both consumers
 * within seconds, with parks that are otherwise 60 s long, so a lost wake-up fails the test instead
 * of costing a millisecond. Seeded: the seed is printed.
 */
class LanesTest {
    private static final long LONG_PARK = TimeUnit.SECONDS.toNanos(60);

    static final class Item {
        int producer;
        long n;
    }

    /** Checks each producer's items and publishes its positions as a shard handler does. */
    static class Checker implements Lanes.Consumer<Item> {
        final int id;
        final ConcurrentHashMap<Integer, Long> next = new ConcurrentHashMap<>();
        volatile String error;
        final List<Lane<Item>> batch = new ArrayList<>();
        final List<Long> batchAt = new ArrayList<>();
        Thread thread;

        Checker(int id) {
            this.id = id;
        }

        @Override
        public void onStart(Lanes<Item> lanes) {
            thread = Thread.currentThread();
        }

        @Override
        public void onEvent(Item e) {
            long want = next.getOrDefault(e.producer, 0L);
            if (e.n != want && error == null) {
                error = "consumer " + id + ": producer " + e.producer + " item " + e.n + ", expected " + want;
            }
            next.put(e.producer, e.n + 1);
        }

        @Override
        public void taken(Lane<Item> lane, long sequence) {
            assertTrue(Thread.currentThread() == thread, "one consumer thread");
            batch.add(lane);
            batchAt.add(sequence);
        }

        @Override
        public void endOfBatch() {
            for (int i = 0; i < batch.size(); i++) {
                batch.get(i).publishAppended(id, batchAt.get(i));
                batch.get(i).publishDurable(id, batchAt.get(i));
            }
            batch.clear();
            batchAt.clear();
        }

        @Override
        public void idle() {
        }

        @Override
        public void fail(Throwable cause) {
            error = "consumer " + id + " failed: " + cause;
        }
    }

    @ParameterizedTest
    @EnumSource(value = WaitStrategyKind.class, names = {"BACKOFF", "BLOCKING", "SLEEPING"})
    void everyProducersItemsArriveOnceAndInOrderAcrossWavesOfThreads(WaitStrategyKind kind) throws Exception {
        long seed = System.nanoTime();
        System.out.println("LanesTest " + kind + " seed " + seed);
        SplittableRandom seeds = new SplittableRandom(seed);
        Checker[] checkers = {new Checker(0), new Checker(1)};
        Lanes<Item> lanes = new Lanes<>(64, size -> Item::new, kind, List.of(checkers), "lanes-test-", LONG_PARK);
        lanes.start();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Set<Integer> indices = ConcurrentHashMap.newKeySet();
        ConcurrentHashMap<Integer, Long> lastSequence = new ConcurrentHashMap<>();
        int producers = 0;
        for (int wave = 0; wave < 3; wave++) {
            List<Thread> threads = new ArrayList<>();
            for (int p = 0; p < 3; p++) {
                int id = producers++;
                SplittableRandom rnd = seeds.split();
                threads.add(new Thread(() -> {
                    try {
                        Lane<Item> lane = lanes.acquire();
                        assertTrue(lane == lanes.acquire(), "a thread keeps its lane");
                        indices.add(lane.index());
                        RingBuffer<Item> ring = lane.ring();
                        long n = 0;
                        long previous = -1;
                        for (int burst = 0; burst < 40; burst++) {
                            int items = 1 + rnd.nextInt(200);
                            for (int k = 0; k < items; k++) {
                                long s = ring.next();
                                Item e = ring.get(s);
                                e.producer = id;
                                e.n = n++;
                                ring.publish(s);
                                lanes.afterPublish();
                                long seq = lane.sequence(s);
                                assertTrue(seq > previous, "sequences grow");
                                previous = seq;
                            }
                            // Taken by both consumers within seconds: a lost wake-up would park 60 s.
                            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                            long last = ring.getCursor();
                            while (lane.durable(0) < last || lane.durable(1) < last) {
                                assertTrue(System.nanoTime() < deadline, "producer " + id + ": burst " + burst
                                    + " not taken within 20 s (a lost wake-up?)");
                                Thread.onSpinWait();
                            }
                            if (rnd.nextInt(3) == 0) {
                                Thread.sleep(1 + rnd.nextInt(3)); // idle: past spinning and yielding
                            }
                        }
                        lastSequence.merge(lane.index(), previous, Math::max);
                    } catch (Throwable t) {
                        failure.compareAndSet(null, t);
                    }
                }, "producer-" + id));
            }
            for (Thread t : threads) {
                t.start();
            }
            for (Thread t : threads) {
                t.join(TimeUnit.SECONDS.toMillis(120));
                assertTrue(!t.isAlive(), "producer stuck");
            }
            assertNull(failure.get(), "seed " + seed + ": " + failure.get());
            // The ended threads' lanes are retired: the next wave takes their indices, continuing their sequences.
            assertEquals(3, lanes.lanes().length, "seed " + seed + ": three threads alive at once, three lanes");
        }
        assertTrue(lanes.stop(TimeUnit.SECONDS.toMillis(30)));
        for (Checker c : checkers) {
            assertNull(c.error, "seed " + seed + ": " + c.error);
            assertEquals(producers, c.next.size(), "every producer reached consumer " + c.id);
        }
        assertEquals(Set.of(0, 1, 2), new HashSet<>(indices));
    }

    /**
     * The race the fenceless wake-up check must survive: a publish just as the consumer counts itself
     * a sleeper. Gaps drawn around the moment the consumer parks (110 us of spinning and yielding
     * under BACKOFF, at once under BLOCKING) put thousands of publishes next to it; with 60 s parks, a
     * lost wake-up fails the test.
     */
    @ParameterizedTest
    @EnumSource(value = WaitStrategyKind.class, names = {"BACKOFF", "BLOCKING"})
    void aPublishAsTheConsumerParksAlwaysWakesIt(WaitStrategyKind kind) throws Exception {
        long seed = System.nanoTime();
        System.out.println("LanesTest parking race " + kind + " seed " + seed);
        SplittableRandom rnd = new SplittableRandom(seed);
        long parksAfter = kind == WaitStrategyKind.BLOCKING ? 0 : Lanes.SPIN_NANOS + Lanes.YIELD_NANOS;
        Checker checker = new Checker(0);
        Lanes<Item> lanes = new Lanes<>(64, size -> Item::new, kind, List.of(checker), "lanes-race-", LONG_PARK);
        lanes.start();
        try {
            Lane<Item> lane = lanes.acquire();
            RingBuffer<Item> ring = lane.ring();
            for (int n = 0; n < 3_000; n++) {
                long s = ring.next();
                Item e = ring.get(s);
                e.producer = 0;
                e.n = n;
                ring.publish(s);
                lanes.afterPublish();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (lane.durable(0) < s) {
                    assertTrue(System.nanoTime() < deadline, "seed " + seed + ": item " + n
                        + " not taken within 20 s (a lost wake-up)");
                    Thread.onSpinWait();
                }
                // The next publish lands from 30 us before the consumer parks to 30 us after.
                long gap = Math.max(0, parksAfter - 30_000 + rnd.nextLong(60_000));
                long until = System.nanoTime() + gap;
                while (System.nanoTime() - until < 0) {
                    Thread.onSpinWait();
                }
            }
            assertNull(checker.error, "seed " + seed + ": " + checker.error);
        } finally {
            assertTrue(lanes.stop(TimeUnit.SECONDS.toMillis(30)));
        }
    }

    @Test
    void aReplacedLaneContinuesItsIndexSequences() throws Exception {
        Checker[] checkers = {new Checker(0)};
        Lanes<Item> lanes = new Lanes<>(8, size -> Item::new, WaitStrategyKind.BACKOFF, List.of(checkers), "lanes-seq-");
        lanes.start();
        long[] last = new long[2];
        for (int round = 0; round < 2; round++) {
            int r = round;
            Thread t = new Thread(() -> {
                Lane<Item> lane = lanes.acquire();
                long s = 0;
                for (int k = 0; k < 20; k++) {
                    s = lane.ring().next();
                    lane.ring().get(s).producer = r;
                    lane.ring().get(s).n = k;
                    lane.ring().publish(s);
                    lanes.afterPublish();
                }
                last[r] = lane.sequence(s);
                while (lane.durable(0) < s) {
                    Thread.onSpinWait();
                }
            });
            t.start();
            t.join();
        }
        assertEquals(Lanes.laneOf(last[0]), Lanes.laneOf(last[1]), "the second thread took the retired index");
        assertEquals(Lanes.laneSequence(last[0]) + 20, Lanes.laneSequence(last[1]), "and continued its sequences");
        assertTrue(lanes.stop(10_000));
    }

    /**
     * The wait after a small sweep ({@link Lanes#LAG_BELOW}): a commit that arrives alone, which the
     * batch's first sweep takes, never waits; a batch whose second sweep takes a few events does. It
     * spins while the producer and the consumer have a processor each, and yields when they
     * outnumber the processors.
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "{0} processor(s)")
    @org.junit.jupiter.params.provider.ValueSource(ints = {1, 64})
    void onlyASmallSweepAfterTheFirstWaits(int processors) throws Exception {
        int items = 40;
        AtomicReference<Lane<Item>> laneRef = new AtomicReference<>();
        java.util.concurrent.Semaphore publishNext = new java.util.concurrent.Semaphore(0);
        java.util.concurrent.atomic.AtomicBoolean streaming = new java.util.concurrent.atomic.AtomicBoolean();
        Checker checker = new Checker(0) {
            @Override
            public void onEvent(Item e) {
                super.onEvent(e);
                if (streaming.get() && e.n < items + 3) {
                    // Let the producer publish the next item and see it published before this sweep
                    // ends: the next sweep of the batch then takes exactly one event.
                    long seen = laneRef.get().ring().getCursor();
                    publishNext.release();
                    while (laneRef.get().ring().getCursor() == seen) {
                        Thread.onSpinWait();
                    }
                }
            }
        };
        Lanes<Item> lanes = new Lanes<>(64, size -> Item::new, WaitStrategyKind.BACKOFF, List.of(checker), "lanes-lag-");
        lanes.processors(processors);
        lanes.start();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread producer = new Thread(() -> {
            try {
                Lane<Item> lane = lanes.acquire();
                laneRef.set(lane);
                for (int k = 0; k < items + 4; k++) {
                    if (k == items) {
                        streaming.set(true); // from here each item is published while the previous is taken
                    } else if (k > items) {
                        publishNext.acquire();
                    }
                    long s = lane.ring().next();
                    lane.ring().get(s).n = k;
                    lane.ring().publish(s);
                    lanes.afterPublish();
                    if (k < items) { // alone: the next only once this one is durable, and a while after
                        while (lane.durable(0) < s) {
                            Thread.onSpinWait();
                        }
                        assertEquals(0, lanes.lags(), "item " + k + " arrived alone, and its batch waited");
                        LockSupport.parkNanos(200_000);
                    }
                }
                while (lane.durable(0) < lane.ring().getCursor()) {
                    Thread.onSpinWait();
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "lanes-lag-producer");
        producer.start();
        producer.join(TimeUnit.SECONDS.toMillis(60));
        assertTrue(lanes.stop(10_000));
        assertNull(failure.get(), String.valueOf(failure.get()));
        assertNull(checker.error, checker.error);
        assertTrue(lanes.lags() >= 3, "a batch of sweeps of one event each waited " + lanes.lags() + " times");
        // One lane and one consumer: on one processor they cannot both run, on 64 they can.
        assertEquals(processors == 1 ? lanes.lags() : 0, lanes.lagYields(), "waits that yielded");
    }

    @TempDir
    Path dir;

    @Test
    void anAppenderThatPublishedOnOneThreadRefusesAnother() throws Exception {
        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).build())) {
            Appender app = db.appender();
            long ref = db.series(Labels.of("__name__", "x"));
            app.add(ref, 1, 1);
            db.awaitDurable(app.commit());
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            Thread other = new Thread(() -> {
                try {
                    app.add(ref, 2, 2);
                    app.commit();
                } catch (Throwable t) {
                    thrown.set(t);
                }
            }, "other");
            other.start();
            other.join();
            // Under -ea the appender's own owner check fires first; without it, the ring's.
            assertTrue(thrown.get() instanceof IllegalStateException || thrown.get() instanceof AssertionError,
                String.valueOf(thrown.get()));
            assertTrue(String.valueOf(thrown.get().getMessage()).contains("one thread"), thrown.get().getMessage());
            assertThrows(IllegalArgumentException.class, () -> db.awaitDurable(Lanes.sequence(7, 0)),
                "a sequence of a lane that never existed");
        }
    }

    /**
     * Each consumer thread asks for a short scheduling slice; where the kernel reports slices
     * ({@code se.slice} in {@code /proc/<tid>/sched}, Linux 6.12 and later) it has that slice, and
     * the thread that started the lanes keeps its own.
     */
    @Test
    void consumerThreadsRunWithAShortSlice() throws Exception {
        String mine = sliceOfThisThread();
        AtomicReference<String> consumer = new AtomicReference<>();
        Checker checker = new Checker(0) {
            @Override
            public void onStart(Lanes<Item> lanes) {
                super.onStart(lanes);
                consumer.set(sliceOfThisThread());
            }
        };
        Lanes<Item> lanes = new Lanes<>(8, size -> Item::new, WaitStrategyKind.BACKOFF, List.of(checker), "lanes-slice-");
        lanes.start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (consumer.get() == null && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
        } finally {
            assertTrue(lanes.stop(10_000));
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(lanes.shortSliceTaken(),
            "sched_setattr refused or not Linux: consumers keep the default slice");
        org.junit.jupiter.api.Assumptions.assumeTrue(consumer.get() != null && !consumer.get().isEmpty(),
            "this kernel does not report se.slice");
        assertEquals(Long.toString(Lanes.CONSUMER_SLICE_NANOS), consumer.get(), "the consumer's slice");
        assertTrue(!mine.equals(consumer.get()), "the starting thread keeps its slice: " + mine);
    }

    /** {@code se.slice} of the calling thread, "" where the kernel does not report it. */
    private static String sliceOfThisThread() {
        try {
            for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/thread-self/sched"))) {
                if (line.startsWith("se.slice")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // not Linux
        }
        return "";
    }
}
