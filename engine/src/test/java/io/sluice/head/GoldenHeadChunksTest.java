package io.sluice.head;

import io.sluice.chunk.XorIterator;
import io.sluice.engine.Appender;
import io.sluice.engine.Labels;
import io.sluice.engine.Sluice;
import io.sluice.engine.SluiceConfig;
import io.sluice.testing.Frames;
import io.sluice.testing.TestDirs;
import io.sluice.wal.FrameDescriptor;
import io.sluice.wal.SegmentDescriptor;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * docs/format/head-chunks.md against the checked-in golden file {@code golden/head} (written by
 * {@link #main} through the public API): decoded field by field, and still what this build writes.
 */
class GoldenHeadChunksTest {
    static final Labels A = Labels.of("__name__", "golden", "host", "a");
    static final long T0 = 1_700_000_000_000L;
    static final String FILE = "shard-000/head/00000000000000000000.chunks";

    @TempDir
    Path tmp;

    static double value(int k) {
        return k % 7 == 0 ? Double.NaN : 100.0 + k * 0.25;
    }

    /** 300 samples of one series at 15 s: two full chunks in the file, the third still open. */
    static void writeGolden(Path dir) throws Exception {
        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).shards(1).headChunkFileSize(64 * 1024).build())) {
            long ref = db.series(A);
            try (Appender app = db.appender()) {
                for (int k = 0; k < 300; k++) {
                    app.add(ref, T0 + 15_000L * k, value(k));
                    if (k % 10 == 9) {
                        app.commit();
                    }
                }
                db.awaitDurable(app.commit());
            }
        }
    }

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args.length > 0 ? args[0] : "engine/src/test/resources/golden/head");
        Path scratch = Files.createTempDirectory("golden-head");
        writeGolden(scratch);
        Files.createDirectories(out.resolve(FILE).getParent());
        Files.copy(scratch.resolve(FILE), out.resolve(FILE), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        TestDirs.deleteTree(scratch);
        System.out.println("wrote " + out.resolve(FILE));
    }

    private static Path golden() throws Exception {
        return Path.of(GoldenHeadChunksTest.class.getResource("/golden/head/" + FILE).toURI());
    }

    @Test
    void theGoldenHeadChunkFileDecodesFieldByField() throws Exception {
        byte[] image = Files.readAllBytes(golden());
        assertEquals(64 * 1024, image.length);
        UnsafeBuffer b = Frames.wrap(image);
        assertEquals("SLUICEHC", new String(image, 0, 8, StandardCharsets.US_ASCII));
        assertEquals(1, b.getInt(SegmentDescriptor.VERSION_OFFSET));
        assertEquals(0, b.getInt(SegmentDescriptor.SHARD_OFFSET));
        assertEquals(1, b.getInt(SegmentDescriptor.SHARD_COUNT_OFFSET));
        assertEquals(64, b.getInt(SegmentDescriptor.HEADER_LENGTH_OFFSET));
        assertEquals(0, b.getLong(SegmentDescriptor.BASE_POSITION_OFFSET));
        assertEquals(64 * 1024, b.getLong(SegmentDescriptor.SEGMENT_SIZE_OFFSET));
        CRC32C headerCrc = new CRC32C();
        headerCrc.update(image, 0, 60);
        assertEquals((int) headerCrc.getValue(), b.getInt(SegmentDescriptor.HEADER_CRC_OFFSET));

        int off = 64;
        long previous = HeadChunkDescriptor.NO_PREVIOUS;
        int k = 0;
        XorIterator it = new XorIterator();
        for (int chunk = 0; chunk < 2; chunk++) {
            int len = b.getInt(off);
            int body = off + FrameDescriptor.BODY_OFFSET;
            CRC32C crc = new CRC32C();
            crc.update(image, body, len);
            assertEquals((int) crc.getValue(), b.getInt(off + 4), "chunk " + chunk + " CRC32C");
            assertEquals(HeadChunkDescriptor.TYPE_CHUNK, b.getByte(body));
            assertEquals(1, b.getByte(body + HeadChunkDescriptor.ENCODING_OFFSET), "XOR");
            int samples = b.getShort(body + HeadChunkDescriptor.SAMPLES_OFFSET) & 0xFFFF;
            assertEquals(0, b.getInt(body + 4));
            assertEquals(0, b.getLong(body + HeadChunkDescriptor.SERIES_REF_OFFSET), "series 0 of shard 0");
            assertEquals(T0 + 15_000L * k, b.getLong(body + HeadChunkDescriptor.MIN_TIME_OFFSET));
            assertEquals(T0 + 15_000L * (k + samples - 1), b.getLong(body + HeadChunkDescriptor.MAX_TIME_OFFSET));
            assertEquals(previous, b.getLong(body + HeadChunkDescriptor.PREVIOUS_OFFSET));
            int data = body + HeadChunkDescriptor.DATA_OFFSET;
            assertEquals(samples, ((image[data] & 0xFF) << 8) | (image[data + 1] & 0xFF), "the XOR chunk's own count");
            it.reset(image, data, len - HeadChunkDescriptor.DATA_OFFSET);
            for (int i = 0; i < samples; i++, k++) {
                assertTrue(it.next());
                assertEquals(T0 + 15_000L * k, it.timestamp());
                assertEquals(Double.doubleToRawLongBits(value(k)), it.valueBits());
            }
            assertFalse(it.next());
            previous = off;
            off += FrameDescriptor.framedLength(len);
        }
        assertTrue(k > 200 && k < 300, "two full chunks, the third still open: " + k);
        for (int i = off; i < image.length; i++) {
            assertEquals(0, image[i], "nothing after the last chunk at " + i);
        }
    }

    @Test
    void thisBuildStillWritesTheGoldenBytes() throws Exception {
        Path dir = tmp.resolve("fresh");
        writeGolden(dir);
        byte[] fresh = Files.readAllBytes(dir.resolve(FILE));
        byte[] golden = Files.readAllBytes(golden());
        for (byte[] image : new byte[][] {fresh, golden}) {
            for (int i = SegmentDescriptor.CREATED_MILLIS_OFFSET; i < SegmentDescriptor.CREATED_MILLIS_OFFSET + 8; i++) {
                image[i] = 0;
            }
            for (int i = SegmentDescriptor.HEADER_CRC_OFFSET; i < SegmentDescriptor.HEADER_CRC_OFFSET + 4; i++) {
                image[i] = 0;
            }
        }
        assertArrayEquals(golden, fresh, "the head-chunk writer's output changed: bump the format version");
    }
}
