package io.sluice.chunk;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class XorIteratorTest {
    @TempDir
    Path tmp;

    private static XorAppender encode(long[][] samples) {
        XorAppender a = new XorAppender(0);
        for (long[] s : samples) {
            a.append(s[0], s[1]);
        }
        return a;
    }

    private static void assertDecodes(XorIterator it, long[][] samples, int n) {
        for (int i = 0; i < n; i++) {
            assertTrue(it.next(), "sample " + i);
            assertEquals(samples[i][0], it.timestamp(), "timestamp " + i);
            assertEquals(samples[i][1], it.valueBits(), "value bits " + i);
            assertEquals(Double.doubleToRawLongBits(Double.longBitsToDouble(samples[i][1])),
                Double.doubleToRawLongBits(it.value()), "value " + i);
        }
        assertFalse(it.next());
        assertFalse(it.next());
    }

    @Test
    void decodesTheSameChunkFromHeapOffHeapAndMappedMemory() throws Exception {
        long[][] samples = RandomSamples.series(new SplittableRandom(1), 500);
        XorAppender a = encode(samples);
        byte[] chunk = Arrays.copyOf(a.bytes(), a.byteLength());
        XorIterator it = new XorIterator();

        byte[] padded = new byte[chunk.length + 20];
        System.arraycopy(chunk, 0, padded, 13, chunk.length);
        it.reset(padded, 13, chunk.length);
        assertDecodes(it, samples, samples.length);

        UnsafeBuffer offHeap = new UnsafeBuffer(ByteBuffer.allocateDirect(chunk.length + 5));
        offHeap.putBytes(5, chunk);
        it.reset(offHeap, 5, chunk.length);
        assertDecodes(it, samples, samples.length);

        Path file = tmp.resolve("chunk");
        Files.write(file, padded);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            MappedByteBuffer mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, padded.length);
            it.reset(new UnsafeBuffer(mapped), 13, chunk.length);
            assertDecodes(it, samples, samples.length);
        }
    }

    @Test
    void anExplicitCountDecodesOnlyThatPrefix() {
        long[][] samples = RandomSamples.series(new SplittableRandom(2), 300);
        XorAppender a = encode(samples);
        XorIterator it = new XorIterator();
        for (int n : new int[] {0, 1, 2, 3, 150, 299, 300}) {
            it.reset(a.bytes(), 0, a.byteLength(), n);
            assertEquals(n, it.numSamples());
            assertDecodes(it, samples, n);
        }
    }

    @Test
    void anExplicitCountBeyondTheStreamIsATruncationAtTheStreamEnd() {
        XorAppender a = encode(new long[][] {{0, 0}, {15, 0}, {30, 0}});
        XorIterator it = new XorIterator();
        it.reset(a.bytes(), 0, a.byteLength(), 65_535);
        ChunkFormatException e = assertThrows(ChunkFormatException.class, () -> {
            while (it.next()) {
                // the zero padding reads as '0' dods and repeated values until the bytes run out
            }
        });
        assertEquals(a.byteLength(), e.offset());
        assertFalse(it.next());
    }

    @Test
    void aChunkShorterThanItsHeaderIsRejectedAtOffsetZero() {
        XorIterator it = new XorIterator();
        ChunkFormatException e = assertThrows(ChunkFormatException.class, () -> it.reset(new byte[] {0}, 0, 1));
        assertEquals(0, e.offset());
        assertFalse(it.next());
        assertThrows(ChunkFormatException.class, () -> it.reset(new UnsafeBuffer(new byte[4]), 4, 0, 0));
    }

    @Test
    void aTruncatedFieldIsReportedAtTheByteOffsetWhereItStarts() {
        // 0002 | d00f (t0 = 1000) | 3ff0000000000000 (1.0) | 0f (delta 15) | value XOR of 2.0
        XorAppender a = encode(new long[][] {{1000, Double.doubleToRawLongBits(1.0)}, {1015, Double.doubleToRawLongBits(2.0)}});
        assertTruncatedAt(a, 3, 2, "first timestamp");
        assertTruncatedAt(a, 11, 4, "first value");
        assertTruncatedAt(a, 12, 12, "second timestamp's delta");
        assertTruncatedAt(a, 14, 13, "value");
    }

    private static void assertTruncatedAt(XorAppender a, int length, int offset, String field) {
        XorIterator it = new XorIterator();
        it.reset(a.bytes(), 0, length);
        ChunkFormatException e = assertThrows(ChunkFormatException.class, () -> {
            while (it.next()) {
                // decode until the field that does not fit
            }
        });
        assertEquals(offset, e.offset(), e.getMessage());
        assertTrue(e.reason().startsWith(field), e.getMessage());
        assertTrue(e.getMessage().contains("byte offset " + offset), e.getMessage());
    }

    @Test
    void aVarintLongerThan64BitsIsRejected() {
        byte[] tooLong = new byte[16];
        tooLong[1] = 1;
        Arrays.fill(tooLong, 2, 12, (byte) 0xFF);
        XorIterator it = new XorIterator();
        it.reset(tooLong, 0, tooLong.length);
        ChunkFormatException e = assertThrows(ChunkFormatException.class, it::next);
        assertEquals(2, e.offset());
        assertTrue(e.reason().contains("overflows"), e.reason());

        byte[] tenthByteTooBig = Bits.of("0000000000000001", "11111111".repeat(9), "00000010", "0".repeat(64));
        it.reset(tenthByteTooBig, 0, tenthByteTooBig.length);
        assertThrows(ChunkFormatException.class, it::next);

        byte[] tenthByteOne = Bits.of("0000000000000001", "11111111".repeat(9), "00000001", "0".repeat(64));
        it.reset(tenthByteOne, 0, tenthByteOne.length);
        assertTrue(it.next());
        assertEquals(Long.MIN_VALUE, it.timestamp()); // zig-zag of 0xffff...ffff
    }

    @Test
    void aValueWindowWiderThan64BitsIsRejected() {
        // two samples; the second value opens a window of 31 leading zeros and 63 significant bits
        byte[] chunk = Bits.of("0000000000000010", "00000000", "0".repeat(64), "00000001",
            "11", "11111", "111111", "1".repeat(63));
        XorIterator it = new XorIterator();
        it.reset(chunk, 0, chunk.length);
        assertTrue(it.next());
        ChunkFormatException e = assertThrows(ChunkFormatException.class, it::next);
        assertEquals(12, e.offset());
        assertTrue(e.reason().contains("exceeds 64 bits"), e.reason());
        assertFalse(it.next());
    }

    @Test
    void aReusedWindowBeforeAnyNewOneMeansAll64BitsAsInPrometheus() {
        // A Prometheus appender resumed on a chunk whose values never changed starts from 0 leading
        // and 0 trailing zeros (not "none"), so it writes '10' and 64 bits; its iterator reads them so.
        long x = 0x8123456789ABCDEFL;
        byte[] chunk = Bits.of("0000000000000011", "00000000", Bits.field(Double.doubleToRawLongBits(1.0), 64), "00000001",
            "0", "0", "10", Bits.field(x, 64));
        XorIterator it = new XorIterator();
        it.reset(chunk, 0, chunk.length);
        assertTrue(it.next());
        assertTrue(it.next());
        assertEquals(Double.doubleToRawLongBits(1.0), it.valueBits());
        assertTrue(it.next());
        assertEquals(Double.doubleToRawLongBits(1.0) ^ x, it.valueBits());
        assertEquals(2, it.timestamp());
        assertFalse(it.next());
    }

    @Test
    void refusesRangesOutsideTheBufferAsIllegalArguments() {
        XorIterator it = new XorIterator();
        assertThrows(IllegalArgumentException.class, () -> it.reset(new byte[10], 5, 6));
        assertThrows(IllegalArgumentException.class, () -> it.reset(new byte[10], -1, 2));
        assertThrows(IllegalArgumentException.class, () -> it.reset(new UnsafeBuffer(new byte[10]), 9, 2));
        assertThrows(IllegalArgumentException.class, () -> it.reset(new byte[10], 0, 10, 65_536));
        assertThrows(IllegalArgumentException.class, () -> it.reset(new byte[10], 0, 10, -1));
    }

    @Test
    void resetAndNextAllocateNothing() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long[][] samples = RandomSamples.series(new SplittableRandom(4), 240);
        XorAppender a = encode(samples);
        UnsafeBuffer direct = new UnsafeBuffer(ByteBuffer.allocateDirect(a.byteLength()));
        direct.putBytes(0, a.bytes(), 0, a.byteLength());
        XorIterator it = new XorIterator();
        byte[] chunk = a.bytes();
        long sink = 0;
        for (int warm = 0; warm < 2000; warm++) {
            sink += decodeBoth(it, chunk, direct);
        }
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int round = 0; round < 2000; round++) {
            sink += decodeBoth(it, chunk, direct);
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertTrue(allocated < 1024, allocated + " bytes allocated for 4,000 resets and 960,000 samples");
        assertTrue(sink != 42);
    }

    private static long decodeBoth(XorIterator it, byte[] chunk, UnsafeBuffer direct) {
        long sum = 0;
        it.reset(chunk, 0, chunk.length);
        while (it.next()) {
            sum += it.timestamp() ^ it.valueBits();
        }
        it.reset(direct, 0, chunk.length, 240);
        while (it.next()) {
            sum += it.timestamp() ^ it.valueBits();
        }
        return sum;
    }
}
