package io.sluice.engine;

import io.sluice.index.LabelsHasher;
import io.sluice.index.SeriesRegistry;
import io.sluice.record.RecordType;
import io.sluice.head.HeadChunkLog;
import io.sluice.head.ShardHead;
import io.sluice.testing.Frames;
import io.sluice.testing.TestDirs;
import io.sluice.wal.FrameDescriptor;
import io.sluice.wal.MappedWalFileSystem;
import io.sluice.wal.SegmentDescriptor;
import io.sluice.wal.ShardLogReader;
import io.sluice.wal.WalCorruptionException;
import io.sluice.wal.WalSegment;
import io.sluice.wal.WalSegments;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Feeds replay random and mutated segments (seeded; the seed is printed): it must finish (no hang)
 * and either replay or throw {@link WalCorruptionException}, with and without repair, and never
 * anything else. Mutations include frames with garbage SERIES, SAMPLES and MIXED bodies under a
 * correct CRC, so the record decoders see hostile input too. After every repair, the engine's
 * content is compared with a model read independently from the repaired files: the engine holds
 * exactly the samples of the records the repaired log still contains, nothing of a record repair
 * wiped.
 */
class WalFuzzTest {
    private static final int CASES = 2000;
    private static final int SEGMENT = 4096;

    @TempDir
    Path tmp;

