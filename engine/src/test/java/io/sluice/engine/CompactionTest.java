package io.sluice.engine;

import io.sluice.testing.TestDirs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Head compaction: once the head spans more than 1.5 block ranges, its oldest range becomes one
 * block; reads see block and head as one store, nothing is lost or counted twice, before and after
 * reopening, and samples for a compacted range are refused.
 */
class CompactionTest {
    static final long RANGE = Duration.ofHours(2).toMillis();
    static final long T0 = 1_700_006_400_000L; // a multiple of 2 h
    static final long STEP = 15_000;

    @TempDir
    Path tmp;

    static SluiceConfig.Builder config(Path dir) {
        return SluiceConfig.builder().dir(dir).shards(2).headChunkFileSize(64 * 1024);
    }

    static Labels labels(int i) {
        return Labels.of("__name__", "m", "i", Integer.toString(i), "kind", i % 2 == 0 ? "even" : "odd");
    }

    static double value(int i, int k) {
        return i * 1000.0 + k * 0.5;
    }

    /** Series 0..n-1, samples k at T0 + k * STEP for k in [from, to); series 0 stops at `staleAfter`. */
    static void write(Sluice db, int n, int from, int to, int staleAfter) throws InterruptedException {
        Appender app = db.appender();
        for (int k = from; k < to; k++) {
            for (int i = 0; i < n; i++) {
                if (i == 0 && k >= staleAfter) {
                    continue;
                }
                app.add(labels(i), T0 + STEP * k, value(i, k));
            }
            if (k % 20 == 19) {
                db.awaitDurable(app.commit());
            }
        }
        db.awaitDurable(app.commit());
    }

    static List<Long> read(Sluice db, int i, long mint, long maxt) {
        List<Long> ts = new ArrayList<>();
        db.read(db.find(labels(i)), mint, maxt, (t, v) -> {
            int k = (int) ((t - T0) / STEP);
            assertEquals(value(i, k), v, "series " + i + " at " + t);
            ts.add(t);
        });
        return ts;
    }

    static void checkContiguous(Sluice db, int i, int from, int to) {
        List<Long> ts = read(db, i, Long.MIN_VALUE, Long.MAX_VALUE);
        assertEquals(to - from, ts.size(), "series " + i + ": every sample, once");
        for (int k = 0; k < ts.size(); k++) {
            assertEquals(T0 + STEP * (from + k), (long) ts.get(k), "series " + i + " sample " + k);
        }
        assertEquals(to - from, db.sampleCount(db.find(labels(i))));
    }

    @Test
    void theOldestRangeBecomesOneBlockAndReadsSeeBlockAndHeadAsOneStore() throws Exception {
        Path dir = tmp.resolve("d");
        int samples = 4 * 240; // 4 h at 15 s: the head spans more than 1.5 ranges
        try (Sluice db = Sluice.open(config(dir).build())) {
            write(db, 10, 0, samples, 300); // series 0 goes stale inside the first range's successor
            db.compact();
            List<Sluice.BlockInfo> blocks = db.blocks();
            assertTrue(blocks.size() >= 1, "blocks: " + blocks);
            Sluice.BlockInfo first = blocks.get(0);
            assertEquals(T0, first.minTime());
            assertEquals(T0 + RANGE, first.maxTime());
            assertEquals(10, first.series());
            assertEquals(9L * 480 + 300, first.samples(), "the first 2 h of every series, the stale one's open chunk included");
            assertTrue(Files.isDirectory(dir.resolve("blocks").resolve(first.ulid())));
            checkContiguous(db, 0, 0, 300);
            for (int i = 1; i < 10; i++) {
                checkContiguous(db, i, 0, samples);
            }
            // A range across the block's end.
            List<Long> across = read(db, 3, T0 + RANGE - 10 * STEP, T0 + RANGE + 9 * STEP);
            assertEquals(20, across.size());
            // The compacted range takes no more samples.
            Appender app = db.appender();
            app.add(db.find(labels(0)), T0 + RANGE - STEP / 2, 1.0);
            db.awaitDurable(app.commit());
            assertEquals(1, db.outOfOrderCount(db.find(labels(0))), "out of bounds: the range is a block");
            assertEquals(2, db.series(Matcher.eq("kind", "even"), Matcher.re("i", "[0-2]")).length);
            assertTrue(db.labelValues("i").contains("9"));
            StorageStats st = db.storageStats();
            assertEquals(blocks.size(), st.blocks());
            assertEquals(st.blockSamples() + st.headSamples(), 9L * samples + 300);
        }
        try (Sluice db = Sluice.open(config(dir).build())) {
            checkContiguous(db, 0, 0, 300);
            for (int i = 1; i < 10; i++) {
                checkContiguous(db, i, 0, samples);
            }
            write(db, 10, samples, samples + 480, Integer.MAX_VALUE); // series 0 comes back too
            db.compact();
            assertTrue(db.blocks().size() >= 2, "blocks: " + db.blocks());
            for (int i = 1; i < 10; i++) {
                checkContiguous(db, i, 0, samples + 480);
            }
        }
    }

