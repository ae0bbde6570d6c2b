package io.sluice.engine;

import io.sluice.head.HeadChunkCorruptionException;
import io.sluice.ingest.ShardHandler;
import io.sluice.testing.FaultyFileSystem;
import io.sluice.testing.Frames;
import io.sluice.testing.HeadChunks;
import io.sluice.testing.TestDirs;
import io.sluice.testing.TruncationWorkload;
import io.sluice.wal.Checkpoints;
import io.sluice.wal.Courtesy;
import io.sluice.wal.Platform;
import io.sluice.wal.SegmentDescriptor;
import io.sluice.wal.SpareSegments;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static io.sluice.testing.TruncationWorkload.A;
import static io.sluice.testing.TruncationWorkload.B;
import static io.sluice.testing.TruncationWorkload.TOTAL;
import static io.sluice.testing.TruncationWorkload.checkAll;
import static io.sluice.testing.TruncationWorkload.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The WAL is for recovery only: it is truncated behind the head once segments pile up, a checkpoint
 * carries the series and the samples of chunks still open, and open replays checkpoint, head-chunk
 * log and only the WAL tail.
 */
class WalTruncationTest {

    private static final long HEAD_CHUNK_FILE_SIZE = 64 * 1024;

    @TempDir
    Path tmp;

    private static SluiceConfig.Builder config(Path dir) {
        return SluiceConfig.builder().dir(dir).shards(1).segmentSize(16 * 1024).eventCapacity(128)
            .headChunkFileSize(HEAD_CHUNK_FILE_SIZE).walTruncateSegments(2);
    }

