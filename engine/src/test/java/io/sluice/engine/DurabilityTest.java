package io.sluice.engine;

import io.sluice.testing.FaultyFileSystem;
import io.sluice.testing.Frames;
import io.sluice.wal.SegmentMapping;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).fileSystem(fs).segmentSize(4096).eventCapacity(128)
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
        AtomicLong blocked = new AtomicLong();
        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).fileSystem(fs).durability(Durability.BATCH)
            .build())) {
            long ref = db.series(Labels.of("s", "a"));
            fs.beforeForce = () -> {
                blocked.incrementAndGet();
                try {
                    gate.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            };
            AtomicReference<Long> acknowledged = new AtomicReference<>();
            Thread producer = new Thread(() -> {
                Appender app = db.appender();
                app.add(ref, 1, 1.0);
                try {
                    acknowledged.set(app.commitDurable());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            producer.start();
            producer.join(300);
            assertTrue(blocked.get() >= 1, "the handler is inside force");
            assertEquals(null, acknowledged.get(), "commitDurable returned before the force completed");
            assertEquals(0, db.metrics().durableSamples());
            gate.countDown();
            producer.join(10_000);
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
    void intervalForcesWithinAboutOneIntervalEvenWhenIdle() throws Exception {
        FaultyFileSystem fs = new FaultyFileSystem();
        ForcedImages disk = new ForcedImages();
        fs.afterForce = disk;
        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).fileSystem(fs)
            .durability(Durability.interval(Duration.ofMillis(50))).build())) {
            long ref = db.series(Labels.of("s", "a"));
            Appender app = db.appender();
            List<Long> waits = new ArrayList<>();
            for (int round = 0; round < 5; round++) {
                app.add(ref, round, round);
                long seq = app.commit();
                long t0 = System.nanoTime();
                db.awaitDurable(seq);
                waits.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
                assertTrue(disk.durableTimestamps().contains((long) round), "round " + round);
            }
            for (long w : waits) {
                assertTrue(w < 2_000, "durable after " + w + " ms with a 50 ms interval: " + waits);
            }
            long forces = db.metrics().forces(); // the shard's forces, not the preparer's of new segments
            Thread.sleep(300);
            assertEquals(forces, db.metrics().forces(), "nothing pending, no force");
        }
    }
}
