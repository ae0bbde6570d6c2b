package io.sluice.engine;

import io.sluice.testing.FaultyFileSystem;
import io.sluice.testing.Frames;
import io.sluice.wal.SegmentMapping;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What awaitDurable acknowledges, per mode, checked against what the facade actually forced. */
class DurabilityTest {
    @TempDir
    Path dir;

    /** Keeps, per mapping, a copy of its bytes as of its last completed force: the "disk". */
    static final class ForcedImages implements FaultyFileSystem.ForceListener {
        final Map<SegmentMapping, byte[]> images = new IdentityHashMap<>();

        @Override
        public synchronized void forced(SegmentMapping mapping) {
            byte[] copy = new byte[(int) mapping.size()];
            mapping.buffer().getBytes(0, copy);
            images.put(mapping, copy);
        }

        synchronized Set<Long> durableTimestamps() {
            Set<Long> ts = new HashSet<>();
            for (byte[] image : images.values()) {
                Frames.samples(image, (ref, t) -> ts.add(t));
            }
            return ts;
        }
    }

    @Test
    void batchAcknowledgesOnlyWhatHasBeenForced() throws Exception {
        FaultyFileSystem fs = new FaultyFileSystem();
        ForcedImages disk = new ForcedImages();
        fs.afterForce = disk;
        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).fileSystem(fs).segmentSize(4096).eventCapacity(128).walTruncateSegments(1024)
            .durability(Durability.BATCH).build())) {
            long ref = db.series(Labels.of("s", "a"));
            Appender app = db.appender();
            long ts = 0;
            for (int round = 0; round < 60; round++) { // enough to roll over several 4 KiB segments
                for (int i = 0; i < 10; i++, ts++) {
                    app.add(ref, ts, ts);
                }
                long seq = app.commit();
                db.awaitDurable(seq);
                Set<Long> durable = disk.durableTimestamps();
                for (long t = 0; t < ts; t++) {
                    assertTrue(durable.contains(t), "round " + round + ": ts " + t + " acknowledged but never forced");
                }
                assertTrue(db.metrics().durableSamples() >= ts);
            }
        }
    }

    @Test
    void batchDoesNotAcknowledgeWhileTheForceIsStillRunning() throws Exception {
        FaultyFileSystem fs = new FaultyFileSystem();
        CountDownLatch gate = new CountDownLatch(1);
        CountDownLatch inForce = new CountDownLatch(1);
        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).fileSystem(fs).durability(Durability.BATCH)
            .build())) {
            long ref = db.series(Labels.of("s", "a"));
            Thread[] handler = new Thread[1];
            fs.beforeForce = () -> {
                if (!Thread.currentThread().getName().startsWith("sluice-shard-")) {
                    return; // the segment preparer forces new segments' headers; only the shard's force is held
                }
                handler[0] = Thread.currentThread();
                inForce.countDown();
                try {
                    gate.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            };
            AtomicReference<Long> acknowledged = new AtomicReference<>();
            CountDownLatch returned = new CountDownLatch(1);
            Thread producer = new Thread(() -> {
                Appender app = db.appender();
                app.add(ref, 1, 1.0);
                try {
                    acknowledged.set(app.commitDurable());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    returned.countDown();
                }
            });
            producer.start();
            assertTrue(inForce.await(20, TimeUnit.SECONDS), "the handler reached its force");
            // The force is held: whatever the scheduling, the producer cannot have been acknowledged.
            assertEquals(1, returned.getCount(), "commitDurable returned before the force completed");
            assertEquals(null, acknowledged.get());
            assertEquals(0, db.metrics().durableSamples());
            gate.countDown();
            assertTrue(returned.await(20, TimeUnit.SECONDS));
            assertTrue(acknowledged.get() != null && acknowledged.get() >= 0);
            assertEquals(1, db.metrics().durableSamples());
        }
    }

    @Test
    void noneNeverForcesDataWhileRunningAndAcknowledgesOnceAppended() throws Exception {
        FaultyFileSystem fs = new FaultyFileSystem();
        AtomicLong dataForces = new AtomicLong();
        // Creating a segment forces its header (in the background); what NONE must never do is force frames.
        fs.afterForce = mapping -> {
            if (mapping.buffer().getInt(io.sluice.wal.SegmentDescriptor.HEADER_LENGTH) != 0) {
                dataForces.incrementAndGet();
            }
        };
        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).fileSystem(fs).build())) {
            long ref = db.series(Labels.of("s", "a"));
            Appender app = db.appender();
            for (int i = 0; i < 1000; i++) {
                app.add(ref, i, i);
                if (i % 100 == 99) {
                    db.awaitDurable(app.commit());
                }
            }
            assertEquals(0, dataForces.get());
            assertEquals(1000, db.metrics().durableSamples());
            assertEquals(1000, db.metrics().samples());
            assertEquals(0, db.metrics().forces());
        }
        assertEquals(1, dataForces.get(), "close forces");
    }

    @Test
    void intervalMakesAnIdleShardDurableWithoutAnotherCommitAndNeverForcesWhenNothingIsPending() throws Exception {
        FaultyFileSystem fs = new FaultyFileSystem();
        ForcedImages disk = new ForcedImages();
        fs.afterForce = disk;
        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).fileSystem(fs)
            .durability(Durability.interval(Duration.ofMillis(50))).build())) {
            long ref = db.series(Labels.of("s", "a"));
            Appender app = db.appender();
            for (int round = 0; round < 5; round++) {
                app.add(ref, round, round);
                long seq = app.commit();
                // No further commit: only the idle handler's clock can bring the shard to its force.
                assertTimeoutPreemptively(Duration.ofSeconds(30), () -> db.awaitDurable(seq));
                assertTrue(disk.durableTimestamps().contains((long) round), "round " + round);
            }
            long forces = db.metrics().forces(); // the shard's force rounds, not the preparer's of new segments
            // Five intervals idle: the handler's idle turns (a park of at most 1 ms each) find nothing pending.
            Thread.sleep(250);
            assertEquals(forces, db.metrics().forces(), "nothing pending, no force");
        }
    }

    /**
     * Steady state under INTERVAL(d): at most one force round per d, however many segments roll over
     * in between (4 KiB segments roll many times per interval here) and however many events queue.
     */
    @Test
    void intervalForcesAtMostOncePerIntervalInSteadyState() throws Exception {
        FaultyFileSystem fs = new FaultyFileSystem();
        ForcedImages disk = new ForcedImages();
        fs.afterForce = disk;
        Duration d = Duration.ofMillis(200);
        long start = System.nanoTime();
        long elapsed;
        long forces;
        long rolls;
        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).fileSystem(fs).segmentSize(4096)
            .eventCapacity(128).durability(Durability.interval(d)).build())) {
            long ref = db.series(Labels.of("s", "a"));
            Appender app = db.appender();
            long ts = 0;
            long seq = -1;
            int durableWaits = 0;
            while (System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(1200)) {
                for (int i = 0; i < 20; i++, ts++) {
                    app.add(ref, ts, ts);
                }
                seq = app.commit();
                if (ts % 2000 == 0) {
                    db.awaitDurable(seq);
                    durableWaits++;
                }
            }
            db.awaitDurable(seq);
            forces = db.metrics().forces();
            elapsed = System.nanoTime() - start;
            rolls = io.sluice.testing.Frames.segments(io.sluice.testing.TestDirs.shard(dir, 0)).size();
            Set<Long> durable = disk.durableTimestamps();
            for (long t = 0; t < ts; t += 97) {
                assertTrue(durable.contains(t), "ts " + t + " acknowledged durable but never forced");
            }
            assertTrue(durableWaits > 0);
        }
        long bound = elapsed / d.toNanos() + 1;
        assertTrue(rolls > 10, "segments rolled over many times: " + rolls);
        assertTrue(forces >= 1 && forces <= bound, forces + " force rounds in " + elapsed / 1_000_000 + " ms with"
            + " interval " + d.toMillis() + " ms (at most " + bound + ")");
    }
}