    @Test
    void aBlockWhoseSamplesTheHeadStillHoldsIsNotCountedTwiceAfterACrash() throws Exception {
        Path dir = tmp.resolve("d");
        Path copy = tmp.resolve("copy");
        try (Sluice db = Sluice.open(config(dir).build())) {
            write(db, 5, 0, 4 * 240, Integer.MAX_VALUE);
            TestDirs.copyTree(dir, copy); // the head and WAL before compaction
            db.compact();
            assertFalse(db.blocks().isEmpty());
        }
        // As if the engine died right after the rename: the block is there and so is every sample in the head.
        Path blocks = dir.resolve("blocks");
        TestDirs.copyTree(blocks, copy.resolve("blocks"));
        try (Sluice db = Sluice.open(config(copy).build())) {
            for (int i = 0; i < 5; i++) {
                checkContiguous(db, i, 0, 4 * 240);
            }
        }
    }

    @Test
    void aBlockLeftHalfWrittenIsDeletedAtOpen() throws Exception {
        Path dir = tmp.resolve("d");
        try (Sluice db = Sluice.open(config(dir).build())) {
            write(db, 5, 0, 100, Integer.MAX_VALUE);
        }
        Path half = dir.resolve("blocks").resolve("01HF84E400KMTGVZMAYTQEFEZ1.tmp-for-creation");
        Files.createDirectories(half.resolve("chunks"));
        Files.write(half.resolve("chunks").resolve("000001"), new byte[] {1, 2, 3});
        Path gone = dir.resolve("blocks").resolve("01HF84E400KMTGVZMAYTQEFEZ2.tmp-for-deletion");
        Files.createDirectories(gone);
        try (Sluice db = Sluice.open(config(dir).build())) {
            assertFalse(Files.exists(half));
            assertFalse(Files.exists(gone));
            assertTrue(db.blocks().isEmpty());
            checkContiguous(db, 2, 0, 100);
        }
    }

    @Test
    void retentionDeletesWholeBlocksOlderThanThePeriod() throws Exception {
        Path dir = tmp.resolve("d");
        try (Sluice db = Sluice.open(config(dir).retention(Duration.ofHours(5)).build())) {
            write(db, 4, 0, 10 * 240, Integer.MAX_VALUE); // 10 h
            db.compact();
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (db.blocks().stream().anyMatch(b -> b.maxTime() <= T0 + 10 * 3_600_000L - 5 * 3_600_000L)
                && System.nanoTime() < deadline) {
                Thread.sleep(20); // the compactor thread applies retention
            }
            for (Sluice.BlockInfo b : db.blocks()) {
                assertTrue(b.maxTime() > T0 + 5 * 3_600_000L - STEP, "expired block kept: " + b);
            }
            List<Long> ts = read(db, 1, Long.MIN_VALUE, Long.MAX_VALUE);
            assertTrue(ts.get(0) > T0, "old samples went with their blocks");
            assertTrue(ts.get(0) <= T0 + 5 * 3_600_000L, "samples within the period are kept: " + ts.get(0));
            assertEquals(T0 + STEP * (10 * 240 - 1), (long) ts.get(ts.size() - 1));
        }
        try (Stream<Path> s = Files.list(dir.resolve("blocks"))) {
            assertTrue(s.noneMatch(p -> p.toString().endsWith(".tmp-for-deletion")));
        }
    }

