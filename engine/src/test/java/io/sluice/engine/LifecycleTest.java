package io.sluice.engine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Open, close and the rules around them. */
class LifecycleTest {
    @TempDir
    Path dir;

    @Test
    void closeDrainsEverythingCommittedEvenWhileProducersAreRunning() throws Exception {
        int producers = 3;
        ConcurrentHashMap<Integer, Long> committed = new ConcurrentHashMap<>();
        AtomicReference<Throwable> unexpected = new AtomicReference<>();
        CountDownLatch running = new CountDownLatch(producers);
        Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).shards(2).ringSize(16).eventCapacity(32).build());
        Thread[] threads = new Thread[producers];
        for (int p = 0; p < producers; p++) {
            final int producer = p;
            threads[p] = new Thread(() -> {
                Appender app = db.appender();
                long ref = db.series(Labels.of("p", Integer.toString(producer)));
                long ts = 0;
                try {
                    while (true) {
                        for (int i = 0; i < 20; i++) {
                            app.add(ref, ts + i, ts + i);
                        }
                        app.commit();
                        ts += 20;
                        committed.put(producer, ts); // every ts below this was committed
                        if (ts == 2000) {
                            running.countDown();
                        }
                    }
                } catch (IllegalStateException closed) {
                    if (!closed.getMessage().contains("closed")) {
                        unexpected.compareAndSet(null, closed);
                    }
                } catch (Throwable t) {
                    unexpected.compareAndSet(null, t);
                } finally {
                    running.countDown();
                }
            });
            threads[p].start();
        }
        running.await();
        db.close();
        for (Thread t : threads) {
            t.join();
        }
        if (unexpected.get() != null) {
            throw new AssertionError(unexpected.get());
        }
        try (Sluice again = Sluice.open(SluiceConfig.builder().dir(dir).build())) {
            for (int p = 0; p < producers; p++) {
                long ref = again.find(Labels.of("p", Integer.toString(p)));
                long stored = again.sampleCount(ref);
                assertTrue(stored >= committed.get(p), "producer " + p + ": committed " + committed.get(p)
                    + ", stored " + stored);
                long[] expect = {0};
                again.read(ref, Long.MIN_VALUE, Long.MAX_VALUE, (t, v) -> assertEquals(expect[0]++, t));
            }
        }
    }

    @Test
    void addAfterCloseThrowsAndCloseIsIdempotent() throws Exception {
        Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).build());
        Appender app = db.appender();
        long ref = db.series(Labels.of("a", "1"));
        app.add(ref, 1, 1);
        app.commit();
        db.close();
        db.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> app.add(ref, 2, 2));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertThrows(IllegalStateException.class, app::commit);
        assertThrows(IllegalStateException.class, () -> db.series(Labels.of("b", "1")));
        assertThrows(IllegalStateException.class, db::appender);
        assertThrows(IllegalStateException.class, () -> db.read(ref, 0, 10, (t, v) -> { }));
        db.awaitDurable(app.lastSequence()); // what was committed before close is durable
    }

    @Test
    void aDirectoryCanBeOpenedByOneEngineAtATime() throws Exception {
        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).build())) {
            IOException e = assertThrows(IOException.class, () -> Sluice.open(SluiceConfig.builder().dir(dir).build()));
            assertTrue(e.getMessage().contains("in use"), e.getMessage());
        }
        Sluice.open(SluiceConfig.builder().dir(dir).build()).close();
    }

    @Test
    void reopeningWithAnotherShardCountIsRefusedClearly() throws Exception {
        Sluice.open(SluiceConfig.builder().dir(dir).shards(2).build()).close();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> Sluice.open(SluiceConfig.builder().dir(dir).shards(4).build()));
        assertTrue(e.getMessage().contains("holds 2 shard(s) but 4 were requested"), e.getMessage());
        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).build())) {
            assertEquals(2, db.shards(), "shards(0) adopts the directory's layout");
        }
    }

    @Test
    void unknownRefsAreRejectedAtAdd() throws Exception {
        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).shards(2).build())) {
            Appender app = db.appender();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> app.add(SeriesRef.of(0, 77), 1, 1));
            assertTrue(e.getMessage().contains("unknown series ref"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> app.add(SeriesRef.of(5, 0), 1, 1));
            assertThrows(IllegalArgumentException.class, () -> app.add(-1L, 1, 1));
            assertEquals(0, app.staged());
        }
    }

    @Test
    void configRejectsBadValuesWithClearMessages() {
        SluiceConfig.Builder b = SluiceConfig.builder();
        assertTrue(assertThrows(IllegalArgumentException.class, () -> b.shards(3)).getMessage().contains("power of two"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> b.segmentSize(5000)).getMessage()
            .contains("multiple of 4096"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> b.ringSize(1000)).getMessage()
            .contains("power of two"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> b.eventCapacity(0)).getMessage()
            .contains("from 1 to 65536"));
        assertTrue(assertThrows(IllegalArgumentException.class, b::build).getMessage().contains("directory"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Durability.parse("sometimes")).getMessage()
            .contains("none, batch or interval"));
        assertEquals("interval:10ms", Durability.parse("interval:10ms").toString());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Durability.parse("interval:10"))
            .getMessage().contains("unit"));
    }

    @Test
    void seriesTooLargeForASegmentAreRefusedAtCreation() throws Exception {
        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).segmentSize(4096).eventCapacity(128).build())) {
            Labels huge = Labels.of("a", "x".repeat(5000));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> db.series(huge));
            assertTrue(e.getMessage().contains("use a larger segmentSize"), e.getMessage());
            assertEquals(-1, db.find(huge));
        }
    }

    @Test
    void aDirectoryWrittenWithAnotherLabelHashIsRefusedBeforeReplayTouchesIt() throws Exception {
        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).build())) {
            try (Appender app = db.appender()) {
                app.add(Labels.of("a", "1"), 1, 1.0);
                db.awaitDurable(app.commit());
            }
        }
        java.util.Map<String, byte[]> before = io.sluice.testing.TestDirs.contents(dir);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Sluice.open(
            SluiceConfig.builder().dir(dir).hasher("constant-42", l -> 42L).build()));
        assertTrue(e.getMessage().contains("written with label hash 'labels-xxh3-v1'")
            && e.getMessage().contains("'constant-42'"), e.getMessage());
        assertEquals(before.keySet(), io.sluice.testing.TestDirs.contents(dir).keySet());
        for (java.util.Map.Entry<String, byte[]> f : before.entrySet()) {
            assertTrue(java.util.Arrays.equals(f.getValue(), io.sluice.testing.TestDirs.contents(dir).get(f.getKey())),
                f.getKey() + " untouched");
        }
        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).build())) {
            assertEquals(1, db.sampleCount(db.find(Labels.of("a", "1"))));
        }
    }

    @Test
    void aDirectoryWrittenWithATestHashRefusesTheDefaultOne() throws Exception {
        Sluice.open(SluiceConfig.builder().dir(dir).hasher("constant-42", l -> 42L).build()).close();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> Sluice.open(SluiceConfig.builder().dir(dir).build()));
        assertTrue(e.getMessage().contains("'constant-42' but this engine uses 'labels-xxh3-v1'"), e.getMessage());
    }

    @Test
    void aDirectoryFromBeforeTheIdentityFileGetsItAndRefusesAnotherHash() throws Exception {
        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).build())) {
            try (Appender app = db.appender()) {
                app.add(Labels.of("a", "1"), 1, 1.0);
            }
        }
        java.nio.file.Files.delete(dir.resolve("sluice.meta")); // as the previous build left directories
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Sluice.open(
            SluiceConfig.builder().dir(dir).hasher("constant-42", l -> 42L).build()));
        assertTrue(e.getMessage().contains("predates sluice.meta"), e.getMessage());
        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).build())) {
            assertEquals(1, db.sampleCount(db.find(Labels.of("a", "1"))));
        }
        assertEquals("labels-xxh3-v1", DirectoryMeta.parse(dir.resolve("sluice.meta")));
    }

    @Test
    void aDamagedIdentityFileFailsTheOpenWithItsName() throws Exception {
        Sluice.open(SluiceConfig.builder().dir(dir).build()).close();
        java.nio.file.Path meta = dir.resolve("sluice.meta");
        String text = java.nio.file.Files.readString(meta);
        java.nio.file.Files.writeString(meta, text.replace("xxh3", "xxh4"));
        IOException e = assertThrows(IOException.class, () -> Sluice.open(SluiceConfig.builder().dir(dir).build()));
        assertTrue(e.getMessage().contains("sluice.meta is damaged: checksum mismatch"), e.getMessage());
    }

    @Test
    void aRingSmallerThanTheShardCountIsRefusedAtOpenInsteadOfHanging() throws Exception {
        Sluice.open(SluiceConfig.builder().dir(dir).shards(4).build()).close();
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(20), () -> {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Sluice.open(SluiceConfig.builder().dir(dir).ringSize(2).build()));
            assertTrue(e.getMessage().contains("ring size 2 is smaller than the 4 shards"), e.getMessage());
        });
        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).ringSize(4).build())) {
            assertEquals(4, db.shards());
        }
    }

    @Test
    void aSegmentTooSmallForOneFullEventIsRefusedAtOpen() throws Exception {
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(20), () -> {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Sluice.open(SluiceConfig.builder().dir(dir).segmentSize(4096).eventCapacity(256).build()));
            assertTrue(e.getMessage().contains("cannot hold the record of one full ring event (256 samples"),
                e.getMessage());
        });
        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).segmentSize(4096).eventCapacity(128).build())) {
            long ref = db.series(Labels.of("a", "1"));
            try (Appender app = db.appender()) {
                for (int i = 0; i < 1000; i++) {
                    app.add(ref, i, i); // full events of 128 samples, over many 4 KiB segments
                }
                db.awaitDurable(app.commit());
            }
            assertEquals(1000, db.sampleCount(ref));
        }
    }
}
