package io.sluice.wal;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Recycled segments (docs/format/wal.md, "Recycled segments"): a segment truncation retired becomes
 * a later segment with its old bytes in place, and replay must never read one of those old bytes as
 * a frame of the new life, whether the new frames end exactly on an old frame's boundary (where an
 * intact old frame follows, valid but for the base position its checksum covers) or in the middle
 * of one.
 */
class SegmentRecyclingTest {
    private static final WalFileSystem FS = MappedWalFileSystem.INSTANCE;
    private static final long SIZE = 16 * 1024;
    /** Body length of the frames written: framed, 112 bytes, so 145 fit in a segment. */
    private static final int BODY = 100;

    @TempDir
    Path dir;

    private ReplayOutcome replay(ShardWalTest.Collect into) throws IOException {
        return ShardLogReader.replay(FS, dir, 0, 1, into, false, new WalSegments());
    }

    private ShardWal open(ShardWalTest.Collect into) throws IOException {
        return ShardWal.resume(FS, dir, 0, 1, SIZE, false, replay(into));
    }

    private static int flags(Path segment) throws IOException {
        byte[] header = new byte[SegmentDescriptor.HEADER_LENGTH];
        try (var ch = Files.newByteChannel(segment, StandardOpenOption.READ)) {
            ch.read(ByteBuffer.wrap(header));
        }
        return ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN).getInt(SegmentDescriptor.FLAGS_OFFSET);
    }

    /**
     * Fills segments 0 and 1 with 100-byte frames, retires segment 0 into the spare pool, and writes
     * on until the log rolls into the recycled file (its first frame is of 100 bytes): {@code
     * firstBody} is the length of the next frame (100 puts every later frame on an old frame's
     * boundary, 52 puts them 48 bytes off), then {@code more} frames of 100 bytes.
     *
     * @return every body written to the segments still in the log, in order
     */
    private List<byte[]> writeIntoARecycledSegment(int firstBody, int more, byte[][] oldImage) throws IOException {
        List<byte[]> kept = new ArrayList<>();
        int n = 0;
        try (ShardWal wal = open(new ShardWalTest.Collect())) {
            while (wal.sealedCount() < 2) {
                byte[] b = ShardWalTest.body(n++, BODY);
                ShardWalTest.append(wal, b);
                if (wal.position() > SIZE) {
                    kept.add(b); // in segment 1 or 2: still in the log after segment 0 goes
                }
            }
            WalSegment gone = wal.detachOldest(1)[0];
            oldImage[0] = Files.readAllBytes(gone.path());
            gone.mapping().close();
            wal.spares().retire(FS, gone);
            assertEquals(1, wal.spares().count());
            while (wal.sealedCount() < 2) { // fill segment 2; the next roll recycles segment 0's file
                byte[] b = ShardWalTest.body(n++, BODY);
                ShardWalTest.append(wal, b);
                kept.add(b);
            }
            // The last append rolled into the recycled file: it is that file's first frame.
            byte[] first = ShardWalTest.body(n++, firstBody);
            ShardWalTest.append(wal, first);
            kept.add(first);
            for (int i = 0; i < more; i++) {
                byte[] b = ShardWalTest.body(n++, BODY);
                ShardWalTest.append(wal, b);
                kept.add(b);
            }
            assertEquals(0, wal.spares().count(), "the spare was recycled");
        }
        return kept;
    }

    @ParameterizedTest(name = "second frame of {0} bytes")
    @ValueSource(ints = {BODY, 52})
    void aRecycledSegmentReplaysOnlyTheFramesOfItsNewLife(int secondBody) throws IOException {
        byte[][] old = new byte[1][];
        List<byte[]> written = writeIntoARecycledSegment(secondBody, 9, old);
        Path recycled = dir.resolve(SegmentDescriptor.fileName(3 * SIZE));
        assertEquals(SegmentDescriptor.FLAG_RECYCLED, flags(recycled));
        byte[] image = Files.readAllBytes(recycled);
        int end = SegmentDescriptor.HEADER_LENGTH + 112 + FrameDescriptor.framedLength(secondBody) + 9 * 112;
        int nonZero = countNonZero(image, end);
        assertTrue(nonZero > image.length / 2, "the old life stays in place after the new frames: " + nonZero);
        if (secondBody == BODY) { // the new frames end on an old frame's boundary: the worst case
            ByteBuffer le = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
            FrameCrc oldLife = new FrameCrc().forFile(SegmentDescriptor.VERSION, 0);
            FrameCrc newLife = new FrameCrc().forFile(SegmentDescriptor.VERSION, 3 * SIZE);
            int checked = 0;
            for (int off = end; off + 112 + FrameDescriptor.END_FRAME_LENGTH <= image.length; off += 112) {
                // Each old frame is intact and valid in its old life; only the base position its
                // checksum covers tells replay it is not a frame of this one.
                assertEquals(BODY, le.getInt(off), "old frame at " + off);
                int stored = le.getInt(off + FrameDescriptor.CRC_OFFSET);
                assertEquals(stored, oldLife.of(image, off + 8, BODY), "valid under the old base, at " + off);
                assertNotEquals(stored, newLife.of(image, off + 8, BODY), "invalid under the new base, at " + off);
                checked++;
            }
            assertEquals(145 - 11, checked, "every old frame after the new ones");
        }
        ShardWalTest.Collect replayed = new ShardWalTest.Collect();
        ReplayOutcome o = replay(replayed);
        o.segments().closeAll();
        assertEquals(written.size(), replayed.bodies.size(), "exactly the frames of segments 1, 2 and the new life");
        for (int i = 0; i < written.size(); i++) {
            assertArrayEquals(written.get(i), replayed.bodies.get(i), "frame " + i);
        }
        assertEquals(end, o.resumeOffset(), "appending resumes after the last new frame");
        assertEquals(0, o.truncatedBytes(), "the old life is not a torn tail");
        assertEquals(nonZero, countNonZero(Files.readAllBytes(recycled), end), "replay left the old bytes alone");
    }

    private static int countNonZero(byte[] image, int from) {
        int n = 0;
        for (int i = from; i < image.length; i++) {
            n += image[i] != 0 ? 1 : 0;
        }
        return n;
    }

    @Test
    void aRecycledSegmentPreparedAheadOfTheUnsealedLastOneIsNotCorruption() throws IOException {
        byte[][] old = new byte[1][];
        List<byte[]> written = writeIntoARecycledSegment(BODY, 9, old);
        // The preparer recycles the next segment while the current one fills; a crash before the roll
        // leaves it behind, full of its old life and without one frame of the new.
        Path spare = dir.resolve(SpareSegments.fileName(0));
        Files.write(spare, old[0]);
        WalSegment next = SegmentFiles.recycle(FS, dir, spare, 0, 1, 4 * SIZE, SIZE, true, false);
        next.mapping().close();
        assertFalse(Files.exists(spare));
        ShardWalTest.Collect replayed = new ShardWalTest.Collect();
        replay(replayed).segments().closeAll();
        assertEquals(written.size(), replayed.bodies.size());
        assertFalse(Files.exists(dir.resolve(SegmentDescriptor.fileName(4 * SIZE))), "the unused segment is deleted");
    }

    /**
     * Recycling forces the spare's header and nothing else when the segment need not be durable: the
     * rest of the spare may hold its previous life's pages unwritten (durability none), and writing
     * them back would be a segment's worth of disk writes for bytes no one reads. A segment that must
     * be durable (durability batch or interval) is forced whole after its pages are faulted in, as
     * before.
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void recyclingForcesOnlyTheHeaderUnlessTheSegmentMustBeDurable(boolean durable) throws IOException {
        var fs = new io.sluice.testing.FaultyFileSystem();
        Path spare = dir.resolve(SpareSegments.fileName(0));
        Files.write(spare, new byte[(int) SIZE]);
        WalSegment next = SegmentFiles.recycle(fs, dir, spare, 0, 1, 4 * SIZE, SIZE, true, durable);
        try {
            assertEquals(1, fs.rangedForces.size(), "one ranged force");
            var ranged = fs.rangedForces.peek();
            assertEquals(0, ranged.from());
            assertEquals(SegmentDescriptor.HEADER_LENGTH, ranged.to(), "the header's bytes");
            assertEquals(durable ? 1 : 0, fs.forces.get(), "whole-file forces");
            assertEquals(SegmentDescriptor.FLAG_RECYCLED, flags(next.path()) & SegmentDescriptor.FLAG_RECYCLED);
        } finally {
            next.mapping().close();
        }
    }

    /**
     * A new segment (no spare) is forced whole before it is named: its zeros are what make its blocks
     * written, which is the point of preparing it.
     */
    @Test
    void aNewSegmentIsForcedWhole() throws IOException {
        var fs = new io.sluice.testing.FaultyFileSystem();
        WalSegment created = SegmentFiles.create(fs, dir, 0, 1, 0, SIZE, true, false);
        created.mapping().close();
        assertEquals(0, fs.rangedForces.size());
        assertEquals(1, fs.forces.get());
    }

    @Test
    void aSpareOfAnotherSizeIsDeletedNotRecycled() throws IOException {
        Files.write(dir.resolve(SpareSegments.fileName(0)), new byte[4096]);
        Files.write(dir.resolve("not-a-spare.free"), new byte[(int) SIZE]);
        SpareSegments pool = SpareSegments.scan(FS, dir, SIZE, 2);
        assertEquals(0, pool.count());
        assertNull(pool.take());
        assertFalse(Files.exists(dir.resolve(SpareSegments.fileName(0))));
    }

    @Test
    void thePoolKeepsAsManySparesAsOneTruncationRetires() throws IOException {
        for (int i = 0; i < 4; i++) {
            Files.write(dir.resolve(SpareSegments.fileName(i * SIZE)), new byte[(int) SIZE]);
        }
        SpareSegments pool = SpareSegments.scan(FS, dir, SIZE, 3);
        assertEquals(3, pool.capacity());
        assertEquals(3, pool.count(), "three kept");
        long left;
        try (var files = Files.list(dir)) {
            left = files.count();
        }
        assertEquals(3, left, "the fourth deleted");
        assertEquals(SpareSegments.MIN_CAPACITY, SpareSegments.scan(FS, dir, SIZE, 1).capacity(),
            "never fewer than two");
    }
}