    private static List<Path> checkpoints(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(TestDirs.shard(dir, 0))) {
            return s.filter(p -> p.getFileName().toString().endsWith(Checkpoints.SUFFIX)).sorted()
                .collect(Collectors.toList());
        }
    }

    @Test
    void theWalIsTruncatedBehindTheHeadAndOpenReplaysOnlyItsTail() throws Exception {
        Path dir = tmp.resolve("d");
        try (Sluice db = Sluice.open(config(dir).build())) {
            write(db);
            checkAll(db);
        }
        List<Path> segments = Frames.segments(TestDirs.shard(dir, 0));
        // 60,000 samples in 100-sample records take about 60 segments of 16 KiB; at most the
        // threshold's 2 sealed ones, the current one and a truncation's lag are left.
        assertTrue(segments.size() <= 5, "WAL truncated: " + segments.size() + " segments left");
        assertTrue(SegmentDescriptor.parseFileName(segments.get(0).getFileName().toString()) > 0);
        assertEquals(1, checkpoints(dir).size(), "one checkpoint, the newest: " + checkpoints(dir));
        try (Sluice db = Sluice.open(config(dir).build())) {
            assertFalse(db.replayReport().repaired());
            checkAll(db);
            ReplayReport.Shard r = db.replayReport().shards().get(0);
            assertTrue(r.walSamples() < TOTAL / 4, "replay read only the WAL tail and checkpoint: " + r.walSamples());
            assertTrue(r.chunks() >= TOTAL / 240, "the rest came from the head-chunk log: " + r.chunks() + " chunks");
            assertEquals(TOTAL + 10, r.samples());
        }
    }

    /**
     * Before the retention thread forces the head-chunk log for a truncation, it starts writeback of
     * each file to its end in steps of at most {@link Courtesy#STEP_BYTES}, so that the force
     * finds little left and no single call holds the CPU for long (docs/benchmarks.md, "Where the
     * tail comes from"). On Linux the steps really start writeback.
     */
    @Test
    void theChunkLogIsWrittenBackInShortStepsBeforeItIsForced() throws Exception {
        Path dir = tmp.resolve("d");
        FaultyFileSystem fs = new FaultyFileSystem();
        try (Sluice db = Sluice.open(config(dir).fileSystem(fs).build())) {
            write(db);
            checkAll(db);
        }
        List<FaultyFileSystem.WriteBack> steps = new java.util.ArrayList<>(fs.writeBacks);
        assertFalse(steps.isEmpty(), "the truncations wrote the chunk log back before forcing it");
        java.util.Map<Path, Long> reached = new java.util.HashMap<>();
        for (FaultyFileSystem.WriteBack w : steps) {
            // named as when it was mapped: a file the preparer made under its temporary name keeps it here
            Path file = Path.of(w.file().toString().replaceFirst("\\.tmp$", ""));
            assertTrue(file.getFileName().toString().endsWith(".chunks"), "a head-chunk file: " + w);
            assertTrue(w.to() > w.from() && w.to() - w.from() <= Courtesy.STEP_BYTES, "a short step: " + w);
            assertEquals(0, w.from() % Courtesy.STEP_BYTES, "steps are aligned: " + w);
            reached.merge(file, w.to(), Math::max);
            if (Platform.LINUX) {
                assertTrue(w.started(), "sync_file_range started writeback: " + w);
            }
        }
        reached.forEach((file, to) -> assertEquals(HEAD_CHUNK_FILE_SIZE, to,
            "the steps reach the end of " + file + ", which the preparer faulted in by writing"));
    }

    /**
     * The retention thread runs at background priority, so a busy machine may starve it: with its
     * truncation stuck, the writer waits once {@code TRUNCATION_BACKLOG} truncations' worth of
     * sealed segments pile up, instead of letting the WAL grow; once the truncation goes on,
     * everything is written and kept.
     */
    @Test
    void aWriterWaitsForATruncationThatFellBehindAndTheWalStaysBounded() throws Exception {
        Path dir = tmp.resolve("d");
        FaultyFileSystem fs = new FaultyFileSystem();
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        fs.beforeForce = () -> {
            if (Thread.currentThread().getName().equals("sluice-retention")) {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        try (Sluice db = Sluice.open(config(dir).fileSystem(fs).build())) {
            try {
                writeWhileTruncationIsStuck(db, dir, release);
            } finally {
                release.countDown(); // whatever failed, let the retention thread (and close) go on
            }
            checkAll(db);
        }
        try (Sluice db = Sluice.open(config(dir).build())) {
            checkAll(db);
        }
    }

    private static void writeWhileTruncationIsStuck(Sluice db, Path dir, java.util.concurrent.CountDownLatch release)
        throws Exception {
        Thread writer = new Thread(() -> {
            try {
                write(db);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        writer.start();
        int most = 0;
        int last = -1;
        long stableSince = System.nanoTime();
        while (System.nanoTime() - stableSince < 1_000_000_000L) {
            int now = Frames.segments(TestDirs.shard(dir, 0)).size();
            most = Math.max(most, now);
            if (now != last) {
                last = now;
                stableSince = System.nanoTime();
            }
            Thread.sleep(20);
        }
        assertTrue(writer.isAlive(), "the writer waits for the stuck truncation");
        // TRUNCATION_BACKLOG x 2 sealed segments, the 2 of the stuck truncation, the current one and
        // the prepared next one; 60,000 samples would take about 60.
        int bound = ShardHandler.TRUNCATION_BACKLOG * 2 + 2 + 2;
        assertTrue(most <= bound, "WAL bounded while truncation is stuck: " + most + " segments, bound " + bound);
        release.countDown();
        writer.join(60_000);
        assertFalse(writer.isAlive());
    }

    private static boolean recycled(Path segment) {
        try (var ch = Files.newByteChannel(segment, StandardOpenOption.READ)) {
            ByteBuffer header = ByteBuffer.allocate(SegmentDescriptor.HEADER_LENGTH).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            ch.read(header);
            return (header.getInt(SegmentDescriptor.FLAGS_OFFSET) & SegmentDescriptor.FLAG_RECYCLED) != 0;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Whether a live segment of shard 0 is a recycled one; a file truncation retires meanwhile counts as not. */
    private static boolean anyRecycled(Path dir) throws IOException {
        for (Path segment : Frames.segments(TestDirs.shard(dir, 0))) {
            try {
                if (recycled(segment)) {
                    return true;
                }
            } catch (java.io.UncheckedIOException gone) {
                // renamed into the pool between the listing and the read
            }
        }
        return false;
    }

    private static List<Path> spares(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(TestDirs.shard(dir, 0))) {
            return s.filter(p -> p.getFileName().toString().endsWith(SpareSegments.SUFFIX)).collect(Collectors.toList());
        }
    }

    @Test
    void truncatedSegmentsAreRecycledAndEverySampleSurvivesTwoMoreSessions() throws Exception {
        Path dir = tmp.resolve("d");
        Labels r = Labels.of("__name__", "r");
        try (Sluice db = Sluice.open(config(dir).build())) {
            write(db);
            // Truncation runs on the retention thread and retires segments into the pool; the preparer
            // turns a spare into the next segment. Whether a spare is waiting at any one moment depends
            // on that race, so keep writing (each roll-over feeds both) until a live segment is a
            // recycled one, within a bound that is many truncations long.
            Appender app = db.appender();
            long ref = db.series(r);
            boolean seen = anyRecycled(dir);
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
            for (long ts = 0; !seen && ts < 200_000 && System.nanoTime() < deadline; ts++) {
                app.add(ref, ts, ts);
                if (ts % 100 == 99) {
                    db.awaitDurable(app.commit());
                    seen = anyRecycled(dir);
                }
            }
            db.awaitDurable(app.commit());
            assertTrue(seen, "segments prepared after the pool filled are recycled ones");
        }
        assertTrue(spares(dir).size() <= 2, "at most walTruncateSegments (2) spares: " + spares(dir));
        Labels c = Labels.of("__name__", "c");
        for (int session = 0; session < 2; session++) {
            try (Sluice db = Sluice.open(config(dir).build())) {
                checkAll(db);
                assertEquals(0, db.replayReport().shards().get(0).truncatedBytes(),
                    "the old life after the last frame of a recycled segment is not a torn tail");
                Appender app = db.appender();
                long ref = db.series(c);
                for (long ts = session * 20_000L; ts < (session + 1) * 20_000L; ts++) {
                    app.add(ref, ts, ts);
                    if (ts % 100 == 99) {
                        db.awaitDurable(app.commit());
                    }
                }
                db.awaitDurable(app.commit());
            }
        }
        try (Sluice db = Sluice.open(config(dir).build())) {
            checkAll(db);
            long[] n = {0};
            db.read(db.find(c), Long.MIN_VALUE, Long.MAX_VALUE, (ts, v) -> {
                assertEquals(n[0], ts, "c is contiguous across sessions");
                assertEquals((double) ts, v);
                n[0]++;
            });
            assertEquals(40_000, n[0]);
        }
    }

    @Test
    void segmentsACrashLeftBehindACheckpointAreDeletedAndNothingCountsTwice() throws Exception {
        Path dir = tmp.resolve("d");
        Path copy = tmp.resolve("first.wal");
        try (Sluice db = Sluice.open(config(dir).build())) {
            Appender app = db.appender();
            long a = db.series(A);
            for (long ts = 0; ts < 200; ts++) {
                app.add(a, ts, 2.0 * ts);
            }
            db.awaitDurable(app.commit());
            Files.copy(TestDirs.shard(dir, 0).resolve(SegmentDescriptor.fileName(0)), copy);
        }
        try (Sluice db = Sluice.open(config(dir).build())) {
            Appender app = db.appender();
            long a = db.find(A);
            for (long ts = 200; ts < TOTAL; ts++) {
                app.add(a, ts, 2.0 * ts);
                if (ts % 100 == 99) {
                    db.awaitDurable(app.commit());
                }
            }
            db.awaitDurable(app.commit());
            Appender b = db.appender();
            long bRef = db.series(B);
            for (long ts = 0; ts < 10; ts++) {
                b.add(bRef, ts, -ts);
            }
            db.awaitDurable(b.commit());
        }
        assertFalse(Files.exists(TestDirs.shard(dir, 0).resolve(SegmentDescriptor.fileName(0))));
        // As if the process died after writing the checkpoint and before deleting the first segment.
        Files.copy(copy, TestDirs.shard(dir, 0).resolve(SegmentDescriptor.fileName(0)),
            StandardCopyOption.REPLACE_EXISTING);
        try (Sluice db = Sluice.open(config(dir).build())) {
            assertFalse(Files.exists(TestDirs.shard(dir, 0).resolve(SegmentDescriptor.fileName(0))));
            checkAll(db);
        }
    }

    @Test
    void damageAfterTheForcedPositionOfTheChunkLogIsCutAndTheWalRebuildsIt() throws Exception {
        Path dir = tmp.resolve("d");
        try (Sluice db = Sluice.open(config(dir).build())) {
            write(db);
        }
        // More samples in a session that does not truncate: their chunks come after the forced position.
        try (Sluice db = Sluice.open(config(dir).walTruncateSegments(1024).build())) {
            Appender app = db.appender();
            for (long ts = TOTAL; ts < TOTAL + 5_000; ts++) {
                app.add(db.find(A), ts, 2.0 * ts);
                if (ts % 100 == 99) {
                    db.awaitDurable(app.commit());
                }
            }
            db.awaitDurable(app.commit());
        }
        long forced = Checkpoints.state(io.sluice.wal.MappedWalFileSystem.INSTANCE, TestDirs.shard(dir, 0), 0, 1);
        List<HeadChunks.Chunk> chunks = HeadChunks.chunks(TestDirs.shard(dir, 0));
        HeadChunks.Chunk last = chunks.get(chunks.size() - 1);
        assertTrue(position(last) >= forced, "the newest chunk is after the forced position " + forced);
        flip(last.file, last.offset + 60);
        try (Sluice db = Sluice.open(config(dir).walTruncateSegments(1024).build())) {
            assertFalse(db.replayReport().repaired(), "not corruption: the WAL covers it");
            assertTrue(db.replayReport().chunkTruncatedBytes() > 0);
            long[] n = {0};
            db.read(db.find(A), Long.MIN_VALUE, Long.MAX_VALUE, (ts, v) -> {
                assertEquals(n[0]++, ts, "a is contiguous");
            });
            assertEquals(TOTAL + 5_000, n[0], "every sample, the cut chunk's from the WAL");
        }
    }

    @Test
    void damageBeforeTheForcedPositionIsCorruptionNamingFileAndOffsetAndRepairKeepsTheRest() throws Exception {
        Path dir = tmp.resolve("d");
        try (Sluice db = Sluice.open(config(dir).build())) {
            write(db);
        }
        List<HeadChunks.Chunk> chunks = HeadChunks.chunks(TestDirs.shard(dir, 0));
        HeadChunks.Chunk victim = chunks.get(3); // long forced: the WAL behind it is gone
        long forced = Checkpoints.state(io.sluice.wal.MappedWalFileSystem.INSTANCE, TestDirs.shard(dir, 0), 0, 1);
        assertTrue(position(victim) < forced, "chunk 3 is before the forced position " + forced);
        flip(victim.file, victim.offset + 60);
        HeadChunkCorruptionException e = assertThrows(HeadChunkCorruptionException.class,
            () -> Sluice.open(config(dir).build()));
        assertEquals(0, e.shard());
        assertEquals(victim.file.toAbsolutePath(), e.file().toAbsolutePath());
        assertEquals(victim.offset, e.offset());
        assertTrue(e.reason().contains("checksum"), e.reason());
        try (Sluice db = Sluice.open(config(dir).repair(true).build())) {
            assertTrue(db.replayReport().repaired());
            long[] n = {0};
            long[] expect = {0};
            db.read(db.find(A), Long.MIN_VALUE, Long.MAX_VALUE, (ts, v) -> {
                if (ts == victim.maxTime + 1) {
                    assertEquals(victim.minTime, expect[0], "the only gap is the dropped chunk");
                } else {
                    assertEquals(expect[0], ts);
                }
                expect[0] = ts + 1;
                n[0]++;
            });
            assertEquals(TOTAL - victim.samples, n[0], "every other chunk is kept");
        }
        try (Sluice db = Sluice.open(config(dir).build())) {
            assertFalse(db.replayReport().repaired(), "the repaired log opens cleanly");
            assertEquals(TOTAL - victim.samples, db.sampleCount(db.find(A)));
        }
    }

    @Test
    void aDirectoryOfTheWalOnlyBuildIsMigratedIntoTheHead() throws Exception {
        Path dir = tmp.resolve("v2");
        TestDirs.copyTree(Path.of(GoldenDirs.class.getResource("/golden/v2-many/shard-000").toURI()).getParent(), dir);
        long before = Frames.segments(TestDirs.shard(dir, 0)).size();
        assertTrue(before >= 5, "the old build left " + before + " segments");
        try (Sluice db = Sluice.open(config(dir).build())) {
            assertEquals(GoldenDirs.V2_MANY_SAMPLES, db.replayReport().samples());
            GoldenDirs.checkV2Many(db);
            Appender app = db.appender(); // and it takes writes, which truncate the old WAL behind the head
            for (int i = 0; i < 20_000; i++) {
                app.add(db.find(GoldenDirs.V2_MANY_SERIES), GoldenDirs.V2_MANY_SAMPLES_PER_SERIES + i, i);
                if (i % 100 == 99) {
                    db.awaitDurable(app.commit());
                }
            }
            db.awaitDurable(app.commit());
        }
        assertTrue(Frames.segments(TestDirs.shard(dir, 0)).size() < before, "the old WAL was truncated");
        assertFalse(HeadChunks.files(TestDirs.shard(dir, 0)).isEmpty(), "its samples are in head chunks now");
        try (Sluice db = Sluice.open(config(dir).build())) {
            GoldenDirs.checkV2Many(db);
        }
    }

    private static long position(HeadChunks.Chunk c) {
        return Long.parseLong(c.file.getFileName().toString().substring(0, 20)) + c.offset;
    }

    private static void flip(Path file, long offset) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, offset);
            b.put(0, (byte) (b.get(0) ^ 0x21)).rewind();
            ch.write(b, offset);
        }
    }
}
