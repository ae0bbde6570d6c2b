package io.sluice.engine;

import io.sluice.testing.Frames;
import io.sluice.testing.TestDirs;
import io.sluice.wal.Checkpoints;
import io.sluice.wal.SegmentDescriptor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Retention deletes whole segments whose samples are all older than the period (in sample time,
 * back from the shard's newest sample), never the one being written; the store drops their
 * samples; a checkpoint keeps the series whose records were in them, so replay still works.
 */
class RetentionTest {
    private static final Labels A = Labels.of("__name__", "a");
    private static final Labels B = Labels.of("__name__", "b");
    private static final long RETENTION = 1000;

    @TempDir
    Path tmp;

    private static SluiceConfig.Builder config(Path dir) {
        return SluiceConfig.builder().dir(dir).shards(1).segmentSize(4096).eventCapacity(128).retention(Duration.ofMillis(RETENTION))
            .retentionCheckInterval(Duration.ZERO);
    }

    private static Path shardDir(Path dir) {
        return TestDirs.shard(dir, 0);
    }

    private static List<Path> checkpoints(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(shardDir(dir))) {
            return s.filter(p -> p.getFileName().toString().endsWith(Checkpoints.SUFFIX)).sorted()
                .collect(Collectors.toList());
        }
    }

    /** Writes series a at ts [from, to) in records of 10 samples, value = 2 * ts. */
    private static void writeA(Sluice db, long from, long to) throws InterruptedException {
        Appender app = db.appender();
        long ref = db.series(A);
        for (long ts = from; ts < to; ts++) {
            app.add(ref, ts, 2.0 * ts);
            if (ts % 10 == 9) {
                db.awaitDurable(app.commit());
            }
        }
        db.awaitDurable(app.commit());
    }

    /**
     * Checks that a holds exactly [first, newest] contiguous with its values, first <= newest - RETENTION.
     * The writer may still be retiring segments after the last commit returned, and a read that runs
     * while it does can miss the samples that expire under it; so the check reads until two
     * consecutive reads agree (a gap that stays fails, after a bounded number of reads).
     */
    private static long checkA(Sluice db, long newest) throws InterruptedException {
        long ref = db.find(A);
        java.util.List<long[]> previous = null;
        java.util.List<long[]> samples = null;
        for (int attempt = 0; attempt < 100; attempt++) {
            java.util.List<long[]> read = new java.util.ArrayList<>();
            db.read(ref, Long.MIN_VALUE, Long.MAX_VALUE, (ts, v) -> read.add(new long[] {ts, Double.doubleToLongBits(v)}));
            if (previous != null && sameSamples(previous, read)) {
                samples = read;
                break;
            }
            previous = read;
            samples = read;
            Thread.sleep(20);
        }
        long first = samples.isEmpty() ? -1 : samples.get(0)[0];
        long expect = first;
        for (long[] sample : samples) {
            assertEquals(expect++, sample[0], "contiguous");
            assertEquals(2.0 * sample[0], Double.longBitsToDouble(sample[1]));
        }
        assertEquals(newest + 1, expect, "the newest samples are all there");
        assertTrue(first <= newest - RETENTION, "every sample within the retention period is kept; oldest " + first);
        assertEquals(newest - first + 1, db.sampleCount(ref), "the store's count follows the drop");
        return first;
    }

    private static boolean sameSamples(java.util.List<long[]> a, java.util.List<long[]> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (!java.util.Arrays.equals(a.get(i), b.get(i))) {
                return false;
            }
        }
        return true;
    }

    @Test
    void segmentsOlderThanTheRetentionAreDeletedWholeAndReplayStillWorks() throws Exception {
        Path dir = tmp.resolve("d");
        Path firstSegmentCopy = tmp.resolve("first.wal");
        long oldest;
        try (Sluice db = Sluice.open(config(dir).build())) {
            Appender app = db.appender();
            long b = db.series(B);
            for (long ts = 0; ts < 10; ts++) {
                app.add(b, ts, 1.0); // b's series record and samples live in the first segment only
            }
            db.awaitDurable(app.commit());
            writeA(db, 0, 100);
            Files.copy(shardDir(dir).resolve(SegmentDescriptor.fileName(0)), firstSegmentCopy);
            writeA(db, 100, 5000);

            oldest = checkA(db, 4999);
            assertTrue(oldest > 0, "old samples of a were dropped");
            assertEquals(0, db.sampleCount(db.find(B)), "b's samples were all older than the period");
            assertEquals(0, db.read(db.find(B), Long.MIN_VALUE, Long.MAX_VALUE, (t, v) -> { }));
            assertEquals(B, db.labels(db.find(B)), "but the series itself is still known");
        }
        // Files are deleted on the retention thread; close waits for it.
        List<Path> segs = Frames.segments(shardDir(dir));
        // About 220 samples of a per 4 KiB segment: the 1,000 ms period needs 5 or 6 of them, plus the
        // current one and the one prepared ahead (deleted again at close), and up to two not yet due.
        assertTrue(segs.size() <= 9, "old segments were deleted: " + segs.size() + " left");
        assertTrue(SegmentDescriptor.parseFileName(segs.get(0).getFileName().toString()) > 0,
            "the log now starts after position 0");
        assertEquals(1, checkpoints(dir).size(), "one checkpoint, the newest: " + checkpoints(dir));
        long bRef;
        try (Sluice db = Sluice.open(config(dir).build())) {
            assertFalse(db.replayReport().repaired());
            // Retention may have retired more between the check and close (a retirement waits while the
            // previous one is in flight), never less: replay starts at the checkpoint, at or after it.
            long reopened = checkA(db, 4999);
            assertTrue(reopened >= oldest, "replay starts at the checkpoint: " + reopened + " < " + oldest);
            bRef = db.find(B);
            assertTrue(bRef >= 0, "the checkpoint kept series b");
            writeA(db, 5000, 8000);
            oldest = checkA(db, 7999);
            Appender app = db.appender();
            app.add(bRef, 7999, 3.0); // b takes samples again after replay
            db.awaitDurable(app.commit());
        }
        assertEquals(1, checkpoints(dir).size(), "the previous checkpoint was replaced");
        // A crash after a checkpoint but before its segments were deleted leaves them behind: replay deletes them.
        Files.copy(firstSegmentCopy, shardDir(dir).resolve(SegmentDescriptor.fileName(0)),
            StandardCopyOption.REPLACE_EXISTING);
        try (Sluice db = Sluice.open(config(dir).build())) {
            assertFalse(db.replayReport().repaired());
            assertFalse(Files.exists(shardDir(dir).resolve(SegmentDescriptor.fileName(0))));
            long reopened = checkA(db, 7999);
            assertTrue(reopened >= oldest, "replay keeps what retention kept: " + reopened + " < " + oldest);
            assertEquals(bRef, db.find(B), "refs are stable across checkpoints");
            assertEquals(1, db.sampleCount(bRef));
        }
    }

    @Test
    void theSegmentBeingWrittenIsNeverDeleted() throws Exception {
        Path dir = tmp.resolve("d");
        try (Sluice db = Sluice.open(config(dir).segmentSize(64 * 1024).build())) {
            Appender app = db.appender();
            long ref = db.series(A);
            for (long ts = 0; ts < 50; ts++) {
                app.add(ref, ts, 2.0 * ts);
            }
            db.awaitDurable(app.commit());
            app.add(ref, 100_000, 2.0 * 100_000); // everything before is now far older than the period
            db.awaitDurable(app.commit());
            app.add(ref, 100_001, 2.0 * 100_001);
            db.awaitDurable(app.commit());
            assertEquals(52, db.sampleCount(ref), "all in the current segment, so all kept");
        }
        assertTrue(checkpoints(dir).isEmpty());
    }

    @Test
    void retentionMustBeZeroOrPositive() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
            () -> SluiceConfig.builder().retention(Duration.ofSeconds(-1)));
        assertTrue(e.getMessage().contains("retention must be zero"), e.getMessage());
    }
}
