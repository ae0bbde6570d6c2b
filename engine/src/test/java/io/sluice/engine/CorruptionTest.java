package io.sluice.engine;

import io.sluice.testing.Frames;
import io.sluice.testing.TestDirs;
import io.sluice.wal.FrameDescriptor;
import io.sluice.wal.SegmentDescriptor;
import io.sluice.wal.WalCorruptionException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The six corruption scenarios of issue 6, each in shard 1 of a two-shard directory: open fails
 * with a {@link WalCorruptionException} naming shard, segment file and byte offset; repair cuts the
 * log there, reports what it dropped, and keeps exactly the samples before the cut (counted by the
 * test's own frame walker, {@link Frames}, on the bytes as written).
 */
class CorruptionTest {
    private static final int SERIES = 8;
    private static final int SHARD = 1;
    private static final long SEGMENT = 16 * 1024;

    @TempDir
    Path tmp;
    Path dir;

    private static SluiceConfig.Builder config(Path dir) {
        return SluiceConfig.builder().dir(dir).shards(2).segmentSize(SEGMENT).walTruncateSegments(1024);
    }

    /** Label ids of the series written: four that hash to each shard. */
    private static final int[] IDS = pickIds();

    private static int[] pickIds() {
        io.sluice.index.SeriesRegistry r = new io.sluice.index.SeriesRegistry(2, io.sluice.index.LabelsHasher.DEFAULT,
            l -> 0);
        int[] ids = new int[SERIES];
        int[] perShard = new int[2];
        int n = 0;
        for (int id = 0; n < SERIES; id++) {
            int shard = r.shardOf(Labels.of("__name__", "m", "i", Integer.toString(id)));
            if (perShard[shard] < SERIES / 2) {
                perShard[shard]++;
                ids[n++] = id;
            }
        }
        return ids;
    }

    private static Labels labels(int i) {
        return Labels.of("__name__", "m", "i", Integer.toString(IDS[i]));
    }

    private static double value(int i, long ts) {
        return i * 1_000_000.0 + ts;
    }

    @BeforeEach
    void write() throws Exception {
        dir = tmp.resolve("d");
        try (Sluice db = Sluice.open(config(dir).build())) {
            long[] refs = new long[SERIES];
            int[] perShard = new int[2];
            for (int i = 0; i < SERIES; i++) {
                refs[i] = db.series(labels(i));
                perShard[SeriesRef.shard(refs[i])]++;
            }
            assertTrue(perShard[0] > 0 && perShard[1] > 0, "both shards hold series");
            Appender app = db.appender();
            for (long ts = 0; ts < 2000; ts++) {
                for (int i = 0; i < SERIES; i++) {
                    app.add(refs[i], ts, value(i, ts));
                }
                if (ts % 10 == 9) {
                    app.commit();
                }
            }
            db.awaitDurable(app.commit());
        }
        assertTrue(segments().size() >= 6, "several segments in shard 1: " + segments().size());
    }

    private List<Path> segments() throws IOException {
        return Frames.segments(TestDirs.shard(dir, SHARD));
    }

    /** Samples per ref in shard 0, and in shard 1 before (segment k, offset), by the test's own reader. */
    private Map<Long, Long> expectedAfterCut(int k, long offset) throws IOException {
        Map<Long, Long> counts = new HashMap<>();
        for (Path p : Frames.segments(TestDirs.shard(dir, 0))) {
            Frames.samples(Files.readAllBytes(p), (ref, ts) -> counts.merge(ref, 1L, Long::sum));
        }
        List<Path> segs = segments();
        for (int j = 0; j < k; j++) {
            Frames.samples(Files.readAllBytes(segs.get(j)), (ref, ts) -> counts.merge(ref, 1L, Long::sum));
        }
        if (offset > SegmentDescriptor.HEADER_LENGTH) {
            byte[] image = Files.readAllBytes(segs.get(k));
            byte[] prefix = java.util.Arrays.copyOf(image, (int) offset); // frames wholly before the cut
            byte[] padded = java.util.Arrays.copyOf(prefix, image.length);
            Frames.samples(padded, (ref, ts) -> counts.merge(ref, 1L, Long::sum));
        }
        // The head-chunk log holds a prefix of each series too (chunks cut while writing): repair of the
        // WAL keeps whichever prefix is longer, for the series whose SERIES record survives the cut. A
        // series whose record was cut is gone, chunks and all (its chunks carry no labels).
        java.util.Set<Long> kept = seriesBefore(k, offset);
        for (int s = 0; s < 2; s++) {
            io.sluice.testing.HeadChunks.samplesPerSeries(TestDirs.shard(dir, s)).forEach((ref, n) -> {
                if (kept.contains(ref)) {
                    counts.merge(ref, n, Math::max);
                }
            });
        }
        return counts;
    }

    /** Refs whose SERIES record is in shard 0, or in shard 1 in a frame wholly before (segment k, offset). */
    private java.util.Set<Long> seriesBefore(int k, long offset) throws IOException {
        java.util.Set<Long> refs = new java.util.HashSet<>();
        List<Path> segs = segments();
        List<Path> all = new java.util.ArrayList<>(Frames.segments(TestDirs.shard(dir, 0)));
        all.addAll(segs.subList(0, k));
        for (Path p : all) {
            addSeries(Files.readAllBytes(p), Long.MAX_VALUE, refs);
        }
        addSeries(Files.readAllBytes(segs.get(k)), offset, refs);
        return refs;
    }

    private static void addSeries(byte[] image, long before, java.util.Set<Long> refs) {
        org.agrona.concurrent.UnsafeBuffer b = Frames.wrap(image);
        for (Frames.Frame f : Frames.frames(image)) {
            if (f.type == io.sluice.record.RecordType.SERIES && f.end() <= before) {
                refs.add(io.sluice.record.SeriesRecord.ref(b, f.offset + FrameDescriptor.HEADER_LENGTH));
            }
        }
    }

    /** Valid frames in shard 1 from (segment k, frame index f) on, excluding that frame. */
    private long framesAfter(int k, int f) throws IOException {
        List<Path> segs = segments();
        long n = Frames.frames(segs.get(k)).size() - f - 1;
        for (int j = k + 1; j < segs.size(); j++) {
            n += Frames.frames(segs.get(j)).size();
        }
        return n;
    }

    private WalCorruptionException openFails() {
        WalCorruptionException e = assertThrows(WalCorruptionException.class, () -> Sluice.open(config(dir).build()));
        assertEquals(SHARD, e.shard(), e.getMessage());
        assertTrue(e.getMessage().contains("shard " + SHARD) && e.getMessage().contains(e.segment().toString())
            && e.getMessage().contains("offset " + e.offset()), e.getMessage());
        return e;
    }

    /** Opens with repair and checks that exactly the expected prefix survived, contiguous and with the right values. */
    private ReplayReport.Shard repairKeeps(Map<Long, Long> expected) throws Exception {
        ReplayReport.Shard repaired;
        try (Sluice db = Sluice.open(config(dir).repair(true).build())) {
            repaired = db.replayReport().shards().get(SHARD);
            assertNotNull(repaired.repair(), "repair cut shard " + SHARD);
            assertFalse(db.replayReport().shards().get(0).repaired(), "shard 0 is untouched");
            assertPrefix(db, expected);
            // And it takes writes again.
            Appender app = db.appender();
            for (int i = 0; i < SERIES; i++) {
                app.add(db.series(labels(i)), 1_000_000, 1.0);
            }
            db.awaitDurable(app.commit());
        }
        try (Sluice db = Sluice.open(config(dir).build())) {
            assertFalse(db.replayReport().repaired(), "a repaired log opens cleanly");
            for (int i = 0; i < SERIES; i++) {
                long ref = db.find(labels(i));
                assertEquals(expected.getOrDefault(ref, 0L) + 1, db.sampleCount(ref));
            }
        }
        return repaired;
    }

    private static void assertPrefix(Sluice db, Map<Long, Long> expected) {
        for (int i = 0; i < SERIES; i++) {
            long ref = db.find(labels(i));
            long want = expected.getOrDefault(ref, 0L);
            if (ref < 0) {
                assertEquals(0, want, "series " + i + " vanished");
                continue;
            }
            final int series = i;
            long[] n = {0};
            db.read(ref, Long.MIN_VALUE, Long.MAX_VALUE, (ts, v) -> {
                assertEquals(n[0], ts, "series " + series + " is contiguous from 0");
                assertEquals(value(series, ts), v);
                n[0]++;
            });
            assertEquals(want, n[0], "series " + series + " (shard " + SeriesRef.shard(ref) + ") keeps its prefix");
        }
    }

    @Test
    void aRandomByteFlippedInsideANonTailRecordIsNamedAndRepairKeepsThePrefix() throws Exception {
        long seed = io.sluice.testing.TestSeeds.seed("CorruptionTest.aRandomByteFlippedInsideANonTailRecord");
        SplittableRandom rnd = new SplittableRandom(seed);
        List<Path> segs = segments();
        boolean lastToo = Frames.frames(segs.get(segs.size() - 1)).size() >= 2;
        int k = rnd.nextInt(lastToo ? segs.size() : segs.size() - 1);
        List<Frames.Frame> frames = Frames.frames(segs.get(k));
        // Any frame but the log's very last one (a damaged last record is a torn tail, by design).
        int f = rnd.nextInt(k == segs.size() - 1 ? frames.size() - 1 : frames.size());
        Frames.Frame victim = frames.get(f);
        // Bytes the CRC or the length cover; padding after the body is covered by nothing.
        long at = victim.offset + rnd.nextInt(FrameDescriptor.HEADER_LENGTH + victim.bodyLength);
        Map<Long, Long> expected = expectedAfterCut(k, victim.offset);
        long after = framesAfter(k, f);
        flip(segs.get(k), at, 1 + rnd.nextInt(255));

        WalCorruptionException e = openFails();
        String where = "seed " + seed + ", segment " + k + ", frame " + f + ", byte " + at;
        assertEquals(segs.get(k).toAbsolutePath(), e.segment().toAbsolutePath(), where);
        assertEquals(victim.offset, e.offset(), where + ": " + e.reason());
        ReplayReport.Shard r = repairKeeps(expected);
        assertEquals(victim.offset, r.repair().offset(), where);
        assertEquals(after, r.repair().droppedRecords(), where + ": every valid record after the bad one is counted");
        assertTrue(r.repair().droppedBytes() >= victim.end() - victim.offset, where);
    }

    @Test
    void aZeroedPageInTheMiddleOfASegmentIsNamedAtTheFirstRecordItHits() throws Exception {
        List<Path> segs = segments();
        int k = segs.size() / 2;
        Path seg = segs.get(k);
        long page = 4096;
        Frames.Frame hit = null;
        for (Frames.Frame f : Frames.frames(seg)) {
            if (f.offset + FrameDescriptor.HEADER_LENGTH + f.bodyLength > page && hit == null) {
                hit = f; // the first frame with a header or body byte in [4096, 8192)
            }
        }
        assertNotNull(hit);
        Map<Long, Long> expected = expectedAfterCut(k, hit.offset);
        try (FileChannel ch = FileChannel.open(seg, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(4096), page);
        }
        WalCorruptionException e = openFails();
        assertEquals(seg.toAbsolutePath(), e.segment().toAbsolutePath());
        assertEquals(hit.offset, e.offset(), e.reason());
        ReplayReport.Shard r = repairKeeps(expected);
        assertEquals(hit.offset, r.repair().offset());
        assertEquals(segs.size() - k - 1, r.repair().deletedSegments(), "the segments after the cut are deleted");
        assertTrue(r.repair().droppedRecords() > 0 && r.repair().droppedBytes() > 0, r.repair().toString());
    }

    @Test
    void aTruncatedSegmentThatIsNotTheLastIsNamedWhereItsFramesStop() throws Exception {
        List<Path> segs = segments();
        int k = 1;
        Path seg = segs.get(k);
        long keep = 5000;
        Frames.Frame cut = null;
        for (Frames.Frame f : Frames.frames(seg)) {
            if (f.offset + FrameDescriptor.HEADER_LENGTH + f.bodyLength > keep && cut == null) {
                cut = f; // the first frame the truncation damages
            }
        }
        assertNotNull(cut);
        Map<Long, Long> expected = expectedAfterCut(k, cut.offset);
        try (FileChannel ch = FileChannel.open(seg, StandardOpenOption.WRITE)) {
            ch.truncate(keep);
        }
        WalCorruptionException e = openFails();
        assertEquals(seg.toAbsolutePath(), e.segment().toAbsolutePath());
        assertEquals(cut.offset, e.offset(), e.reason());
        assertTrue(e.reason().contains("segment truncated"), e.reason());
        ReplayReport.Shard r = repairKeeps(expected);
        assertEquals(cut.offset, r.repair().offset());
    }

    @Test
    void aWrongMagicIsNamedAtTheBadByte() throws Exception {
        List<Path> segs = segments();
        int k = 2;
        flip(segs.get(k), 5, 0x01);
        WalCorruptionException e = openFails();
        assertEquals(segs.get(k).toAbsolutePath(), e.segment().toAbsolutePath());
        assertEquals(5, e.offset());
        assertTrue(e.reason().contains("bad magic"), e.reason());
        assertWholeSegmentCut(k, segs.size());
    }

    @Test
    void aWrongVersionIsNamedAtTheVersionField() throws Exception {
        List<Path> segs = segments();
        int k = 2;
        writeInt(segs.get(k), SegmentDescriptor.VERSION_OFFSET, SegmentDescriptor.VERSION + 1);
        WalCorruptionException e = openFails();
        assertEquals(segs.get(k).toAbsolutePath(), e.segment().toAbsolutePath());
        assertEquals(SegmentDescriptor.VERSION_OFFSET, e.offset());
        assertTrue(e.reason().contains("unsupported format version " + (SegmentDescriptor.VERSION + 1)), e.reason());
        assertWholeSegmentCut(k, segs.size());
    }

    @Test
    void aSegmentFromAnotherShardIsNamedAtTheShardField() throws Exception {
        List<Path> segs = segments();
        int k = 2;
        // Shard 0's segment with the same base position, dropped into shard 1's directory.
        Path foreign = TestDirs.shard(dir, 0).resolve(segs.get(k).getFileName());
        assertTrue(Files.exists(foreign), "shard 0 has a segment at the same position");
        Files.copy(foreign, segs.get(k), StandardCopyOption.REPLACE_EXISTING);
        WalCorruptionException e = openFails();
        assertEquals(segs.get(k).toAbsolutePath(), e.segment().toAbsolutePath());
        assertEquals(SegmentDescriptor.SHARD_OFFSET, e.offset());
        assertTrue(e.reason().contains("segment belongs to shard 0"), e.reason());
        assertWholeSegmentCut(k, segs.size());
    }

    /** A bad header: repair keeps segments 0..k-1 whole and deletes k and later. */
    private void assertWholeSegmentCut(int k, int count) throws Exception {
        Map<Long, Long> expected = expectedAfterCut(k, 0);
        long dropped = framesAfter(k, -1); // the bad segment's frames and every later segment's
        ReplayReport.Shard r = repairKeeps(expected);
        assertEquals(count - k, r.repair().deletedSegments());
        assertEquals(dropped, r.repair().droppedRecords(), r.repair().toString());
        assertTrue(r.repair().droppedBytes() > 0, r.repair().toString());
    }

    static void flip(Path file, long offset, int mask) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, offset);
            b.put(0, (byte) (b.get(0) ^ mask)).rewind();
            ch.write(b, offset);
        }
    }

    static void writeInt(Path file, long offset, int value) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, value), offset);
        }
    }
}
