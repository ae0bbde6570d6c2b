package io.sluice.engine;

import io.sluice.testing.FaultyFileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A shard that fails stops the engine; producers see why; nothing hangs; reopen recovers what was acknowledged. */
class FailureTest {
    @TempDir
    Path dir;

    private static boolean causedBy(Throwable t, String text) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c.getMessage() != null && c.getMessage().contains(text)) {
                return true;
            }
        }
        return false;
    }

    /** Writes until the engine fails; returns the highest timestamp acknowledged durable before that. */
    private static long writeUntilFailure(Sluice db, long ref, AtomicReference<Throwable> seen) {
        Appender app = db.appender();
        long acked = -1;
        long ts = 0;
        try {
            while (true) {
                for (int i = 0; i < 10; i++, ts++) {
                    app.add(ref, ts, ts);
                }
                app.commitDurable();
                acked = ts - 1;
            }
        } catch (Throwable t) {
            seen.set(t);
        }
        return acked;
    }

    @Test
    void aFailingFsyncFailsTheEngineAndProducersSeeTheCause() throws Exception {
        FaultyFileSystem fs = new FaultyFileSystem();
        AtomicReference<Throwable> seen = new AtomicReference<>();
        long acked;
        Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).fileSystem(fs).durability(Durability.BATCH)
            .ringSize(4).build());
        long ref = db.series(Labels.of("s", "a"));
        Appender warm = db.appender();
        for (int i = 0; i < 100; i++) {
            warm.add(ref, i, i);
        }
        warm.commitDurable();
        warm.close();
        fs.failForce = true;
        acked = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> writeUntilFailure(db, ref, seen));
        assertTrue(seen.get() instanceof SluiceFailedException, "got " + seen.get());
        assertTrue(causedBy(seen.get(), "injected fsync failure"), String.valueOf(seen.get()));
        assertNotNull(db.failure());
        assertEquals(1, db.metrics().errors());
        assertThrows(SluiceFailedException.class, () -> db.appender().add(ref, 1_000_000, 1));
        assertTimeoutPreemptively(Duration.ofSeconds(20), db::close);

        fs.failForce = false;
        try (Sluice again = Sluice.open(SluiceConfig.builder().dir(dir).fileSystem(fs).build())) {
            long stored = again.sampleCount(again.find(Labels.of("s", "a")));
            assertTrue(stored >= Math.max(acked, 99) + 1, "stored " + stored + ", acknowledged up to ts " + acked);
        }
    }

    @Test
    void noSpaceForANewSegmentFailsTheEngineWithoutLosingAcknowledgedSamples() throws Exception {
        FaultyFileSystem fs = new FaultyFileSystem();
        AtomicReference<Throwable> seen = new AtomicReference<>();
        Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).fileSystem(fs).segmentSize(4096).eventCapacity(128).eventCapacity(128)
            .durability(Durability.BATCH).build());
        long ref = db.series(Labels.of("s", "a"));
        fs.failPreallocate = true; // the disk is full: the next rollover cannot create its segment
        long acked = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> writeUntilFailure(db, ref, seen));
        assertTrue(acked > 0, "some samples fit in the first segment");
        assertTrue(causedBy(seen.get(), "No space left on device"), String.valueOf(seen.get()));
        assertTimeoutPreemptively(Duration.ofSeconds(20), db::close);

        fs.failPreallocate = false;
        try (Sluice again = Sluice.open(SluiceConfig.builder().dir(dir).fileSystem(fs).build())) {
            long[] expect = {0};
            again.read(again.find(Labels.of("s", "a")), Long.MIN_VALUE, Long.MAX_VALUE,
                (t, v) -> assertEquals(expect[0]++, t));
            assertTrue(expect[0] > acked, "stored up to " + (expect[0] - 1) + ", acknowledged up to " + acked);
            Appender app = again.appender();
            app.add(again.find(Labels.of("s", "a")), expect[0], 0);
            again.awaitDurable(app.commit()); // and it takes writes again
        }
    }

    @Test
    void aFailingDirectorySyncAtRolloverFailsTheEngine() throws Exception {
        FaultyFileSystem fs = new FaultyFileSystem();
        AtomicReference<Throwable> seen = new AtomicReference<>();
        Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).fileSystem(fs).segmentSize(4096).eventCapacity(128).eventCapacity(128)
            .durability(Durability.BATCH).build());
        long ref = db.series(Labels.of("s", "a"));
        fs.failDirectorySync = true;
        long acked = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> writeUntilFailure(db, ref, seen));
        assertTrue(causedBy(seen.get(), "injected directory sync failure"), String.valueOf(seen.get()));
        db.close();
        fs.failDirectorySync = false;
        try (Sluice again = Sluice.open(SluiceConfig.builder().dir(dir).fileSystem(fs).build())) {
            assertTrue(again.sampleCount(again.find(Labels.of("s", "a"))) > acked);
        }
    }

    @Test
    void producersBlockedOnAFullRingAreReleasedWhenTheEngineFails() throws Exception {
        FaultyFileSystem fs = new FaultyFileSystem();
        Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).fileSystem(fs).durability(Durability.BATCH)
            .ringSize(2).eventCapacity(4).build());
        long ref = db.series(Labels.of("s", "a"));
        fs.failForce = true;
        AtomicLong ts = new AtomicLong();
        Throwable t = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> assertThrows(SluiceFailedException.class,
            () -> {
                Appender app = db.appender();
                while (true) { // plain commit, never waiting for durability: only the ring can block it
                    app.add(ref, ts.getAndIncrement(), 0);
                    app.commit();
                }
            }));
        assertTrue(causedBy(t, "injected"), String.valueOf(t));
        assertTimeoutPreemptively(Duration.ofSeconds(20), db::close);
    }
}