    @Test
    void replayOfRandomAndMutatedSegmentsEndsWithAReplayOrTheTypedException() throws Exception {
        long seed = io.sluice.testing.TestSeeds.seed("WalFuzzTest");
        Path source = tmp.resolve("source");
        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(source).shards(1).segmentSize(SEGMENT)
            .eventCapacity(128).build())) {
            Appender app = db.appender();
            for (int i = 0; i < 6; i++) {
                db.series(Labels.of("__name__", "m", "i", Integer.toString(i), "zone", "z" + i % 2));
            }
            for (long ts = 0; ts < 120; ts++) {
                // Scrape-shaped commits (MIXED records) for most of the log, runs of one series (SAMPLES) for some.
                boolean runs = ts % 40 >= 30;
                for (int i = 0; i < 6; i++) {
                    if (runs) {
                        continue;
                    }
                    app.add(Labels.of("__name__", "m", "i", Integer.toString(i), "zone", "z" + i % 2), ts, ts * i);
                }
                if (runs && ts % 40 == 39) {
                    for (int i = 0; i < 6; i++) {
                        for (long t = ts - 9; t <= ts; t++) {
                            app.add(Labels.of("__name__", "m", "i", Integer.toString(i), "zone", "z" + i % 2), t, t * i);
                        }
                    }
                }
                if (ts % 7 == 6) {
                    app.commit();
                }
            }
            db.awaitDurable(app.commit());
        }
        List<byte[]> original = new ArrayList<>();
        for (Path p : Frames.segments(TestDirs.shard(source, 0))) {
            original.add(Files.readAllBytes(p));
        }
        // Cases are small files written and mapped thousands of times: on tmpfs when there is one.
        Path shm = Path.of("/dev/shm");
        Path caseRoot = Files.isDirectory(shm) && Files.isWritable(shm) ? Files.createTempDirectory(shm, "sluice-fuzz-")
            : tmp;
        Path dir = caseRoot.resolve("case");
        Path engineDir = caseRoot.resolve("engine");
        SplittableRandom rnd = new SplittableRandom(seed);
        int[][] outcomes = new int[2][2]; // [repair][replayed, typed exception]
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            for (int c = 0; c < CASES; c++) {
                List<byte[]> images = mutate(original, rnd);
                for (boolean repair : new boolean[] {false, true}) {
                    TestDirs.deleteTree(dir);
                    Files.createDirectories(dir);
                    for (int k = 0; k < images.size(); k++) {
                        Files.write(dir.resolve(SegmentDescriptor.fileName((long) k * SEGMENT)), images.get(k));
                    }
                    outcomes[repair ? 1 : 0][replay(dir, repair, seed, c)]++;
                }
                if (c % 10 == 0) { // the engine-level model check costs an open: every tenth case
                    checkRepairAgainstModel(images, engineDir, seed, c);
                }
            }
        }, "replay hung (seed " + seed + ")");
        TestDirs.deleteTree(caseRoot == tmp ? dir : caseRoot);
        TestDirs.deleteTree(engineDir);
        System.out.println("WalFuzzTest: " + CASES + " cases; without repair " + outcomes[0][0] + " replayed, "
            + outcomes[0][1] + " typed corruption errors; with repair " + outcomes[1][0] + " replayed, " + outcomes[1][1]
            + " typed corruption errors");
        org.junit.jupiter.api.Assertions.assertEquals(0, outcomes[1][1],
            "repair cuts at the first corruption instead of failing (seed " + seed + ")");
    }

    /**
     * 0 if replay succeeded, 1 on WalCorruptionException; fails the test on anything else. After a
     * replay with repair, the store must hold exactly the samples of the records the repaired files
     * still contain (read back by the independent test reader).
     */
    private static int replay(Path dir, boolean repair, long seed, int c) {
        SeriesRegistry registry = new SeriesRegistry(1, LabelsHasher.DEFAULT, l -> 0);
        WalSegments segments = new WalSegments();
        ShardHead head = new ShardHead(0, 7_200_000);
        try {
            Path headDir = dir.resolve("head");
            TestDirs.deleteTree(headDir);
            ShardRecovery recovery = new ShardRecovery(0, registry, head, new io.sluice.index.PostingsShard());
            head.chunkLog(HeadChunkLog.open(MappedWalFileSystem.INSTANCE, headDir, 0, 1, 1 << 16, null, 0, repair,
                recovery.chunkVisitor()));
            ShardLogReader.replay(MappedWalFileSystem.INSTANCE, dir, 0, 1, recovery, repair, segments);
            recovery.finish(repair);
            if (repair) {
                java.util.Map<Long, List<String>> held = new java.util.TreeMap<>();
                ShardHead.ReadScratch scratch = new ShardHead.ReadScratch();
                for (int id = 0; id < registry.idLimit(0); id++) {
                    List<String> samples = new ArrayList<>();
                    head.read(id, Long.MIN_VALUE, Long.MAX_VALUE,
                        (ts, v) -> samples.add(ts + "=" + Long.toHexString(Double.doubleToRawLongBits(v))), scratch);
                    if (!samples.isEmpty()) {
                        held.put(SeriesRef.of(0, id), samples);
                    }
                }
                java.util.Map<Long, List<String>> model = new java.util.TreeMap<>();
                for (Path p : Frames.segments(dir)) {
                    Frames.samples(Files.readAllBytes(p), (ref, ts, bits) -> model.computeIfAbsent(ref,
                        r -> new ArrayList<>()).add(ts + "=" + Long.toHexString(bits)));
                }
                if (!model.equals(held)) {
                    fail("case " + c + " (seed " + seed + "): the head does not hold exactly the samples of the"
                        + " repaired log: " + firstDifference(model, held));
                }
            }
            return 0;
        } catch (WalCorruptionException e) {
            return 1;
        } catch (Throwable t) {
            if (t instanceof AssertionError) {
                throw (AssertionError) t;
            }
            AssertionError e = new AssertionError("case " + c + " (seed " + seed + ", repair " + repair
                + ") threw " + t, t);
            fail(e);
            throw e;
        } finally {
            for (WalSegment s : segments.snapshot()) {
                s.mapping().close();
            }
            head.close();
        }
    }

    /**
     * Opens the case with repair through the engine, then compares every series' samples with the
     * records the repaired files hold, parsed by the independent test reader.
     */
    private static void checkRepairAgainstModel(List<byte[]> images, Path root, long seed, int c) throws Exception {
        TestDirs.deleteTree(root);
        Path shard = TestDirs.shard(root, 0);
        Files.createDirectories(shard);
        for (int k = 0; k < images.size(); k++) {
            Files.write(shard.resolve(SegmentDescriptor.fileName((long) k * SEGMENT)), images.get(k));
        }
        java.util.Map<Long, List<String>> engine = new java.util.TreeMap<>();
        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(root).shards(1).segmentSize(SEGMENT)
            .eventCapacity(128).repair(true).build())) {
            db.forEachSeries(ref -> {
                List<String> samples = new ArrayList<>();
                db.read(ref, Long.MIN_VALUE, Long.MAX_VALUE,
                    (ts, v) -> samples.add(ts + "=" + Long.toHexString(Double.doubleToRawLongBits(v))));
                if (!samples.isEmpty()) {
                    engine.put(ref, samples);
                }
            });
        } catch (WalCorruptionException e) {
            fail("case " + c + " (seed " + seed + "): repair failed with " + e);
        } catch (java.io.IOException e) {
            return; // e.g. the shard's files do not form a directory layout the engine opens; replay() covers it
        }
        java.util.Map<Long, List<String>> model = new java.util.TreeMap<>();
        for (Path p : Frames.segments(shard)) {
            Frames.samples(Files.readAllBytes(p), (ref, ts, bits) -> model.computeIfAbsent(ref, r -> new ArrayList<>())
                .add(ts + "=" + Long.toHexString(bits)));
        }
        if (!model.equals(engine)) {
            fail("case " + c + " (seed " + seed + "): the engine does not hold exactly the samples of the repaired log: "
                + firstDifference(model, engine));
        }
    }

    private static String firstDifference(java.util.Map<Long, List<String>> model, java.util.Map<Long, List<String>> engine) {
        java.util.Set<Long> refs = new java.util.TreeSet<>(model.keySet());
        refs.addAll(engine.keySet());
        for (long ref : refs) {
            List<String> m = model.getOrDefault(ref, List.of());
            List<String> e = engine.getOrDefault(ref, List.of());
            for (int i = 0; i < Math.max(m.size(), e.size()); i++) {
                String mi = i < m.size() ? m.get(i) : "(none)";
                String ei = i < e.size() ? e.get(i) : "(none)";
                if (!mi.equals(ei)) {
                    return "series " + ref + ", sample " + i + ": log has " + mi + ", engine has " + ei + " (log "
                        + m.size() + " samples, engine " + e.size() + ")";
                }
            }
        }
        return "(none)";
    }

    private static List<byte[]> mutate(List<byte[]> original, SplittableRandom rnd) {
        List<byte[]> images = new ArrayList<>();
        for (byte[] b : original) {
            images.add(b.clone());
        }
        int mutations = 1 + rnd.nextInt(3);
        for (int m = 0; m < mutations; m++) {
            int k = rnd.nextInt(images.size());
            byte[] img = images.get(k);
            if (img.length < 128) { // cut short by an earlier mutation: nothing to aim at, so make it random
                byte[] r = new byte[rnd.nextInt(SEGMENT * 2)];
                rnd.nextBytes(r);
                images.set(k, r);
                continue;
            }
            switch (rnd.nextInt(9)) {
                case 0: // a segment of random bytes
                    rnd.nextBytes(img);
                    break;
                case 1: // random bytes after a valid header
                    for (int i = SegmentDescriptor.HEADER_LENGTH; i < img.length; i++) {
                        img[i] = (byte) rnd.nextInt(256);
                    }
                    break;
                case 2: { // a few flipped bytes anywhere
                    int n = 1 + rnd.nextInt(8);
                    for (int i = 0; i < n; i++) {
                        img[rnd.nextInt(img.length)] ^= (byte) (1 + rnd.nextInt(255));
                    }
                    break;
                }
                case 3: { // truncated at a random length
                    images.set(k, java.util.Arrays.copyOf(img, rnd.nextInt(img.length)));
                    break;
                }
                case 4: { // a zeroed range
                    int from = rnd.nextInt(img.length);
                    java.util.Arrays.fill(img, from, Math.min(img.length, from + 1 + rnd.nextInt(2048)), (byte) 0);
                    break;
                }
                case 5: { // a random length field on a frame boundary
                    int at = SegmentDescriptor.HEADER_LENGTH + 8 * rnd.nextInt((img.length - 64) / 8);
                    ByteBuffer.wrap(img).order(ByteOrder.LITTLE_ENDIAN).putInt(at, rnd.nextInt());
                    break;
                }
                case 6: // a frame with a garbage body under a correct CRC
                    garbageFrame(img, rnd);
                    break;
                case 7: // a segment missing, or an extra copy of one
                    if (rnd.nextBoolean() && images.size() > 1) {
                        images.remove(k);
                    } else {
                        images.add(k, img.clone());
                    }
                    break;
                default: // an entirely random file of random size
                    byte[] r = new byte[rnd.nextInt(SEGMENT * 2)];
                    rnd.nextBytes(r);
                    images.set(k, r);
                    break;
            }
        }
        return images;
    }

    /** Overwrites a frame (or writes one after the last) with a random body of a known type and its CRC. */
    private static void garbageFrame(byte[] img, SplittableRandom rnd) {
        List<Frames.Frame> frames = Frames.frames(img);
        int at = frames.isEmpty() || rnd.nextBoolean() ? (frames.isEmpty() ? SegmentDescriptor.HEADER_LENGTH
            : frames.get(frames.size() - 1).end()) : frames.get(rnd.nextInt(frames.size())).offset;
        int room = img.length - at - FrameDescriptor.HEADER_LENGTH;
        if (room < 2) {
            return;
        }
        byte type = new byte[] {RecordType.SERIES, RecordType.SAMPLES, RecordType.MIXED, RecordType.COMPACT}[rnd.nextInt(4)];
        int len;
        byte[] body;
        if (type == RecordType.COMPACT && rnd.nextBoolean()) {
            // A plausible COMPACT body: real or random base ref, small or random deltas, sometimes
            // a varint or a length cut short, so decoding and replay's content checks both decide.
            int n = 1 + rnd.nextInt(4);
            org.agrona.concurrent.UnsafeBuffer u = new org.agrona.concurrent.UnsafeBuffer(
                new byte[io.sluice.record.CompactRecord.maxBodyLength(n)]);
            int p = io.sluice.record.CompactRecord.ENTRIES_OFFSET;
            int id = rnd.nextInt(4) == 0 ? rnd.nextInt() : rnd.nextInt(8);
            p = io.sluice.record.CompactRecord.writeFirstEntry(u, p, id, rnd.nextInt(300), rnd.nextLong());
            for (int i = 1; i < n; i++) {
                long dId = rnd.nextInt(4) == 0 ? rnd.nextLong() : rnd.nextInt(9) - 4;
                long dTs = rnd.nextInt(4) == 0 ? rnd.nextLong() : rnd.nextInt(300) - 100;
                p = io.sluice.record.CompactRecord.writeEntry(u, p, dId, dTs, rnd.nextLong());
            }
            io.sluice.record.CompactRecord.writeHeader(u, 0, n);
            len = rnd.nextInt(5) == 0 ? Math.max(1, p - 1 - rnd.nextInt(3)) : p;
            if (len > room) {
                return;
            }
            body = new byte[len];
            u.getBytes(0, body, 0, len);
        } else if (type != RecordType.SERIES && type != RecordType.COMPACT && rnd.nextBoolean()) {
            // A plausible SAMPLES or MIXED body: the right length for its count, refs of real series
            // (or not), timestamps near the real ones, so replay's content checks are what decide.
            int n = 1 + rnd.nextInt(4);
            len = type == RecordType.MIXED ? 8 + 24 * n : 16 + 16 * n;
            if (len > room) {
                return;
            }
            body = new byte[len];
            ByteBuffer b = ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN);
            b.putInt(4, n);
            long ref = rnd.nextInt(4) == 0 ? rnd.nextLong() : ((long) rnd.nextInt(8) << 16);
            if (type == RecordType.SAMPLES) {
                b.putLong(8, ref);
                for (int i = 0; i < n; i++) {
                    b.putLong(16 + 16 * i, rnd.nextInt(300));
                    b.putLong(24 + 16 * i, rnd.nextLong());
                }
            } else {
                for (int i = 0; i < n; i++) {
                    b.putLong(8 + 24 * i, rnd.nextBoolean() ? ref : ((long) rnd.nextInt(8) << 16));
                    b.putLong(16 + 24 * i, rnd.nextInt(300));
                    b.putLong(24 + 24 * i, rnd.nextLong());
                }
            }
        } else {
            len = 1 + rnd.nextInt(Math.min(room, 300));
            body = new byte[len];
            rnd.nextBytes(body);
            if (len >= 4 && rnd.nextBoolean()) {
                body[2] = (byte) rnd.nextInt(4); // small label or sample counts, so decoders get further
                body[3] = 0;
            }
        }
        body[0] = type;
        int crc = new io.sluice.wal.FrameCrc().forFile(Frames.wrap(img)).of(body, 0, len);
        ByteBuffer b = ByteBuffer.wrap(img).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(at + FrameDescriptor.CRC_OFFSET, crc);
        System.arraycopy(body, 0, img, at + FrameDescriptor.BODY_OFFSET, len);
        b.putInt(at + FrameDescriptor.LENGTH_OFFSET, len);
    }
}
