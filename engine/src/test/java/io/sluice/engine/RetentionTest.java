package io.sluice.engine;

import io.sluice.testing.HeadChunks;
import io.sluice.testing.TestDirs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Retention deletes whole head-chunk files whose chunks all ended more than the period ago (in
 * sample time, back from the shard's newest sample), never the one being written; reads and counts
 * follow, and replay agrees.
 */
class RetentionTest {
    private static final Labels A = Labels.of("__name__", "a");
    private static final Labels B = Labels.of("__name__", "b");
    private static final long RETENTION = 10_000;

    @TempDir
    Path tmp;

    private static SluiceConfig.Builder config(Path dir) {
        return SluiceConfig.builder().dir(dir).shards(1).headChunkFileSize(64 * 1024)
            .retention(Duration.ofMillis(RETENTION)).retentionCheckInterval(Duration.ZERO);
    }

    /** Writes series a at ts [from, to) in commits of 100 samples, value = 2 * ts. */
    private static void writeA(Sluice db, long from, long to) throws InterruptedException {
        Appender app = db.appender();
        long ref = db.series(A);
        for (long ts = from; ts < to; ts++) {
            app.add(ref, ts, 2.0 * ts);
            if (ts % 100 == 99) {
                db.awaitDurable(app.commit());
            }
        }
        db.awaitDurable(app.commit());
    }

    /** Checks that a holds exactly [first, newest] contiguous with its values; returns first. */
    private static long checkA(Sluice db, long newest) {
        long ref = db.find(A);
        List<long[]> samples = new ArrayList<>();
        db.read(ref, Long.MIN_VALUE, Long.MAX_VALUE, (ts, v) -> samples.add(new long[] {ts, Double.doubleToLongBits(v)}));
        long first = samples.get(0)[0];
        long expect = first;
        for (long[] sample : samples) {
            assertEquals(expect++, sample[0], "contiguous");
            assertEquals(2.0 * sample[0], Double.longBitsToDouble(sample[1]));
        }
        assertEquals(newest + 1, expect, "the newest samples are all there");
        assertTrue(first <= newest - RETENTION, "every sample within the retention period is kept; oldest " + first);
        assertEquals(newest - first + 1, db.sampleCount(ref), "the count follows what is reachable");
        return first;
    }

    @Test
    void chunkFilesOlderThanTheRetentionAreDeletedWholeAndReplayAgrees() throws Exception {
        Path dir = tmp.resolve("d");
        long oldest;
        try (Sluice db = Sluice.open(config(dir).build())) {
            Appender app = db.appender();
            long b = db.series(B);
            for (long ts = 0; ts < 200; ts++) {
                app.add(b, ts, 1.0); // b's chunks live in the first chunk file only
            }
            db.awaitDurable(app.commit());
            writeA(db, 0, 300_000);
            oldest = checkA(db, 299_999);
            assertTrue(oldest > 0, "old samples of a were dropped");
            assertTrue(db.sampleCount(db.find(B)) < 200, "b's full chunks were older than the period");
            assertEquals(B, db.labels(db.find(B)), "but the series itself is still known");
        }
        List<Path> files = HeadChunks.files(TestDirs.shard(dir, 0));
        assertTrue(files.get(0).getFileName().toString().compareTo("00000000000000000000.chunks") > 0,
            "the chunk log now starts after position 0: " + files);
        try (Sluice db = Sluice.open(config(dir).build())) {
            assertFalse(db.replayReport().repaired());
            long reopened = checkA(db, 299_999);
            assertTrue(reopened >= oldest, "replay keeps what retention kept, never more: " + reopened + " < " + oldest);
            writeA(db, 300_000, 320_000);
            checkA(db, 319_999);
            long b = db.find(B);
            Appender app = db.appender();
            app.add(b, 319_999, 3.0); // b takes samples again after replay
            db.awaitDurable(app.commit());
        }
    }

    @Test
    void theChunkFileBeingWrittenIsNeverDeleted() throws Exception {
        Path dir = tmp.resolve("d");
        try (Sluice db = Sluice.open(config(dir).build())) {
            Appender app = db.appender();
            long ref = db.series(A);
            for (long ts = 0; ts < 1000; ts++) {
                app.add(ref, ts, 2.0 * ts);
            }
            db.awaitDurable(app.commit());
            app.add(ref, 10_000_000, 1.0); // everything before is now far older than the period
            db.awaitDurable(app.commit());
            app.add(ref, 10_000_001, 1.0);
            db.awaitDurable(app.commit());
            assertEquals(1002, db.sampleCount(ref), "all in the current chunk file, so all kept");
        }
        assertEquals(1, HeadChunks.files(TestDirs.shard(dir, 0)).size());
        assertTrue(Files.exists(TestDirs.shard(dir, 0).resolve("head/00000000000000000000.chunks")));
    }

    @Test
    void retentionMustBeZeroOrPositive() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
            () -> SluiceConfig.builder().retention(Duration.ofSeconds(-1)));
        assertTrue(e.getMessage().contains("retention must be zero"), e.getMessage());
    }
}
