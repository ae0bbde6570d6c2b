package io.sluice.engine;

import io.sluice.testing.FaultyFileSystem;
import io.sluice.testing.Frames;
import io.sluice.testing.TestDirs;
import io.sluice.wal.Checkpoints;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Faults injected through the {@link io.sluice.wal.WalFileSystem} facade, beyond FailureTest: a
 * failure on the background preparer thread reaches the writer exactly when it needs that segment;
 * a full disk at open or at a retention checkpoint, and a force that fails at close, are reported
 * clearly; nothing acknowledged is lost and a reopen replays.
 */
class FaultInjectionTest {
    private static final Labels S = Labels.of("s", "a");

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

    /** Commits records of 10 samples (ts from `from`), each acknowledged durable; returns the next ts. */
    private static long writeRecords(Sluice db, long ref, long from, int records) throws InterruptedException {
        Appender app = db.appender();
        long ts = from;
        for (int r = 0; r < records; r++) {
            for (int i = 0; i < 10; i++, ts++) {
                app.add(ref, ts, ts);
            }
            app.commitDurable();
        }
        return ts;
    }

    /**
     * Commits one record at a time, after {@code acked[0]}, until the engine fails (within 20 s);
     * {@code acked[0]} ends as the last timestamp acknowledged durable. Returns the failure.
     */
    private static Throwable writeUntilFailed(Sluice db, long ref, long[] acked) {
        return assertTimeoutPreemptively(Duration.ofSeconds(20), () -> assertThrows(
            SluiceFailedException.class, () -> {
                long t = acked[0] + 1;
                while (true) {
                    t = writeRecords(db, ref, t, 1);
                    acked[0] = t - 1;
                }
            }));
    }

    /** Reopens without faults and checks the series holds 0..n-1 contiguous with n >= atLeast; returns n. */
    private long reopenAndCount(long atLeast) throws Exception {
        try (Sluice again = Sluice.open(SluiceConfig.builder().dir(dir).build())) {
            long[] n = {0};
            again.read(again.find(S), Long.MIN_VALUE, Long.MAX_VALUE, (t, v) -> {
                assertEquals(n[0], t);
                assertEquals((double) t, v);
                n[0]++;
            });
            assertTrue(n[0] >= atLeast, "stored " + n[0] + ", acknowledged " + atLeast);
            Appender app = again.appender();
            app.add(again.find(S), n[0], n[0]);
            again.awaitDurable(app.commit()); // and it takes writes again
            return n[0];
        }
    }

    @Test
    void aFailedBackgroundPreparationSurfacesWhenTheWriterNeedsThatSegment() throws Exception {
        FaultyFileSystem fs = new FaultyFileSystem();
        Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).fileSystem(fs).segmentSize(4096).eventCapacity(128).walTruncateSegments(1024)
            .durability(Durability.BATCH).build());
        long ref = db.series(S);
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        // The first segment, and its successor prepared in the background (and the head-chunk log's files).
        while (Frames.segments(TestDirs.shard(dir, 0)).size() < 2
            || io.sluice.testing.HeadChunks.files(TestDirs.shard(dir, 0)).size() < 2) {
            assertTrue(System.nanoTime() < deadline, "the successor segment was never prepared");
            Thread.sleep(1);
        }
        fs.failPreallocate = true;
        // About 22 records of 10 samples fill a 4 KiB segment: 30 roll over once, into the prepared
        // segment, and the preparer's attempt at the one after fails in the background.
        long ts = writeRecords(db, ref, 0, 30);
        assertNull(db.failure(), "the failed preparation is not the writer's problem until it needs the segment");
        long[] acked = {ts - 1};
        Throwable seen = writeUntilFailed(db, ref, acked);
        assertTrue(causedBy(seen, "No space left on device"), String.valueOf(seen));
        assertTrue(acked[0] > ts, "the writer filled the current segment before it needed the failed one");
        assertTimeoutPreemptively(Duration.ofSeconds(20), db::close);
        fs.failPreallocate = false;
        reopenAndCount(acked[0] + 1);
    }

    @Test
    void noSpaceForTheFirstSegmentFailsOpenAndLeavesTheDirectoryUsable() throws Exception {
        FaultyFileSystem fs = new FaultyFileSystem();
        fs.failPreallocate = true;
        IOException e = assertThrows(IOException.class, () -> Sluice.open(SluiceConfig.builder().dir(dir)
            .fileSystem(fs).build()));
        assertTrue(causedBy(e, "No space left on device"), String.valueOf(e));
        try (Stream<Path> s = Files.walk(TestDirs.shard(dir, 0))) {
            assertEquals(0, s.filter(Files::isRegularFile).count(), "no half-made segment or chunk file is left behind");
        }
        fs.failPreallocate = false;
        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).fileSystem(fs).build())) {
            writeRecords(db, db.series(S), 0, 3);
        }
        assertEquals(30, reopenAndCount(30));
    }

    @Test
    void aForceThatFailsAtCloseIsReportedAndEverythingAppendedIsReplayed() throws Exception {
        FaultyFileSystem fs = new FaultyFileSystem();
        Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).fileSystem(fs).durability(Durability.NONE).build());
        long ts = writeRecords(db, db.series(S), 0, 50); // acknowledged: in the mapped page cache
        fs.failForce = true;
        IOException e = assertThrows(IOException.class, db::close);
        assertTrue(causedBy(e, "injected fsync failure"), String.valueOf(e));
        assertTrue(db.isClosed());
        db.close(); // idempotent, even after a failed close
        fs.failForce = false;
        assertEquals(ts, reopenAndCount(ts), "the directory was released and nothing appended was lost");
    }

    @Test
    void aCheckpointThatCannotBeWrittenFailsTheEngineAndKeepsEverySegment() throws Exception {
        FaultyFileSystem fs = new FaultyFileSystem();
        Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).fileSystem(fs).segmentSize(4096).eventCapacity(128).walTruncateSegments(1024)
            .durability(Durability.BATCH).retention(Duration.ofMillis(200)).retentionCheckInterval(Duration.ZERO)
            .build());
        long ref = db.series(S);
        long ts = writeRecords(db, ref, 0, 10);
        fs.failPreallocateSuffix = Checkpoints.TMP_SUFFIX; // the disk is full when retention writes its checkpoint
        long[] acked = {ts - 1};
        Throwable seen = writeUntilFailed(db, ref, acked);
        assertTrue(causedBy(seen, "No space left on device") && causedBy(seen, Checkpoints.TMP_SUFFIX),
            String.valueOf(seen));
        assertTimeoutPreemptively(Duration.ofSeconds(20), db::close);
        fs.failPreallocateSuffix = null;
        assertTrue(Frames.segments(TestDirs.shard(dir, 0)).stream()
            .anyMatch(p -> p.getFileName().toString().equals("00000000000000000000.wal")), "nothing was deleted");
        try (Stream<Path> s = Files.list(TestDirs.shard(dir, 0))) {
            assertTrue(s.noneMatch(p -> p.toString().endsWith(Checkpoints.TMP_SUFFIX)), "no half-made checkpoint");
        }
        reopenAndCount(acked[0] + 1);
    }
}
