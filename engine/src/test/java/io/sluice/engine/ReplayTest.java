package io.sluice.engine;

import io.sluice.record.RecordType;
import io.sluice.testing.Frames;
import io.sluice.testing.TestDirs;
import io.sluice.wal.FrameDescriptor;
import io.sluice.wal.WalCorruptionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Replay on open: torn tails are cut, corruption elsewhere is named, repair keeps the good prefix. */
class ReplayTest {
    private static final Labels SERIES = Labels.of("__name__", "m", "host", "a");

    @TempDir
    Path tmp;

    private static SluiceConfig.Builder config(Path dir) {
        return SluiceConfig.builder().dir(dir).shards(1).segmentSize(64 * 1024).walTruncateSegments(1024);
    }

    /** Writes `records` SAMPLES records of `perRecord` samples each (ts = 0, 1, 2, ...), the last with `lastRecord`. */
    private static void write(Path dir, int records, int perRecord, int lastRecord) throws Exception {
        try (Sluice db = Sluice.open(config(dir).build())) {
            long ref = db.series(SERIES);
            Appender app = db.appender();
            long ts = 0;
            for (int r = 0; r < records; r++) {
                int n = r == records - 1 ? lastRecord : perRecord;
                for (int i = 0; i < n; i++, ts++) {
                    app.add(ref, ts, ts * 2.0);
                }
                db.awaitDurable(app.commit());
            }
        }
    }

    private static long[] readAll(Sluice db) {
        long ref = db.find(SERIES);
        if (ref < 0) {
            return new long[0];
        }
        long[] out = new long[(int) db.sampleCount(ref)];
        int[] n = {0};
        db.read(ref, Long.MIN_VALUE, Long.MAX_VALUE, (t, v) -> {
            assertEquals(t * 2.0, v);
            out[n[0]++] = t;
        });
        return out;
    }

    private static Path lastSegment(Path dir) throws IOException {
        List<Path> segs = Frames.segments(TestDirs.shard(dir, 0));
        return segs.get(segs.size() - 1);
    }