    /**
     * 20 h at 15 s: the head compacts 2 h blocks up to 18 h; Prometheus' planner (newest block left
     * out; groups that fill a 6 h range or lie before the newest remaining block) merges [0, 6 h) and
     * [6 h, 12 h), and leaves [12 h, 16 h) alone (neither full nor before the newest block).
     */
    @Test
    void blocksAreMergedAsPrometheusPlansThemAndNothingIsLostOrCountedTwice() throws Exception {
        Path dir = tmp.resolve("d");
        int samples = 20 * 240;
        long h = 3_600_000L;
        List<Sluice.BlockInfo> layout;
        try (Sluice db = Sluice.open(config(dir).build())) {
            write(db, 6, 0, samples, Integer.MAX_VALUE);
            db.compact();
            layout = db.blocks();
            long[][] want = {{0, 6, 2}, {6, 12, 2}, {12, 14, 1}, {14, 16, 1}, {16, 18, 1}};
            assertEquals(want.length, layout.size(), "blocks: " + layout);
            for (int b = 0; b < want.length; b++) {
                Sluice.BlockInfo info = layout.get(b);
                assertEquals(T0 + want[b][0] * h, info.minTime(), "block " + b);
                assertEquals(T0 + want[b][1] * h, info.maxTime(), "block " + b);
                assertEquals(want[b][2], info.level(), "block " + b);
                assertEquals(6, info.series());
                assertEquals(6L * (want[b][1] - want[b][0]) * 240, info.samples(), "block " + b);
            }
            try (Stream<Path> s = Files.list(dir.resolve("blocks"))) {
                assertEquals(want.length, s.count(), "the parents are gone from disk");
            }
            for (int i = 0; i < 6; i++) {
                checkContiguous(db, i, 0, samples);
            }
            List<Long> across = read(db, 4, T0 + 6 * h - 10 * STEP, T0 + 6 * h + 9 * STEP);
            assertEquals(20, across.size(), "a range across two merged blocks");
            StorageStats st = db.storageStats();
            assertEquals(6L * samples, st.blockSamples() + st.headSamples());
        }
        try (Sluice db = Sluice.open(config(dir).build())) {
            assertEquals(layout.size(), db.blocks().size());
            for (int i = 0; i < 6; i++) {
                checkContiguous(db, i, 0, samples);
            }
        }
    }

    @Test
    void parentsLeftBesideTheirMergedBlockByACrashAreDeletedAtOpen() throws Exception {
        Path dir = tmp.resolve("d");
        Path before = tmp.resolve("before");
        int samples = 10 * 240; // blocks [0, 8 h): [0, 6 h) merges once the head passes 9.5 h
        try (Sluice db = Sluice.open(config(dir).maxBlockDuration(Duration.ofHours(1)).build())) {
            write(db, 4, 0, samples, Integer.MAX_VALUE);
            db.compact(); // no merging: the largest range is 2 h
            assertEquals(4, db.blocks().size());
        }
        TestDirs.copyTree(dir.resolve("blocks"), before);
        try (Sluice db = Sluice.open(config(dir).build())) {
            db.compact();
            assertEquals(2, db.blocks().size(), "blocks: " + db.blocks());
            assertEquals(2, db.blocks().get(0).level());
        }
        // As if the engine died after the merged block's rename, before its parents were deleted.
        TestDirs.copyTree(before, dir.resolve("blocks"));
        try (Stream<Path> s = Files.list(dir.resolve("blocks"))) {
            assertEquals(5, s.count(), "the three parents, the merged block and the newest one");
        }
        try (Sluice db = Sluice.open(config(dir).maxBlockDuration(Duration.ofHours(1)).build())) {
            assertEquals(2, db.blocks().size(), "the parents went at open, merging or not: " + db.blocks());
            for (int i = 0; i < 4; i++) {
                checkContiguous(db, i, 0, samples);
            }
        }
        try (Stream<Path> s = Files.list(dir.resolve("blocks"))) {
            assertEquals(2, s.count());
        }
    }

    @Test
    void aDirectoryWithOnlyBlocksOpensAndFindsTheirSeries() throws Exception {
        Path dir = tmp.resolve("d");
        Path only = tmp.resolve("only-blocks");
        try (Sluice db = Sluice.open(config(dir).build())) {
            write(db, 5, 0, 4 * 240, Integer.MAX_VALUE);
            db.compact();
            assertEquals(1, db.blocks().size());
        }
        TestDirs.copyTree(dir.resolve("blocks"), only.resolve("blocks")); // no WAL, no head: as Prometheus leaves it
        try (Sluice db = Sluice.open(config(only).build())) {
            assertEquals(-1, db.find(labels(99)));
            for (int i = 0; i < 5; i++) {
                long ref = db.find(labels(i));
                assertTrue(ref >= 0, "series " + i + " is in the block");
                assertEquals(labels(i), db.labels(ref));
                List<Long> ts = read(db, i, Long.MIN_VALUE, Long.MAX_VALUE);
                assertEquals(480, ts.size(), "the block's 2 h");
                assertEquals(ref, db.find(labels(i)), "the same ref the second time");
            }
        }
    }
}
