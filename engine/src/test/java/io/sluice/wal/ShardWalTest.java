package io.sluice.wal;

import io.sluice.testing.Frames;
import org.agrona.DirectBuffer;
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
import java.util.Map;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Framing, checksums, rollover and header checks, below the engine. */
class ShardWalTest {
    private static final byte TYPE = 7;
    private static final WalFileSystem FS = MappedWalFileSystem.INSTANCE;

    @TempDir
    Path dir;

    /** Collects the bodies it is given. */
    static final class Collect implements FrameVisitor {
        final List<byte[]> bodies = new ArrayList<>();
        final List<Long> positions = new ArrayList<>();

        @Override
        public void onFrame(byte type, DirectBuffer buffer, int body, int length, WalSegment segment, int frameOffset) {
            byte[] b = new byte[length];
            buffer.getBytes(body, b);
            bodies.add(b);
            positions.add(segment.basePosition() + frameOffset);
        }

        @Override
        public boolean plausible(byte type, DirectBuffer buffer, int body, int length) {
            return type == TYPE;
        }
    }

    static byte[] body(int i, int length) {
        byte[] b = new byte[length];
        b[0] = TYPE;
        for (int k = 1; k < length; k++) {
            b[k] = (byte) (i * 31 + k);
        }
        return b;
    }

    static long append(ShardWal wal, byte[] body) throws IOException {
        int frame = wal.reserve(body.length);
        wal.buffer().putBytes(frame + FrameDescriptor.BODY_OFFSET, body);
        return wal.commit(frame, body.length);
    }

    private ShardWal open(Collect visitor, long segmentSize) throws IOException {
        ReplayOutcome o = ShardLogReader.replay(FS, dir, 0, 1, visitor, false, new WalSegments());
        return ShardWal.resume(FS, dir, 0, 1, segmentSize, false, o);
    }

    @Test
    void aPrefaultedSegmentIsAllZeroAfterItsHeaderAndReplaysAsEmpty() throws IOException {
        long size = 3 * Courtesy.STEP_BYTES + 3 * SegmentFiles.PAGE; // a partial last chunk
        WalSegment seg = SegmentFiles.create(FS, dir, 0, 1, 0, size, true, false);
        seg.mapping().close();
        byte[] file = Files.readAllBytes(dir.resolve(SegmentDescriptor.fileName(0)));
        assertEquals(size, file.length);
        assertTrue(file[0] == 'S' && file[1] == 'L', "the header survives the pre-fault writes");
        for (int i = SegmentDescriptor.HEADER_LENGTH; i < file.length; i++) {
            if (file[i] != 0) {
                throw new AssertionError("byte " + i + " is " + file[i] + " after pre-faulting");
            }
        }
        Collect c = new Collect();
        try (ShardWal wal = open(c, size)) {
            assertEquals(0, c.bodies.size());
            append(wal, body(1, 10)); // and the writer appends at the start of the body area
        }
        Collect again = new Collect();
        try (ShardWal wal = open(again, size)) {
            assertEquals(1, again.bodies.size());
        }
    }

