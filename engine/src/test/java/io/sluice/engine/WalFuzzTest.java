package io.sluice.engine;

import io.sluice.index.LabelsHasher;
import io.sluice.index.SeriesRegistry;
import io.sluice.record.RecordType;
import io.sluice.store.ShardStore;
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
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Feeds replay random and mutated segments (seeded; the seed is printed): it must finish (no hang)
 * and either replay or throw {@link WalCorruptionException}, with and without repair, and never
 * anything else. Mutations include frames with garbage bodies under a correct CRC, so the record
 * decoders see hostile input too.
 */
class WalFuzzTest {
    private static final int CASES = 2000;
    private static final int SEGMENT = 4096;

    @TempDir
    Path tmp;

    @Test
    void replayOfRandomAndMutatedSegmentsEndsWithAReplayOrTheTypedException() throws Exception {
        long seed = Long.getLong("sluice.fuzz.seed", System.nanoTime());
        System.out.println("WalFuzzTest seed " + seed + " (rerun with -Dsluice.fuzz.seed=" + seed + ")");
        Path source = tmp.resolve("source");
        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(source).shards(1).segmentSize(SEGMENT).build())) {
            Appender app = db.appender();
            for (int i = 0; i < 6; i++) {
                db.series(Labels.of("__name__", "m", "i", Integer.toString(i), "zone", "z" + i % 2));
            }
            for (long ts = 0; ts < 120; ts++) {
                for (int i = 0; i < 6; i++) {
                    app.add(Labels.of("__name__", "m", "i", Integer.toString(i), "zone", "z" + i % 2), ts, ts * i);
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
            }
        }, "replay hung (seed " + seed + ")");
        TestDirs.deleteTree(caseRoot == tmp ? dir : caseRoot);
        System.out.println("WalFuzzTest: " + CASES + " cases; without repair " + outcomes[0][0] + " replayed, "
            + outcomes[0][1] + " typed corruption errors; with repair " + outcomes[1][0] + " replayed, " + outcomes[1][1]
            + " typed corruption errors");
        org.junit.jupiter.api.Assertions.assertEquals(0, outcomes[1][1],
            "repair cuts at the first corruption instead of failing (seed " + seed + ")");
    }

    /** 0 if replay succeeded, 1 on WalCorruptionException; fails the test on anything else. */
    private static int replay(Path dir, boolean repair, long seed, int c) {
        SeriesRegistry registry = new SeriesRegistry(1, LabelsHasher.DEFAULT, l -> 0);
        WalSegments segments = new WalSegments();
        ShardStore store = new ShardStore(0, segments);
        try {
            ShardLogReader.replay(MappedWalFileSystem.INSTANCE, dir, 0, 1, new ShardRecovery(0, registry, store, new io.sluice.index.PostingsShard()), repair,
                segments);
            return 0;
        } catch (WalCorruptionException e) {
            return 1;
        } catch (Throwable t) {
            AssertionError e = new AssertionError("case " + c + " (seed " + seed + ", repair " + repair
                + ") threw " + t, t);
            fail(e);
            throw e;
        } finally {
            for (WalSegment s : segments.snapshot()) {
                s.mapping().close();
            }
        }
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
        int len = 1 + rnd.nextInt(Math.min(room, 300));
        byte[] body = new byte[len];
        rnd.nextBytes(body);
        body[0] = rnd.nextBoolean() ? RecordType.SERIES : RecordType.SAMPLES;
        if (len >= 4 && rnd.nextBoolean()) {
            body[2] = (byte) rnd.nextInt(4); // small label or sample counts, so decoders get further
            body[3] = 0;
        }
        CRC32C crc = new CRC32C();
        crc.update(body);
        ByteBuffer b = ByteBuffer.wrap(img).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(at + FrameDescriptor.CRC_OFFSET, (int) crc.getValue());
        System.arraycopy(body, 0, img, at + FrameDescriptor.BODY_OFFSET, len);
        b.putInt(at + FrameDescriptor.LENGTH_OFFSET, len);
    }
}
