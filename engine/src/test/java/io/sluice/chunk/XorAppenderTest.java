package io.sluice.chunk;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class XorAppenderTest {
    private static final HexFormat HEX = HexFormat.of();

    private static String hex(XorAppender a) {
        return HEX.formatHex(a.bytes(), 0, a.byteLength());
    }

    private static long bits(double v) {
        return Double.doubleToRawLongBits(v);
    }

    @Test
    void emptyChunkIsTheTwoZeroHeaderBytesOfANewPrometheusChunk() {
        XorAppender a = new XorAppender(0);
        assertEquals("0000", hex(a));
        assertEquals(0, a.numSamples());
        assertEquals(16, a.bitLength());
    }

    @Test
    void firstSampleIsAZigZagVarintTimestampThenTheRawValueBitsThenAnEmptyByte() {
        XorAppender a = new XorAppender(16);
        a.append(1000, bits(1.0));
        // count 1 | zig-zag 2000 = d0 0f | 3ff0000000000000 | the byte bstream appends after a whole byte
        assertEquals("0001" + "d00f" + "3ff0000000000000" + "00", hex(a));
        XorAppender negative = new XorAppender(16);
        negative.append(-1, bits(0));
        assertEquals("0001" + "01" + "0000000000000000" + "00", hex(negative));
    }

    @Test
    void secondSampleIsAUvarintDeltaThenTheValueXor() {
        XorAppender a = new XorAppender(16);
        a.append(1000, bits(1.0));
        a.append(1015, bits(1.0));
        // delta 15 = 0f, then '0' (same value) padded to the byte: no empty byte after a single bit
        assertEquals("0002" + "d00f" + "3ff0000000000000" + "0f" + "00", hex(a));
        assertEquals(1000, a.firstTimestamp());
        assertEquals(1015, a.lastTimestamp());
        assertEquals(bits(1.0), a.lastValueBits());
    }

    @ParameterizedTest(name = "dod {0} is written as {1} + {2} bits")
    @CsvSource({
        "0, 0, 0",
        "1, 10, 14", "-1, 10, 14", "8192, 10, 14", "-8191, 10, 14",
        "8193, 110, 17", "-8192, 110, 17", "65536, 110, 17", "-65535, 110, 17",
        "65537, 1110, 20", "-65536, 1110, 20", "524288, 1110, 20", "-524287, 1110, 20",
        "524289, 1111, 64", "-524288, 1111, 64", "1099511627776, 1111, 64", "-9223372036854775808, 1111, 64",
    })
    void encodesEveryDodBucketLikePrometheus(long dod, String prefix, int width) {
        XorAppender a = new XorAppender(64);
        a.append(0, 0);
        a.append(1000, 0);
        int at = a.bitLength();
        a.append(2000 + dod, 0);
        String expected = prefix + (width == 0 ? "" : Bits.field(dod, width)) + "0"; // then '0': same value
        assertEquals(expected, Bits.read(a.bytes(), at, expected.length()));
        assertEquals(at + expected.length(), a.bitLength());
        assertEquals(HEX.formatHex(model(new long[][] {{0, 0}, {1000, 0}, {2000 + dod, 0}})), hex(a));
    }

    @Test
    void encodesValueXorsWithPrometheusControlBits() {
        XorAppender a = new XorAppender(64);
        a.append(0, bits(1.0));
        a.append(1, bits(1.0));
        assertValueBits(a, 2, bits(1.0), "0"); // repeat
        // 1.0 ^ 2.0 = 0x7ff0000000000000: new window '11', 1 leading zero, 11 significant bits
        assertValueBits(a, 3, bits(2.0), "11" + "00001" + "001011" + "11111111111");
        // 2.0 ^ 1.0 is the same XOR: it fits the window, '10' and the 11 bits
        assertValueBits(a, 4, bits(1.0), "10" + "11111111111");
        // 1.0 ^ 0x3ff0000000000001 = 1: 63 leading zeros, clamped to 31, so 33 significant bits
        assertValueBits(a, 5, bits(1.0) + 1, "11" + "11111" + "100001" + Bits.field(1, 33));
        // an XOR with the top and bottom bits set: 64 significant bits, written as 0 in the 6-bit field
        long full = (bits(1.0) + 1) ^ 0x8000000000000001L;
        assertValueBits(a, 6, full, "11" + "00000" + "000000" + Bits.field(0x8000000000000001L, 64));
    }

    private static void assertValueBits(XorAppender a, long t, long value, String expected) {
        int before = a.bitLength();
        a.append(t, value);
        // after sample 2+ a dod of 0 ('0') precedes the value, as the timestamps step by 1
        assertEquals("0" + expected, Bits.read(a.bytes(), before, expected.length() + 1));
        assertEquals(before + 1 + expected.length(), a.bitLength());
    }

    @Test
    void chunkEndsInAnEmptyByteWhenItsLastFieldIsAWholeNumberOfBytesEndingOnAByteBoundary() {
        XorAppender a = new XorAppender(64);
        a.append(0, 0);
        assertEquals(88, a.bitLength());
        assertEquals(12, a.byteLength()); // header, 1-byte varint, 8 value bytes, and the empty byte
        a.append(1, 0xFF00000000000000L); // delta byte, then '11' + 5 + 6 + 8 significant bits: 117 bits
        assertEquals(15, a.byteLength());
        a.append(2, 0); // dod '0', then '10' + the same 8 bits: 128 bits, a whole byte last
        assertEquals(128, a.bitLength());
        assertEquals(17, a.byteLength());
        assertEquals(0, a.region()[16]);
        a.append(3, 0); // dod '0', value '0': single bits end the chunk, no empty byte
        assertEquals(130, a.bitLength());
        assertEquals(17, a.byteLength());
        assertEquals(HEX.formatHex(model(new long[][] {{0, 0}, {1, 0xFF00000000000000L}, {2, 0}, {3, 0}})), hex(a));
    }

    @Test
    void matchesABitByBitModelOfPrometheusBstreamOnRandomSeries() {
        long seed = RandomSamples.seed("matchesABitByBitModelOfPrometheusBstreamOnRandomSeries");
        SplittableRandom r = new SplittableRandom(seed);
        XorAppender a = new XorAppender(0);
        for (int s = 0; s < 400; s++) {
            long[][] samples = RandomSamples.series(r, 1 + r.nextInt(300));
            a.reset();
            BitByBitXorModel m = new BitByBitXorModel();
            for (int i = 0; i < samples.length; i++) {
                a.append(samples[i][0], samples[i][1]);
                m.append(samples[i][0], samples[i][1]);
                if (i < 3 || i == samples.length - 1 || r.nextInt(16) == 0) {
                    assertEquals(HEX.formatHex(m.bytes()), hex(a), "series " + s + " after sample " + i + ", seed " + seed);
                }
            }
        }
    }

    @Test
    void appendChangesOnlyBitsAfterTheEndOfTheStreamAndTheHeaderCount() {
        SplittableRandom r = new SplittableRandom(7);
        XorAppender a = new XorAppender(0);
        long[][] samples = RandomSamples.series(r, 2000);
        for (long[] s : samples) {
            byte[] before = a.region();
            int endBit = a.bitLength();
            int end = a.byteLength();
            a.append(s[0], s[1]);
            byte[] after = a.region();
            for (int i = 2; i < endBit >>> 3; i++) {
                assertEquals(before[i], after[i], "byte " + i + " before the end changed");
            }
            if ((endBit & 7) != 0) {
                int partial = endBit >>> 3;
                assertEquals(before[partial], (byte) (before[partial] & after[partial]), "the partial byte lost bits");
            }
            for (int i = end; i < before.length; i++) {
                assertEquals(0, before[i], "byte " + i + " past the end was not zero");
            }
        }
    }

    @Test
    void growingMovesTheChunkToALargerRegionWithTheSameBytes() {
        XorAppender small = new XorAppender(40);
        XorAppender large = new XorAppender(1 << 16);
        SplittableRandom r = new SplittableRandom(3);
        int startCapacity = small.capacity();
        for (int t = 0; t < 600; t++) {
            long v = r.nextLong();
            small.append(t, v);
            large.append(t, v);
            assertEquals(hex(large), hex(small), "after sample " + t);
            assertTrue(small.capacity() - small.byteLength() >= XorEncoder.SPARE - 20, "slack kept");
        }
        assertTrue(small.capacity() > startCapacity, "it grew: " + small.capacity());
        assertEquals(1 << 16, large.capacity(), "a region large enough is kept");
    }

    @Test
    void resetKeepsTheRegionAndStartsAChunkIdenticalToAFreshOne() {
        long[][] samples = RandomSamples.series(new SplittableRandom(11), 200);
        XorAppender a = new XorAppender(8192);
        long address = a.address();
        for (long[] s : samples) {
            a.append(s[0] ^ 0x5555, ~s[1]);
        }
        a.reset();
        assertEquals(address, a.address());
        assertEquals(0, a.numSamples());
        assertEquals("0000", hex(a));
        for (byte b : a.region()) {
            assertEquals(0, b, "reset left a byte set");
        }
        XorAppender fresh = new XorAppender(0);
        for (long[] s : samples) {
            a.append(s[0], s[1]);
            fresh.append(s[0], s[1]);
        }
        assertEquals(hex(fresh), hex(a));
        assertEquals(address, a.address());
    }

    @Test
    void refusesASampleBeyondTheUint16Header() {
        XorAppender a = new XorAppender(0);
        for (int i = 0; i < XorChunkDescriptor.MAX_SAMPLES; i++) {
            a.append(i, 0);
        }
        assertEquals("ffff", HEX.formatHex(a.bytes(), 0, 2));
        assertThrows(IllegalStateException.class, () -> a.append(1 << 20, 0));
    }

    @Test
    void keepsNaNPayloadsTheStaleMarkerSignedZerosAndInfinitiesExactly() {
        long[] values = {RandomSamples.STALE_NAN, 0x7FF8000000000001L, 0xFFF8000000000000L, 0x7FF0000000000001L,
            bits(-0.0), bits(0.0), bits(Double.POSITIVE_INFINITY), bits(Double.NEGATIVE_INFINITY), RandomSamples.STALE_NAN};
        XorAppender a = new XorAppender(0);
        for (int i = 0; i < values.length; i++) {
            a.append(i * 15_000L, values[i]);
            assertEquals(values[i], a.lastValueBits());
        }
        XorIterator it = new XorIterator();
        it.reset(a.bytes(), 0, a.byteLength());
        for (long v : values) {
            assertTrue(it.next());
            assertEquals(v, it.valueBits());
        }
    }

    @Test
    void appendAllocatesNothingPerSample() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long[][] samples = RandomSamples.series(new SplittableRandom(5), 240);
        XorAppender a = new XorAppender(4096);
        for (int warm = 0; warm < 2000; warm++) {
            appendAll(a, samples);
        }
        // The smallest of three windows: after other tests in the same JVM (the block tests), a one-off
        // allocation of about 1 KB (compiler or deoptimization work) can land in one window; an
        // allocation per sample would show in every window.
        long allocated = Long.MAX_VALUE;
        for (int window = 0; window < 3; window++) {
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int round = 0; round < 2000; round++) {
                appendAll(a, samples);
            }
            allocated = Math.min(allocated, threads.getCurrentThreadAllocatedBytes() - before);
        }
        assertTrue(allocated < 1024, allocated + " bytes allocated for 480,000 appends");
    }

    private static void appendAll(XorAppender a, long[][] samples) {
        a.reset();
        for (long[] s : samples) {
            a.append(s[0], s[1]);
        }
    }

    private static byte[] model(long[][] samples) {
        BitByBitXorModel m = new BitByBitXorModel();
        for (long[] s : samples) {
            m.append(s[0], s[1]);
        }
        return m.bytes();
    }
}
