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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A read sees its series as it was when the read started, even when retention deletes the
 * head-chunk files the read has not reached yet: never a shape with a hole in the middle.
 */
class ReadDuringRetentionTest {
    @TempDir
    Path dir;

    @Test
    void aReadThatRetentionOvertakesStillReturnsAContiguousRun() throws Exception {
        Labels a = Labels.of("__name__", "a");
        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).shards(1).headChunkFileSize(64 * 1024)
            .retention(Duration.ofSeconds(1000)).retentionCheckInterval(Duration.ZERO).build())) {
            long ref = db.series(a);
            Appender app = db.appender();
            int old = 200_000; // several 64 KiB head-chunk files, all within the retention period
            for (int ts = 0; ts < old; ts++) {
                app.add(ref, ts, ts);
                if (ts % 100 == 99) {
                    app.commit();
                }
            }
            db.awaitDurable(app.commit());
            List<Path> oldSegments = HeadChunks.files(TestDirs.shard(dir, 0));
            assertTrue(oldSegments.size() >= 4, "head-chunk files: " + oldSegments.size());

            CountDownLatch reading = new CountDownLatch(1);
            CountDownLatch proceed = new CountDownLatch(1);
            List<Long> seen = new ArrayList<>();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread reader = new Thread(() -> {
                try {
                    db.read(ref, Long.MIN_VALUE, Long.MAX_VALUE, (ts, v) -> {
                        seen.add(ts);
                        if (seen.size() == 1) {
                            reading.countDown();
                            try {
                                assertTrue(proceed.await(30, TimeUnit.SECONDS));
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        }
                    });
                } catch (Throwable t) {
                    failure.set(t);
                }
            }, "reader");
            reader.start();
            assertTrue(reading.await(10, TimeUnit.SECONDS));
            // Samples far newer than the retention period: every old file becomes due.
            for (int i = 0; i < 3000; i++) {
                app.add(ref, 10_000_000 + i, i);
                if (i % 10 == 9) {
                    app.commit();
                }
            }
            db.awaitDurable(app.commit());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            long more = 0;
            while (Files.exists(oldSegments.get(0)) && System.nanoTime() < deadline) {
                app.add(ref, 20_000_000 + ++more, 0); // more batches for retention to run at
                db.awaitDurable(app.commit());
                Thread.sleep(5);
            }
            assertTrue(!Files.exists(oldSegments.get(0)), "retention deleted the old files while the read was paused");
            // The paused reader holds the gate under which deleted files are unmapped; the retention
            // thread must not wait for it: a second generation of files is deleted too (and the WAL
            // is truncated, which the same thread does).
            for (int ts = 0; ts < old; ts++) {
                app.add(ref, 30_000_000 + ts, ts);
                if (ts % 100 == 99) {
                    app.commit();
                }
            }
            db.awaitDurable(app.commit());
            List<Path> second = new ArrayList<>(HeadChunks.files(TestDirs.shard(dir, 0)));
            second.removeIf(p -> p.getFileName().toString().compareTo(oldSegments.get(oldSegments.size() - 1)
                .getFileName().toString()) <= 0);
            assertTrue(second.size() >= 2, "second generation of head-chunk files: " + second);
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (Files.exists(second.get(0)) && System.nanoTime() < deadline) {
                app.add(ref, 40_000_000 + ++more, 0);
                db.awaitDurable(app.commit());
                Thread.sleep(5);
            }
            assertTrue(!Files.exists(second.get(0)), "retention went on while the read was still paused");
            proceed.countDown();
            reader.join(30_000);
            if (failure.get() != null) {
                throw new AssertionError(failure.get());
            }
            for (int i = 1; i < seen.size(); i++) {
                assertEquals(seen.get(i - 1) + 1, (long) seen.get(i), "no hole: sample " + i + " of " + seen.size());
            }
            assertEquals(0, (long) seen.get(0));
            assertEquals(old, seen.size(), "the read returns the series as it was when it started");
        }
    }
}