    @Test
    void framesRoundTripWithLengthChecksumAndPadding() throws IOException {
        List<byte[]> written = new ArrayList<>();
        try (ShardWal wal = open(new Collect(), 64 * 1024)) {
            for (int i = 0; i < 50; i++) {
                byte[] b = body(i, 1 + i * 7);
                written.add(b);
                long pos = append(wal, b);
                assertEquals(0, pos % FrameDescriptor.ALIGNMENT, "frames start 8-byte aligned");
            }
        }
        Path seg = dir.resolve(SegmentDescriptor.fileName(0));
        byte[] image = Files.readAllBytes(seg);
        List<Frames.Frame> frames = Frames.frames(image);
        assertEquals(50, frames.size());
        ByteBuffer bb = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 50; i++) {
            Frames.Frame f = frames.get(i);
            assertEquals(written.get(i).length, f.bodyLength);
            CRC32C crc = new CRC32C();
            crc.update(image, 24, 8); // version 4: the segment's base position, then the body
            crc.update(image, f.offset + 8, f.bodyLength);
            assertEquals((int) crc.getValue(), bb.getInt(f.offset + 4), "CRC32C of base and body follows the length");
            for (int p = f.offset + 8 + f.bodyLength; p < f.end(); p++) {
                assertEquals(0, image[p], "padding is zero");
            }
        }
        Collect again = new Collect();
        try (ShardWal wal = open(again, 64 * 1024)) {
            assertEquals(50, again.bodies.size());
            for (int i = 0; i < 50; i++) {
                assertArrayEquals(written.get(i), again.bodies.get(i));
            }
        }
    }

    @Test
    void rollsOverToSegmentsNamedByBasePositionAndSealsEach() throws IOException {
        long segmentSize = 4096;
        int n = 200;
        try (ShardWal wal = open(new Collect(), segmentSize)) {
            for (int i = 0; i < n; i++) {
                append(wal, body(i, 100));
            }
            assertTrue(wal.rolls() >= 5, "rolled " + wal.rolls());
        }
        Map<Long, Path> files = ShardLogReader.segmentFiles(FS, dir);
        long expectedBase = 0;
        for (Map.Entry<Long, Path> e : files.entrySet()) {
            assertEquals(expectedBase, e.getKey(), "each segment starts where the previous ended");
            assertEquals(String.format("%020d.wal", expectedBase), e.getValue().getFileName().toString());
            assertEquals(segmentSize, Files.size(e.getValue()), "segments are preallocated to full size");
            expectedBase += segmentSize;
        }
        List<Path> all = new ArrayList<>(files.values());
        for (int i = 0; i < all.size() - 1; i++) {
            List<Frames.Frame> frames = Frames.frames(all.get(i));
            assertEquals(FrameDescriptor.TYPE_END, frames.get(frames.size() - 1).type, "sealed: " + all.get(i));
        }
        Collect again = new Collect();
        try (ShardWal wal = open(again, segmentSize)) {
            assertEquals(n, again.bodies.size());
            for (int i = 0; i < n; i++) {
                assertArrayEquals(body(i, 100), again.bodies.get(i));
            }
            long before = wal.position();
            append(wal, body(n, 100));
            assertTrue(wal.position() > before);
        }
    }

    @Test
    void aFlippedByteInAnEarlierRecordIsCorruptionAtThatRecordsOffset() throws IOException {
        try (ShardWal wal = open(new Collect(), 64 * 1024)) {
            for (int i = 0; i < 20; i++) {
                append(wal, body(i, 40));
            }
        }
        Path seg = dir.resolve(SegmentDescriptor.fileName(0));
        Frames.Frame victim = Frames.frames(seg).get(7);
        flip(seg, victim.offset + 8 + 20);
        WalCorruptionException e = assertThrows(WalCorruptionException.class,
            () -> ShardLogReader.replay(FS, dir, 0, 1, new Collect(), false, new WalSegments()));
        assertEquals(0, e.shard());
        assertEquals(seg, e.segment());
        assertEquals(victim.offset, e.offset());
        assertTrue(e.reason().contains("checksum mismatch"), e.reason());
        assertTrue(e.getMessage().contains("shard 0") && e.getMessage().contains(seg.toString())
            && e.getMessage().contains("offset " + victim.offset), e.getMessage());
    }

    @Test
    void headerChecksNameTheField() throws IOException {
        try (ShardWal wal = open(new Collect(), 4096)) {
            append(wal, body(1, 10));
        }
        Path seg = dir.resolve(SegmentDescriptor.fileName(0));
        byte[] good = Files.readAllBytes(seg);

        flip(seg, 3);
        assertCorrupt(0, 3, "bad magic");
        Files.write(seg, good);

        writeInt(seg, SegmentDescriptor.VERSION_OFFSET, 99);
        assertCorrupt(0, SegmentDescriptor.VERSION_OFFSET, "unsupported format version 99");
        Files.write(seg, good);

        flip(seg, SegmentDescriptor.BASE_POSITION_OFFSET);
        assertCorrupt(0, SegmentDescriptor.HEADER_CRC_OFFSET, "header checksum mismatch");
        Files.write(seg, good);

        // A segment of shard 0 copied into shard 3's directory.
        Path other = dir.resolve("other");
        Files.createDirectories(other);
        Files.copy(seg, other.resolve(seg.getFileName()));
        WalCorruptionException e = assertThrows(WalCorruptionException.class,
            () -> ShardLogReader.replay(FS, other, 3, 4, new Collect(), false, new WalSegments()));
        assertEquals(3, e.shard());
        assertEquals(SegmentDescriptor.SHARD_OFFSET, e.offset());
        assertTrue(e.reason().contains("belongs to shard 0"), e.reason());
    }

    @Test
    void aMissingSegmentIsCorruption() throws IOException {
        try (ShardWal wal = open(new Collect(), 4096)) {
            for (int i = 0; i < 150; i++) {
                append(wal, body(i, 100));
            }
        }
        Files.delete(dir.resolve(SegmentDescriptor.fileName(4096)));
        WalCorruptionException e = assertThrows(WalCorruptionException.class,
            () -> ShardLogReader.replay(FS, dir, 0, 1, new Collect(), false, new WalSegments()));
        assertEquals(dir.resolve(SegmentDescriptor.fileName(8192)), e.segment());
        assertTrue(e.reason().contains("a segment is missing"), e.reason());
    }

    @Test
    void anUnfinishedSegmentFromACrashDuringCreationIsDeleted() throws IOException {
        try (ShardWal wal = open(new Collect(), 4096)) {
            append(wal, body(1, 10));
        }
        Path tmp = dir.resolve(String.format("%020d.wal.tmp", 4096));
        Files.write(tmp, new byte[100]);
        Collect again = new Collect();
        open(again, 4096).close();
        assertEquals(1, again.bodies.size());
        assertTrue(Files.notExists(tmp));
    }

    @Test
    void aRecordLargerThanASegmentIsRefusedWithoutDamage() throws IOException {
        try (ShardWal wal = open(new Collect(), 4096)) {
            append(wal, body(1, 10));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> wal.reserve(5000));
            assertTrue(e.getMessage().contains("cannot fit in a segment of 4096 bytes"), e.getMessage());
            append(wal, body(2, 10));
        }
        Collect again = new Collect();
        open(again, 4096).close();
        assertEquals(2, again.bodies.size());
    }

    @Test
    void theWriterIsSingleThreaded() throws Exception {
        try (ShardWal wal = open(new Collect(), 4096)) {
            append(wal, body(1, 10)); // binds this thread
            Throwable[] seen = new Throwable[1];
            Thread other = new Thread(() -> {
                try {
                    wal.reserve(10);
                } catch (Throwable t) {
                    seen[0] = t;
                }
            });
            other.start();
            other.join();
            assertTrue(seen[0] instanceof AssertionError, "expected the single-writer assertion, got " + seen[0]);
        }
    }

    static void flip(Path file, long offset) throws IOException {
        try (var ch = Files.newByteChannel(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.position(offset).read(b);
            b.put(0, (byte) (b.get(0) ^ 0x5A)).rewind();
            ch.position(offset).write(b);
        }
    }

    static void writeInt(Path file, long offset, int value) throws IOException {
        try (var ch = Files.newByteChannel(file, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, value);
            ch.position(offset).write(b);
        }
    }

    private void assertCorrupt(long offset, long expectedOffset, String reason) {
        WalCorruptionException e = assertThrows(WalCorruptionException.class,
            () -> ShardLogReader.replay(FS, dir, 0, 1, new Collect(), false, new WalSegments()));
        assertEquals(expectedOffset, e.offset(), e.getMessage());
        assertTrue(e.reason().contains(reason), e.reason());
        assertEquals(dir.resolve(SegmentDescriptor.fileName(offset)), e.segment());
    }
}
