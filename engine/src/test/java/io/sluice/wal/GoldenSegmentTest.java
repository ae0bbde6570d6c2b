package io.sluice.wal;

import io.sluice.engine.Appender;
import io.sluice.engine.Labels;
import io.sluice.engine.Sluice;
import io.sluice.engine.SluiceConfig;
import io.sluice.record.CompactRecord;
import io.sluice.record.MixedRecord;
import io.sluice.record.RecordType;
import io.sluice.record.SamplesRecord;
import io.sluice.record.SeriesRecord;
import io.sluice.testing.Frames;
import io.sluice.testing.TestDirs;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The checked-in segments pin the on-disk format of docs/format/wal.md. {@code golden/v4} and
 * {@code golden/v4-recycled} (written by {@link #main}) are what this build writes: it must decode
 * them exactly and still write the same bytes. {@code golden/v1} to {@code v3} were written by
 * earlier builds: this build must still read them.
 */
class GoldenSegmentTest {
    static final Labels A = Labels.of("__name__", "golden", "host", "a");
    static final Labels B = Labels.of("__name__", "golden", "host", "b", "city", "Zürich");
    static final String SEGMENT = "shard-000/00000000000000000000.wal";

    @TempDir
    Path tmp;

    /** The golden content, written through the public API. */
    static void writeGolden(Path dir) throws Exception {
        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).shards(1).segmentSize(4096).eventCapacity(128).build())) {
            long a = db.series(A);
            long b = db.series(B);
            Appender app = db.appender();
            app.add(a, 1000, 1.5);
            app.add(a, 2000, Double.NaN);
            app.add(a, 3000, Double.POSITIVE_INFINITY);
            db.awaitDurable(app.commit());
            app.add(b, 1000, -0.0);
            app.add(b, 1001, 42.0);
            db.awaitDurable(app.commit());
            app.add(a, 4000, -1e300);
            db.awaitDurable(app.commit());
            // Version 2: interleaved series in one commit become one MIXED record.
            app.add(a, 5000, 5.0);
            app.add(b, 2000, 6.0);
            app.add(a, 6000, 7.0);
            app.add(b, 3000, Double.NEGATIVE_INFINITY);
            db.awaitDurable(app.commit());
        }
    }

    /** Regenerates the golden directory: run once per format version, then check it in. */
    public static void main(String[] args) throws Exception {
        Path out = Paths.get(args.length > 0 ? args[0] : "engine/src/test/resources/golden/v" + SegmentDescriptor.VERSION);
        TestDirs.deleteTree(out);
        writeGolden(out);
        Files.deleteIfExists(out.resolve("LOCK"));
        Files.deleteIfExists(out.resolve("sluice.meta"));
        TestDirs.deleteTree(out.resolve("shard-000").resolve("head")); // the golden is the WAL segment
        try (var spares = Files.list(out.resolve("shard-000"))) { // close keeps the unused next segment as a spare
            for (Path f : (Iterable<Path>) spares::iterator) {
                if (f.getFileName().toString().endsWith(SpareSegments.SUFFIX)) {
                    Files.delete(f);
                }
            }
        }
        System.out.println("wrote " + out.resolve(SEGMENT));
        System.out.println("wrote " + writeGoldenCheckpoint(out.resolve("checkpoint")));
        Path recycled = Paths.get(out + "-recycled");
        TestDirs.deleteTree(recycled);
        writeGoldenRecycled(recycled.resolve("shard-000"));
        System.out.println("wrote " + recycled);
    }

    /** Samples per SAMPLES record of the recycled golden: a body of 176 bytes, a frame of 184. */
    static final int RECYCLED_RUN = 10;
    /** Base position of the recycled golden segment: segment 0's file, recycled as the fourth segment. */
    static final long RECYCLED_BASE = 3 * 4096;

    private static void appendSamples(ShardWal wal, long ref, long firstTs, int n) throws java.io.IOException {
        int len = SamplesRecord.bodyLength(n);
        int frame = wal.reserve(len);
        UnsafeBuffer b = wal.buffer();
        int body = frame + FrameDescriptor.BODY_OFFSET;
        SamplesRecord.writeHeader(b, body, ref, n);
        for (int i = 0; i < n; i++) {
            b.putLong(SamplesRecord.sampleOffset(body, i), firstTs + i);
            b.putDouble(SamplesRecord.sampleOffset(body, i) + 8, (firstTs + i) * 0.5);
        }
        wal.commit(frame, len);
    }

    private static void appendSeries(ShardWal wal, long ref, Labels labels) throws java.io.IOException {
        int len = SeriesRecord.bodyLength(labels);
        int frame = wal.reserve(len);
        SeriesRecord.write(wal.buffer(), frame + FrameDescriptor.BODY_OFFSET, ref, labels);
        wal.commit(frame, len);
    }

    /**
     * The recycled golden (format/wal.md, "Recycled segments"): 4 KiB segments of series A's samples
     * (runs of {@link #RECYCLED_RUN}, timestamps from 0, value ts / 2); once segments 0 and 4096
     * are sealed, segment 0 is truncated behind a checkpoint (A and B, state 0) and retired into the
     * spare pool; the log goes on until it rolls into the spare (base 12288), where it writes three
     * more runs and one 2-entry MIXED record, so that its last frame ends in the middle of one of
     * the file's old frames. The directory holds the checkpoint and segments 4096, 8192 and 12288.
     */
    static void writeGoldenRecycled(Path shardDir) throws Exception {
        MappedWalFileSystem fs = MappedWalFileSystem.INSTANCE;
        Files.createDirectories(shardDir);
        ReplayOutcome none = ShardLogReader.replay(fs, shardDir, 0, 1, new ShardWalTest.Collect(), false,
            new WalSegments());
        try (ShardWal wal = ShardWal.resume(fs, shardDir, 0, 1, 4096, false, none)) {
            appendSeries(wal, 0, A);
            appendSeries(wal, 1L << 16, B);
            long ts = 0;
            while (wal.sealedCount() < 2) {
                appendSamples(wal, 0, ts, RECYCLED_RUN);
                ts += RECYCLED_RUN;
            }
            WalSegment gone = wal.detachOldest(1)[0];
            wal.checkpoint(Checkpoints.write(fs, shardDir, 0, 1, 4096, 0, new GoldenSeries(), null));
            gone.mapping().close();
            wal.spares().retire(fs, gone);
            while (wal.position() < RECYCLED_BASE + 3 * 184) { // rolls into the spare, then 3 runs there
                appendSamples(wal, 0, ts, RECYCLED_RUN);
                ts += RECYCLED_RUN;
            }
            int len = MixedRecord.bodyLength(2);
            int frame = wal.reserve(len);
            UnsafeBuffer b = wal.buffer();
            int body = frame + FrameDescriptor.BODY_OFFSET;
            MixedRecord.writeHeader(b, body, 2);
            for (int i = 0; i < 2; i++) {
                b.putLong(MixedRecord.entryOffset(body, i) + MixedRecord.ENTRY_REF, (long) i << 16);
                b.putLong(MixedRecord.entryOffset(body, i) + MixedRecord.ENTRY_TIMESTAMP, ts);
                b.putDouble(MixedRecord.entryOffset(body, i) + MixedRecord.ENTRY_VALUE, ts * 0.5);
            }
            wal.commit(frame, len);
        }
    }

    private static Path goldenRecycled() throws URISyntaxException {
        return golden(SegmentDescriptor.VERSION).resolveSibling("v" + SegmentDescriptor.VERSION + "-recycled")
            .resolve("shard-000");
    }

    @Test
    void theRecycledGoldenSegmentDecodesFieldByField() throws Exception {
        Path dir = goldenRecycled();
        byte[] image = Files.readAllBytes(dir.resolve(SegmentDescriptor.fileName(RECYCLED_BASE)));
        assertEquals(4096, image.length);
        UnsafeBuffer b = Frames.wrap(image);
        assertEquals(SegmentDescriptor.VERSION, b.getInt(SegmentDescriptor.VERSION_OFFSET));
        assertEquals(SegmentDescriptor.FLAG_RECYCLED, b.getInt(SegmentDescriptor.FLAGS_OFFSET));
        assertEquals(RECYCLED_BASE, b.getLong(SegmentDescriptor.BASE_POSITION_OFFSET));
        List<Frames.Frame> frames = Frames.frames(image);
        assertEquals(List.of("SAMPLES", "SAMPLES", "SAMPLES", "MIXED"), recordTypes(frames));
        int end = frames.get(3).end();
        assertEquals(64 + 3 * 184 + 64, end);
        // The old life: segment 0 held the SERIES frames of A and B and then runs of 184 bytes. Past
        // the new frames (which end in the middle of an old run), the old runs are intact and valid
        // in their old life (base 0), and invalid in this one: the checksum covers the base position.
        int oldSeries = FrameDescriptor.framedLength(SeriesRecord.bodyLength(A))
            + FrameDescriptor.framedLength(SeriesRecord.bodyLength(B));
        FrameCrc oldLife = new FrameCrc().forFile(SegmentDescriptor.VERSION, 0);
        FrameCrc newLife = new FrameCrc().forFile(b);
        int old = 0;
        for (int off = 64 + oldSeries; off + 184 + 16 <= image.length; off += 184) {
            if (off >= end) {
                int len = b.getInt(off);
                assertEquals(SamplesRecord.bodyLength(RECYCLED_RUN), len, "an old SAMPLES frame at " + off);
                assertEquals(RecordType.SAMPLES, image[off + 8]);
                assertEquals(b.getInt(off + 4), oldLife.of(image, off + 8, len), "valid under base 0, at " + off);
                assertTrue(b.getInt(off + 4) != newLife.of(image, off + 8, len), "invalid under base 12288");
                old++;
            }
        }
        assertEquals(18, old, "old frames after the new ones");
        int mixed = frames.get(3).offset + 8;
        assertEquals(2, MixedRecord.count(b, mixed));
        assertEquals(1L << 16, MixedRecord.ref(b, mixed, 1));
    }

    @Test
    void theEngineReplaysTheRecycledGoldenDirectoryAndAppendsAfterItsLastFrame() throws Exception {
        Path dir = tmp.resolve("recycled");
        TestDirs.copyTree(goldenRecycled(), dir.resolve("shard-000"));
        long expectedA;
        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).segmentSize(4096).eventCapacity(128).build())) {
            assertEquals(0, db.replayReport().truncatedBytes(), "the old life is not a torn tail");
            long[] first = {-1};
            long[] n = {0};
            db.read(db.find(A), Long.MIN_VALUE, Long.MAX_VALUE, (t, v) -> {
                if (first[0] < 0) {
                    first[0] = t;
                }
                assertEquals(first[0] + n[0], t, "contiguous from the first kept segment");
                assertEquals(t * 0.5, v);
                n[0]++;
            });
            // Segments 4096 and 8192: 21 runs each; segment 12288: 3 runs and one MIXED entry.
            assertEquals(21 * RECYCLED_RUN, first[0], "segment 0's samples went with it");
            assertEquals(45 * RECYCLED_RUN + 1, n[0]);
            assertEquals(1, db.sampleCount(db.find(B)));
            expectedA = n[0] + 1;
            Appender app = db.appender();
            app.add(db.find(A), first[0] + n[0] + 100, 1.0);
            db.awaitDurable(app.commit());
        }
        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).segmentSize(4096).eventCapacity(128).build())) {
            assertEquals(expectedA, db.sampleCount(db.find(A)), "the sample appended after the golden's last frame");
        }
    }

    @Test
    void thisBuildStillRecyclesToTheGoldenBytes() throws Exception {
        Path fresh = tmp.resolve("recycled-fresh").resolve("shard-000");
        writeGoldenRecycled(fresh);
        List<String> names = new ArrayList<>();
        try (var files = Files.list(goldenRecycled())) {
            files.forEach(f -> names.add(f.getFileName().toString()));
        }
        List<String> freshNames = new ArrayList<>();
        try (var files = Files.list(fresh)) {
            files.forEach(f -> freshNames.add(f.getFileName().toString()));
        }
        java.util.Collections.sort(names);
        java.util.Collections.sort(freshNames);
        assertEquals(List.of("00000000000000004096.ckpt", "00000000000000004096.wal", "00000000000000008192.wal",
            "00000000000000012288.wal"), names);
        assertEquals(names, freshNames);
        for (String name : names) {
            byte[] a = Files.readAllBytes(goldenRecycled().resolve(name));
            byte[] b = Files.readAllBytes(fresh.resolve(name));
            blank(a);
            blank(b);
            assertArrayEquals(a, b, name + ": the recycling writer's output changed: bump the format version");
        }
    }

    /** The record type names of {@code frames}, in order. */
    private static List<String> recordTypes(List<Frames.Frame> frames) {
        List<String> types = new ArrayList<>();
        for (Frames.Frame f : frames) {
            types.add(RecordType.name(f.type));
        }
        return types;
    }

    private static Path golden() throws URISyntaxException {
        return golden(1);
    }

    private static Path golden(int version) throws URISyntaxException {
        return Paths.get(GoldenSegmentTest.class.getResource("/golden/v" + version + "/" + SEGMENT).toURI())
            .getParent().getParent();
    }

    @Test
    void theVersion2GoldenSegmentDecodesFieldByField() throws Exception {
        byte[] image = Files.readAllBytes(golden(2).resolve(SEGMENT));
        assertEquals(4096, image.length);
        UnsafeBuffer b = Frames.wrap(image);
        assertEquals("SLUICEWL", new String(image, 0, 8, StandardCharsets.US_ASCII));
        assertEquals(2, b.getInt(SegmentDescriptor.VERSION_OFFSET));
        List<Frames.Frame> frames = Frames.frames(image);
        List<String> types = recordTypes(frames);
        assertEquals(List.of("SERIES", "SAMPLES", "SERIES", "SAMPLES", "SAMPLES", "MIXED"), types);
        // Everything before the MIXED record is byte for byte what version 1 wrote.
        byte[] v1 = Files.readAllBytes(golden(1).resolve(SEGMENT));
        for (int i = SegmentDescriptor.HEADER_LENGTH; i < frames.get(5).offset; i++) {
            assertEquals(v1[i], image[i], "byte " + i);
        }
        Frames.Frame m = frames.get(5);
        int body = m.offset + 8;
        assertEquals(8 + 4 * 24, m.bodyLength);
        assertEquals(RecordType.MIXED, image[body]);
        assertEquals(4, MixedRecord.count(b, body));
        long refA = 0;
        long refB = 1L << 16;
        assertEquals(refA, MixedRecord.ref(b, body, 0));
        assertEquals(5000, MixedRecord.timestamp(b, body, 0));
        assertEquals(5.0, MixedRecord.value(b, body, 0));
        assertEquals(refB, MixedRecord.ref(b, body, 1));
        assertEquals(2000, MixedRecord.timestamp(b, body, 1));
        assertEquals(6.0, MixedRecord.value(b, body, 1));
        assertEquals(refA, MixedRecord.ref(b, body, 2));
        assertEquals(6000, MixedRecord.timestamp(b, body, 2));
        assertEquals(refB, MixedRecord.ref(b, body, 3));
        assertEquals(3000, MixedRecord.timestamp(b, body, 3));
        assertEquals(Double.NEGATIVE_INFINITY, MixedRecord.value(b, body, 3));
        for (int i = m.end(); i < image.length; i++) {
            assertEquals(0, image[i], "unused space is zero");
        }
    }

    @Test
    void theVersion3GoldenSegmentPutsSmallCommitsIntoMixedRecords() throws Exception {
        int version = 3;
        byte[] image = Files.readAllBytes(golden(version).resolve(SEGMENT));
        UnsafeBuffer b = Frames.wrap(image);
        assertEquals(version, b.getInt(SegmentDescriptor.VERSION_OFFSET));
        List<Frames.Frame> frames = Frames.frames(image);
        List<String> types = recordTypes(frames);
        // A run of 3 stays a SAMPLES record; commits of 2 samples and of 1 go into MIXED records
        // (24 bytes a sample, and the records of one batch share a frame), as does the interleaved one.
        assertEquals(List.of("SERIES", "SAMPLES", "SERIES", "MIXED", "MIXED", "MIXED"), types);
        long refA = 0;
        long refB = 1L << 16;
        int b2 = frames.get(3).offset + 8;
        assertEquals(2, MixedRecord.count(b, b2));
        assertEquals(refB, MixedRecord.ref(b, b2, 0));
        assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(MixedRecord.value(b, b2, 0)));
        assertEquals(1001, MixedRecord.timestamp(b, b2, 1));
        assertEquals(42.0, MixedRecord.value(b, b2, 1));
        int a1 = frames.get(4).offset + 8;
        assertEquals(8 + 24, frames.get(4).bodyLength);
        assertEquals(refA, MixedRecord.ref(b, a1, 0));
        assertEquals(4000, MixedRecord.timestamp(b, a1, 0));
        assertEquals(-1e300, MixedRecord.value(b, a1, 0));
        assertEquals(4, MixedRecord.count(b, frames.get(5).offset + 8));
        for (int i = frames.get(5).end(); i < image.length; i++) {
            assertEquals(0, image[i], "unused space is zero");
        }
        assertTheGoldenSegmentReplays(version);
    }

    /** The golden segment of {@code version}, alone in a directory, opens with its 10 samples. */
    private void assertTheGoldenSegmentReplays(int version) throws Exception {
        Path dir = tmp.resolve("golden" + version);
        TestDirs.copyTree(golden(version), dir);
        Files.delete(dir.resolve(CHECKPOINT)); // the segment alone
        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).build())) {
            assertEquals(10, db.replayReport().samples());
            StringBuilder sb = new StringBuilder();
            db.read(db.find(B), Long.MIN_VALUE, Long.MAX_VALUE, (t, v) -> sb.append(t).append('=').append(v).append(' '));
            assertEquals("1000=-0.0 1001=42.0 2000=6.0 3000=-Infinity ", sb.toString());
        }
    }

    /**
     * Version 4: the same commits as version 3's golden, with small commits in COMPACT records (varint
     * deltas from each record's first entry) and every frame checksum over the base position first.
     */
    @Test
    void theVersion4GoldenSegmentPutsSmallCommitsIntoCompactRecords() throws Exception {
        byte[] image = Files.readAllBytes(golden(4).resolve(SEGMENT));
        UnsafeBuffer b = Frames.wrap(image);
        assertEquals(4, b.getInt(SegmentDescriptor.VERSION_OFFSET));
        assertEquals(0, b.getInt(SegmentDescriptor.FLAGS_OFFSET), "a new segment, not a recycled one");
        List<Frames.Frame> frames = Frames.frames(image);
        assertEquals(List.of("SERIES", "SAMPLES", "SERIES", "COMPACT", "COMPACT", "COMPACT"), recordTypes(frames));
        FrameCrc crc = new FrameCrc().forFile(4, 0);
        for (Frames.Frame f : frames) {
            assertEquals(b.getInt(f.offset + 4), crc.of(image, f.offset + 8, f.bodyLength), "seeded CRC at " + f.offset);
        }
        long refA = 0;
        long refB = 1L << 16;
        // B's two samples: entry 0 (local id 1, timestamp 1000, -0.0), entry 1 (delta 0, +1, 42.0).
        Frames.Frame b2 = frames.get(3);
        int body = b2.offset + 8;
        assertEquals(RecordType.COMPACT, image[body]);
        assertEquals(2, CompactRecord.count(b, body));
        int e = body + CompactRecord.ENTRIES_OFFSET;
        assertEquals(1, image[e], "entry 0: local id 1");
        assertEquals((byte) 0xD0, image[e + 1], "entry 0: zigzag(1000) = 2000 = LEB128 0xD0 0x0F");
        assertEquals(0x0F, image[e + 2]);
        assertEquals(Double.doubleToRawLongBits(-0.0), b.getLong(e + 3));
        assertEquals(0, image[e + 11], "entry 1: series delta 0");
        assertEquals(2, image[e + 12], "entry 1: timestamp delta +1, zigzag 2");
        assertEquals(42.0, b.getDouble(e + 13));
        assertEquals(CompactRecord.ENTRIES_OFFSET + 11 + 10, b2.bodyLength);
        // The interleaved commit: a@5000, b@2000, a@6000, b@3000, deltas from (a, 5000).
        Frames.Frame mixed = frames.get(5);
        long[][] entries = Frames.compactEntries(b, mixed.offset + 8, mixed.bodyLength);
        assertArrayEquals(new long[] {refA, refB, refA, refB}, entries[0]);
        assertArrayEquals(new long[] {5000, 2000, 6000, 3000}, entries[1]);
        int m = mixed.offset + 8 + CompactRecord.ENTRIES_OFFSET;
        assertEquals(0, image[m], "entry 0: local id 0");
        int e1 = m + 1 + 2 + 8; // local id 0 takes 1 byte, zigzag(5000) = 10000 takes 2
        assertEquals(2, image[e1], "entry 1: series delta +1, zigzag 2");
        // timestamp delta -3000: zigzag 5999 = 0x176F, LEB128 0xEF 0x2E
        assertEquals((byte) 0xEF, image[e1 + 1]);
        assertEquals((byte) 0x2E, image[e1 + 2]);
        for (int i = frames.get(5).end(); i < image.length; i++) {
            assertEquals(0, image[i], "unused space is zero");
        }
        assertTheGoldenSegmentReplays(4);
    }

    @Test
    void theEngineReplaysTheVersion2GoldenDirectory() throws Exception {
        Path dir = tmp.resolve("golden2");
        TestDirs.copyTree(golden(2), dir);
        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).build())) {
            assertEquals(10, db.replayReport().samples());
            StringBuilder sb = new StringBuilder();
            db.read(db.find(A), Long.MIN_VALUE, Long.MAX_VALUE, (t, v) -> sb.append(t).append('=').append(v).append(' '));
            assertEquals("1000=1.5 2000=NaN 3000=Infinity 4000=-1.0E300 5000=5.0 6000=7.0 ", sb.toString());
            StringBuilder sbB = new StringBuilder();
            db.read(db.find(B), 1001, 2999, (t, v) -> sbB.append(t).append('=').append(v).append(' '));
            assertEquals("1001=42.0 2000=6.0 ", sbB.toString(), "a range read cuts inside runs and entries");
            assertEquals(4, db.sampleCount(db.find(B)));
        }
    }

    @Test
    void theGoldenSegmentDecodesFieldByField() throws Exception {
        byte[] image = Files.readAllBytes(golden().resolve(SEGMENT));
        assertEquals(4096, image.length);
        UnsafeBuffer b = Frames.wrap(image);
        assertEquals("SLUICEWL", new String(image, 0, 8, StandardCharsets.US_ASCII));
        assertEquals(1, b.getInt(SegmentDescriptor.VERSION_OFFSET));
        assertEquals(0, b.getInt(SegmentDescriptor.SHARD_OFFSET));
        assertEquals(1, b.getInt(SegmentDescriptor.SHARD_COUNT_OFFSET));
        assertEquals(64, b.getInt(SegmentDescriptor.HEADER_LENGTH_OFFSET));
        assertEquals(0, b.getLong(SegmentDescriptor.BASE_POSITION_OFFSET));
        assertEquals(4096, b.getLong(SegmentDescriptor.SEGMENT_SIZE_OFFSET));

        List<Frames.Frame> frames = Frames.frames(image);
        List<String> types = recordTypes(frames);
        assertEquals(List.of("SERIES", "SAMPLES", "SERIES", "SAMPLES", "SAMPLES"), types);

        Frames.Frame s0 = frames.get(0);
        assertEquals(64, s0.offset);
        assertEquals(A, SeriesRecord.labels(b, s0.offset + 8, s0.bodyLength));
        long refA = SeriesRecord.ref(b, s0.offset + 8);
        assertEquals(0, refA);

        Frames.Frame p0 = frames.get(1);
        int body = p0.offset + 8;
        assertEquals(3, SamplesRecord.count(b, body));
        assertEquals(refA, SamplesRecord.ref(b, body));
        assertEquals(1000, SamplesRecord.timestamp(b, body, 0));
        assertEquals(1.5, SamplesRecord.value(b, body, 0));
        assertEquals(Double.doubleToRawLongBits(Double.NaN),
            Double.doubleToRawLongBits(SamplesRecord.value(b, body, 1)), "NaN stored bit for bit");
        assertEquals(Double.POSITIVE_INFINITY, SamplesRecord.value(b, body, 2));

        Frames.Frame s1 = frames.get(2);
        assertEquals(B, SeriesRecord.labels(b, s1.offset + 8, s1.bodyLength));
        long refB = SeriesRecord.ref(b, s1.offset + 8);
        assertEquals(1L << 16, refB, "local id 1 in shard 0");

        Frames.Frame p1 = frames.get(3);
        assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(SamplesRecord.value(b, p1.offset + 8, 0)));
        assertEquals(42.0, SamplesRecord.value(b, p1.offset + 8, 1));
        Frames.Frame p2 = frames.get(4);
        assertEquals(refA, SamplesRecord.ref(b, p2.offset + 8));
        assertEquals(-1e300, SamplesRecord.value(b, p2.offset + 8, 0));
        for (int i = frames.get(4).end(); i < image.length; i++) {
            assertEquals(0, image[i], "unused space is zero");
        }
    }

    @Test
    void theEngineReplaysTheGoldenDirectory() throws Exception {
        Path dir = tmp.resolve("golden");
        TestDirs.copyTree(golden(), dir);
        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).build())) {
            assertEquals(6, db.replayReport().samples());
            StringBuilder sb = new StringBuilder();
            db.read(db.find(A), Long.MIN_VALUE, Long.MAX_VALUE, (t, v) -> sb.append(t).append('=').append(v).append(' '));
            assertEquals("1000=1.5 2000=NaN 3000=Infinity 4000=-1.0E300 ", sb.toString());
            assertEquals(2, db.sampleCount(db.find(B)));
        }
    }

    @Test
    void thisBuildStillWritesTheGoldenBytes() throws Exception {
        Path dir = tmp.resolve("fresh");
        writeGolden(dir);
        byte[] fresh = Files.readAllBytes(dir.resolve(SEGMENT));
        byte[] golden = Files.readAllBytes(golden(SegmentDescriptor.VERSION).resolve(SEGMENT));
        // The creation time and the header checksum that covers it differ by design.
        blank(fresh);
        blank(golden);
        assertArrayEquals(golden, fresh, "the writer's output changed: bump the format version and document it");
    }

    static final String CHECKPOINT = "checkpoint/00000000000000004096.ckpt";

    /** The golden checkpoint's series: A as ref 0, B as ref 1 of shard 0. */
    static final class GoldenSeries implements Checkpoints.SeriesBodies {
        @Override
        public int count() {
            return 2;
        }

        @Override
        public int bodyLength(int i) {
            return SeriesRecord.bodyLength(i == 0 ? A : B);
        }

        @Override
        public void write(int i, org.agrona.MutableDirectBuffer buffer, int offset) {
            SeriesRecord.write(buffer, offset, (long) i << 16, i == 0 ? A : B);
        }
    }

    /** Version 3: two samples the head had not put into forced chunks, as one MIXED record. */
    /**
     * Two samples the head had not put into forced chunks: one COMPACT record (version 4; the
     * version-3 golden holds them as a MIXED record), as the truncation writes them.
     */
    static final class GoldenSamples implements Checkpoints.Content {
        private static final long[] REFS = {0, 1L << 16};
        private static final long[] TIMESTAMPS = {7000, 7001};
        private static final long[] VALUES = {Double.doubleToRawLongBits(7.5), Double.doubleToRawLongBits(Double.NaN)};

        @Override
        public long framedBytes() {
            return FrameDescriptor.framedLength(CompactRecord.bodyLength(REFS, TIMESTAMPS, 2));
        }

        @Override
        public void write(Checkpoints.FrameWriter out) throws java.io.IOException {
            int body = out.reserve(CompactRecord.bodyLength(REFS, TIMESTAMPS, 2));
            CompactRecord.write(out.buffer(), body, REFS, TIMESTAMPS, VALUES, 2);
            out.commit();
        }
    }

    /** The head-chunk log position the golden version-3 checkpoint records as forced. */
    static final long GOLDEN_STATE = 12_345_678;

    /** Regenerates the golden checkpoint of the current version. */
    static Path writeGoldenCheckpoint(Path dir) throws Exception {
        Files.createDirectories(dir);
        return Checkpoints.write(MappedWalFileSystem.INSTANCE, dir, 0, 1, 4096, GOLDEN_STATE, new GoldenSeries(),
            new GoldenSamples());
    }

    @Test
    void theVersion2GoldenCheckpointDecodesFieldByField() throws Exception {
        byte[] image = Files.readAllBytes(golden(2).resolve(CHECKPOINT));
        assertEquals(4096, image.length, "whole pages");
        UnsafeBuffer b = Frames.wrap(image);
        assertEquals("SLUICEWL", new String(image, 0, 8, StandardCharsets.US_ASCII));
        assertEquals(2, b.getInt(SegmentDescriptor.VERSION_OFFSET), "the segment format version");
        assertEquals(4096, b.getLong(SegmentDescriptor.BASE_POSITION_OFFSET), "the log continues at 4096");
        List<Frames.Frame> frames = Frames.frames(image);
        assertEquals(3, frames.size());
        assertEquals(A, SeriesRecord.labels(b, frames.get(0).offset + 8, frames.get(0).bodyLength));
        assertEquals(B, SeriesRecord.labels(b, frames.get(1).offset + 8, frames.get(1).bodyLength));
        assertEquals(FrameDescriptor.TYPE_END, frames.get(2).type);
    }

    @Test
    void theEngineReadsAVersion2CheckpointWithoutAStateFrame() throws Exception {
        Path dir = tmp.resolve("ckpt2");
        Files.createDirectories(dir.resolve("shard-000"));
        Files.copy(golden(2).resolve(CHECKPOINT), dir.resolve("shard-000/00000000000000004096.ckpt"));
        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).build())) {
            assertEquals(1L << 16, db.find(B), "the checkpoint's series are known");
            assertEquals(0, db.sampleCount(db.find(A)));
            Appender app = db.appender();
            app.add(db.find(A), 1, 1.0);
            db.awaitDurable(app.commit());
        }
        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).build())) {
            assertEquals(1, db.sampleCount(db.find(A)));
        }
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "version {0}")
    @org.junit.jupiter.params.provider.ValueSource(ints = {3, 4})
    void theGoldenCheckpointDecodesFieldByFieldAndTheCurrentOneIsWhatThisBuildWrites(int version) throws Exception {
        byte[] image = Files.readAllBytes(golden(version).resolve(CHECKPOINT));
        assertEquals(4096, image.length, "whole pages");
        UnsafeBuffer b = Frames.wrap(image);
        assertEquals("SLUICEWL", new String(image, 0, 8, StandardCharsets.US_ASCII));
        assertEquals(version, b.getInt(SegmentDescriptor.VERSION_OFFSET));
        assertEquals(0, b.getInt(SegmentDescriptor.FLAGS_OFFSET));
        assertEquals(0, b.getInt(SegmentDescriptor.SHARD_OFFSET));
        assertEquals(1, b.getInt(SegmentDescriptor.SHARD_COUNT_OFFSET));
        assertEquals(4096, b.getLong(SegmentDescriptor.BASE_POSITION_OFFSET));
        List<Frames.Frame> frames = Frames.frames(image);
        assertEquals(5, frames.size());
        Frames.Frame state = frames.get(0);
        assertEquals(64, state.offset, "the state frame comes first");
        assertEquals(FrameDescriptor.TYPE_CHECKPOINT_STATE, state.type);
        assertEquals(FrameDescriptor.STATE_BODY_LENGTH, state.bodyLength);
        for (int i = 1; i < 8; i++) {
            assertEquals(0, image[state.offset + 8 + i], "state padding");
        }
        assertEquals(GOLDEN_STATE, b.getLong(state.offset + 8 + FrameDescriptor.STATE_VALUE_OFFSET));
        assertEquals(A, SeriesRecord.labels(b, frames.get(1).offset + 8, frames.get(1).bodyLength));
        assertEquals(0, SeriesRecord.ref(b, frames.get(1).offset + 8));
        assertEquals(B, SeriesRecord.labels(b, frames.get(2).offset + 8, frames.get(2).bodyLength));
        assertEquals(1L << 16, SeriesRecord.ref(b, frames.get(2).offset + 8));
        Frames.Frame samples = frames.get(3);
        int body = samples.offset + 8;
        if (version == 3) {
            assertEquals(RecordType.MIXED, samples.type);
            assertEquals(2, MixedRecord.count(b, body));
            assertEquals(7000, MixedRecord.timestamp(b, body, 0));
            assertEquals(7.5, MixedRecord.value(b, body, 0));
            assertEquals(1L << 16, MixedRecord.ref(b, body, 1));
            assertTrue(Double.isNaN(MixedRecord.value(b, body, 1)));
        } else {
            assertEquals(RecordType.COMPACT, samples.type);
            long[][] e = Frames.compactEntries(b, body, samples.bodyLength);
            assertArrayEquals(new long[] {0, 1L << 16}, e[0]);
            assertArrayEquals(new long[] {7000, 7001}, e[1]);
            assertEquals(7.5, Double.longBitsToDouble(e[2][0]));
            assertTrue(Double.isNaN(Double.longBitsToDouble(e[2][1])));
            // local id 0, zigzag(7000) = 14000 in 2 bytes, 8; delta +1 (zigzag 2), delta +1 (2), 8
            assertEquals(CompactRecord.ENTRIES_OFFSET + 11 + 10, samples.bodyLength);
        }
        assertEquals(FrameDescriptor.TYPE_END, frames.get(4).type);
        for (int i = frames.get(4).end(); i < image.length; i++) {
            assertEquals(0, image[i], "zeros up to the file's length");
        }
        if (version != SegmentDescriptor.VERSION) {
            return;
        }
        byte[] fresh = Files.readAllBytes(writeGoldenCheckpoint(tmp.resolve("ckpt")));
        byte[] golden = image.clone();
        blank(fresh);
        blank(golden);
        assertArrayEquals(golden, fresh, "the checkpoint writer's output changed: bump the format version");
    }

    private static void blank(byte[] image) {
        for (int i = SegmentDescriptor.CREATED_MILLIS_OFFSET; i < SegmentDescriptor.CREATED_MILLIS_OFFSET + 8; i++) {
            image[i] = 0;
        }
        for (int i = SegmentDescriptor.HEADER_CRC_OFFSET; i < SegmentDescriptor.HEADER_CRC_OFFSET + 4; i++) {
            image[i] = 0;
        }
    }
}