    private static void zero(Path file, long from, long to) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate((int) (to - from)), from);
        }
    }

    @Test
    void replayTruncatesTornTailOfLastSegmentAtEveryByteOfTheLastRecord() throws Exception {
        Path original = tmp.resolve("original");
        write(original, 5, 10, 3);
        Path seg = lastSegment(original);
        List<Frames.Frame> frames = Frames.frames(seg);
        Frames.Frame last = frames.get(frames.size() - 1);
        assertEquals(RecordType.SAMPLES, last.type);
        int end = last.offset + FrameDescriptor.HEADER_LENGTH + last.bodyLength;
        byte[] image = Files.readAllBytes(seg);
        for (int cut = last.offset; cut < end; cut++) {
            Path dir = tmp.resolve("cut-" + cut);
            TestDirs.copyTree(original, dir);
            Path copy = lastSegment(dir);
            zero(copy, cut, end); // bytes [offset, cut) of the last record reached the disk, the rest did not
            try (Sluice db = Sluice.open(config(dir).build())) {
                long[] ts = readAll(db);
                assertEquals(40, ts.length, "cut at " + cut + ": the first four records survive whole");
                assertEquals(39, ts[39]);
                ReplayReport r = db.replayReport();
                assertEquals(expectedTruncation(image, last.offset, cut), r.truncatedBytes(), "cut at " + cut);
                assertFalse(r.repaired());
                // The store accepts writes again, right where the torn record was.
                Appender app = db.appender();
                app.add(db.find(SERIES), 1000, 2000.0);
                db.awaitDurable(app.commit());
            }
            try (Sluice db = Sluice.open(config(dir).build())) {
                long[] ts = readAll(db);
                assertEquals(41, ts.length, "cut at " + cut + ": second reopen");
                assertEquals(1000, ts[40]);
                assertEquals(0, db.replayReport().truncatedBytes());
            }
            TestDirs.deleteTree(dir);
        }
    }

    @Test
    void aRecordWhoseLengthNeverLandedIsDroppedAndItsBytesZeroed() throws Exception {
        // What SIGKILL leaves: the body was written into the page cache but the length (the commit point) was not.
        Path dir = tmp.resolve("d");
        write(dir, 3, 10, 10);
        Path seg = lastSegment(dir);
        Frames.Frame last = Frames.frames(seg).get(Frames.frames(seg).size() - 1);
        zero(seg, last.offset, last.offset + 4);
        byte[] before = Files.readAllBytes(seg);
        try (Sluice db = Sluice.open(config(dir).build())) {
            assertEquals(20, readAll(db).length);
            long expected = expectedTruncation(before, last.offset, last.end());
            assertTrue(expected > last.bodyLength, "the written body is still there to be cut");
            assertEquals(expected, db.replayReport().truncatedBytes(), "bytes cut are the record's written body");
        }
        byte[] image = Files.readAllBytes(seg);
        for (int p = last.offset; p < image.length; p++) {
            assertEquals(0, image[p], "stale bytes after the tail are zeroed at " + p);
        }
    }

    /** Replay zeroes from the tail's start through the last non-zero 8-byte word of what is left. */
    private static long expectedTruncation(byte[] image, int from, int to) {
        int lastNonZero = -1;
        for (int p = from; p < to; p++) {
            if (image[p] != 0) {
                lastNonZero = p;
            }
        }
        return lastNonZero < 0 ? 0 : ((lastNonZero - from) / 8 + 1) * 8L;
    }

    @Test
    void aFlippedByteInAMiddleRecordFailsOpenWithShardSegmentAndOffset() throws Exception {
        Path dir = tmp.resolve("d");
        write(dir, 10, 10, 10);
        Path seg = lastSegment(dir);
        Frames.Frame victim = Frames.frames(seg).get(4);
        flip(seg, victim.offset + 30);
        WalCorruptionException e = assertThrows(WalCorruptionException.class, () -> Sluice.open(config(dir).build()));
        assertEquals(0, e.shard());
        assertEquals(seg.toAbsolutePath(), e.segment().toAbsolutePath());
        assertEquals(victim.offset, e.offset());
        assertTrue(e.reason().contains("checksum"), e.reason());
        // The failed open released the directory: a repair open works.
        try (Sluice db = Sluice.open(config(dir).repair(true).build())) {
            ReplayReport r = db.replayReport();
            assertTrue(r.repaired());
            ReplayReport.Shard s = r.shards().get(0);
            assertEquals(victim.offset, s.repair().offset());
            assertEquals(6, s.repair().droppedRecords(), "the bad record and the five after it");
            assertTrue(s.repair().droppedBytes() > 0);
            long[] ts = readAll(db);
            assertEquals(30, ts.length, "records before the bad one (series record + 3 samples records) are kept");
        }
        try (Sluice db = Sluice.open(config(dir).build())) {
            assertEquals(30, readAll(db).length, "after repair the WAL opens cleanly");
        }
    }

    @Test
    void aValidRecordAfterAnEmptySlotInTheLastSegmentIsCorruptionNotATornTail() throws Exception {
        // A zeroed page in the middle of the last segment must not be mistaken for its end.
        Path dir = tmp.resolve("d");
        write(dir, 20, 10, 10);
        Path seg = lastSegment(dir);
        List<Frames.Frame> frames = Frames.frames(seg);
        Frames.Frame victim = frames.get(5);
        zero(seg, victim.offset, victim.end());
        WalCorruptionException e = assertThrows(WalCorruptionException.class, () -> Sluice.open(config(dir).build()));
        assertEquals(victim.offset, e.offset());
        assertTrue(e.reason().contains("a valid frame follows"), e.reason());
    }

    @Test
    void corruptionInAnEarlierSegmentIsNeverTreatedAsATornTail() throws Exception {
        Path dir = tmp.resolve("d");
        try (Sluice db = Sluice.open(config(dir).segmentSize(4096).eventCapacity(128).walTruncateSegments(1024).build())) {
            long ref = db.series(SERIES);
            Appender app = db.appender();
            for (int i = 0; i < 2000; i++) {
                app.add(ref, i, i * 2.0);
                if (i % 50 == 49) {
                    app.commit();
                }
            }
            db.awaitDurable(app.commit());
        }
        List<Path> segs = Frames.segments(TestDirs.shard(dir, 0));
        assertTrue(segs.size() > 3);
        Path first = segs.get(1);
        List<Frames.Frame> frames = Frames.frames(first);
        Frames.Frame tail = frames.get(frames.size() - 2); // the last samples record before the end marker
        zero(first, tail.offset, tail.end());
        WalCorruptionException e = assertThrows(WalCorruptionException.class, () -> Sluice.open(config(dir).build()));
        assertEquals(first.toAbsolutePath(), e.segment().toAbsolutePath());
        assertEquals(tail.offset, e.offset());

        try (Sluice db = Sluice.open(config(dir).repair(true).build())) {
            ReplayReport.Shard s = db.replayReport().shards().get(0);
            assertEquals(segs.size() - 2, s.repair().deletedSegments(), "later segments are deleted");
            long[] ts = readAll(db);
            for (int i = 0; i < ts.length; i++) {
                assertEquals(i, ts[i], "the kept prefix has no gaps");
            }
            Appender app = db.appender();
            app.add(db.find(SERIES), 5000, 10000.0);
            db.awaitDurable(app.commit());
        }
        try (Sluice db = Sluice.open(config(dir).build())) {
            long[] ts = readAll(db);
            assertEquals(5000, ts[ts.length - 1]);
        }
    }

    @Test
    void aTruncatedEarlierSegmentIsCorruptionAndRepairKeepsItsWholeRecords() throws Exception {
        Path dir = tmp.resolve("d");
        try (Sluice db = Sluice.open(config(dir).segmentSize(4096).eventCapacity(128).walTruncateSegments(1024).build())) {
            long ref = db.series(SERIES);
            Appender app = db.appender();
            for (int i = 0; i < 1000; i++) {
                app.add(ref, i, i * 2.0);
                if (i % 20 == 19) {
                    app.commit();
                }
            }
            db.awaitDurable(app.commit());
        }
        List<Path> segs = Frames.segments(TestDirs.shard(dir, 0));
        Path victim = segs.get(1);
        try (FileChannel ch = FileChannel.open(victim, StandardOpenOption.WRITE)) {
            ch.truncate(2000);
        }
        WalCorruptionException e = assertThrows(WalCorruptionException.class, () -> Sluice.open(config(dir).build()));
        assertEquals(victim.toAbsolutePath(), e.segment().toAbsolutePath());
        assertTrue(e.reason().contains("segment truncated"), e.reason());
        assertTrue(e.offset() <= 2000 && e.offset() > 64, "offset " + e.offset());
        long kept;
        try (Sluice db = Sluice.open(config(dir).repair(true).build())) {
            long[] ts = readAll(db);
            kept = ts.length;
            assertTrue(kept > 0);
            for (int i = 0; i < ts.length; i++) {
                assertEquals(i, ts[i]);
            }
        }
        try (Sluice db = Sluice.open(config(dir).build())) {
            assertEquals(kept, readAll(db).length);
        }
    }

    @Test
    void aCopyTakenWhileRunningReplaysAndDropsTheUnusedPreparedSegment() throws Exception {
        // While the engine runs, the next segment already exists (created in the background), empty,
        // and the current one is not sealed: exactly what a crash leaves behind.
        Path dir = tmp.resolve("live");
        Path copy = tmp.resolve("copy");
        try (Sluice db = Sluice.open(config(dir).segmentSize(8192).walTruncateSegments(1024).build())) {
            long ref = db.series(SERIES);
            Appender app = db.appender();
            for (int i = 0; i < 700; i++) {
                app.add(ref, i, i * 2.0);
                if (i % 10 == 9) {
                    db.awaitDurable(app.commit());
                }
            }
            db.awaitDurable(app.commit());
            long deadline = System.nanoTime() + 5_000_000_000L;
            List<Path> segs = Frames.segments(TestDirs.shard(dir, 0));
            while (Frames.frames(segs.get(segs.size() - 1)).size() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(10); // wait until the prepared successor exists
                segs = Frames.segments(TestDirs.shard(dir, 0));
            }
            assertTrue(Frames.frames(segs.get(segs.size() - 1)).isEmpty(), "an empty prepared segment is present");
            TestDirs.copyTree(dir, copy);
        }
        int before = Frames.segments(TestDirs.shard(copy, 0)).size();
        try (Sluice db = Sluice.open(config(copy).segmentSize(8192).walTruncateSegments(1024).build())) {
            long[] ts = readAll(db);
            assertEquals(700, ts.length);
            assertFalse(db.replayReport().repaired());
            Appender app = db.appender();
            app.add(db.find(SERIES), 700, 1400.0);
            db.awaitDurable(app.commit());
        }
        assertTrue(Frames.segments(TestDirs.shard(copy, 0)).size() <= before);
        try (Sluice db = Sluice.open(config(copy).segmentSize(8192).walTruncateSegments(1024).build())) {
            assertEquals(701, readAll(db).length);
        }
    }

    @Test
    void aSampleBeforeItsSeriesRecordIsCorruption() throws Exception {
        Path dir = tmp.resolve("d");
        write(dir, 3, 10, 10);
        Path seg = lastSegment(dir);
        Frames.Frame series = Frames.frames(seg).get(0);
        assertEquals(RecordType.SERIES, series.type);
        // Turn the series record into a record of an unknown type, with a valid checksum: replay must refuse it.
        rewriteBodyByte(seg, series, 0, (byte) 0x33);
        WalCorruptionException e = assertThrows(WalCorruptionException.class, () -> Sluice.open(config(dir).build()));
        assertEquals(series.offset, e.offset());
        assertTrue(e.reason().contains("unknown record type"), e.reason());
    }

    static void flip(Path file, long offset) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, offset);
            b.put(0, (byte) (b.get(0) ^ 0x21)).rewind();
            ch.write(b, offset);
        }
    }

    /** Changes one body byte and fixes the CRC, so only the content check can catch it. */
    static void rewriteBodyByte(Path file, Frames.Frame f, int index, byte value) throws IOException {
        byte[] image = Files.readAllBytes(file);
        image[f.offset + FrameDescriptor.BODY_OFFSET + index] = value;
        int crc = new io.sluice.wal.FrameCrc().forFile(Frames.wrap(image)).of(image, f.offset + FrameDescriptor.BODY_OFFSET,
            f.bodyLength);
        ByteBuffer.wrap(image).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(f.offset + 4, crc);
        Files.write(file, image);
    }
}
