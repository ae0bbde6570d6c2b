package io.sluice.chunk;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Randomised, seeded (printed; {@code -Dsluice.test.seed} reruns one): encode and decode random
 * series, and feed the decoder every truncation and random bit flips of valid chunks.
 */
class XorChunkRoundTripTest {
    @Test
    void encodeThenDecodeReturnsEveryTimestampAndValueBitForBit() {
        long seed = RandomSamples.seed("encodeThenDecodeReturnsEveryTimestampAndValueBitForBit");
        SplittableRandom r = new SplittableRandom(seed);
        XorAppender a = new XorAppender(0);
        XorIterator it = new XorIterator();
        UnsafeBuffer direct = new UnsafeBuffer(new byte[0]);
        for (int s = 0; s < 2000; s++) {
            long[][] samples = RandomSamples.series(r, 1 + r.nextInt(r.nextInt(8) == 0 ? 3000 : 250));
            a.reset();
            for (long[] sample : samples) {
                a.append(sample[0], sample[1]);
            }
            it.reset(a.bytes(), 0, a.byteLength());
            assertSamples(it, samples, samples.length, "series " + s + ", seed " + seed);
            direct.wrap(Arrays.copyOf(a.bytes(), a.byteLength() + 3));
            it.reset(direct, 0, a.byteLength(), samples.length);
            assertSamples(it, samples, samples.length, "series " + s + " (direct), seed " + seed);
        }
    }

    @Test
    void decodingAPrefixWithAnExplicitCountReturnsExactlyThatPrefix() {
        long seed = RandomSamples.seed("decodingAPrefixWithAnExplicitCountReturnsExactlyThatPrefix");
        SplittableRandom r = new SplittableRandom(seed);
        XorIterator it = new XorIterator();
        for (int s = 0; s < 300; s++) {
            long[][] samples = RandomSamples.series(r, 1 + r.nextInt(300));
            XorAppender a = new XorAppender(0);
            int prefixLength = 0;
            int n = r.nextInt(samples.length + 1);
            for (int i = 0; i < samples.length; i++) {
                if (i == n) {
                    prefixLength = a.byteLength();
                }
                a.append(samples[i][0], samples[i][1]);
            }
            // The whole chunk with a smaller count, and the bytes as they were when n samples were in.
            it.reset(a.bytes(), 0, a.byteLength(), n);
            assertSamples(it, samples, n, "series " + s + ", seed " + seed);
            if (n < samples.length) {
                it.reset(a.bytes(), 0, prefixLength, n);
                assertSamples(it, samples, n, "series " + s + " prefix bytes, seed " + seed);
            }
        }
    }

    private static void assertSamples(XorIterator it, long[][] samples, int n, String where) {
        for (int i = 0; i < n; i++) {
            assertTrue(it.next(), where + ": sample " + i);
            if (it.timestamp() != samples[i][0] || it.valueBits() != samples[i][1]) {
                fail(where + ": sample " + i + " decoded as (" + it.timestamp() + ", " + Long.toHexString(it.valueBits())
                    + "), appended as (" + samples[i][0] + ", " + Long.toHexString(samples[i][1]) + ")");
            }
        }
        assertFalse(it.next(), where + ": more than " + n + " samples");
    }

    @Test
    void everyTruncationAndBitFlipOfValidChunksDecodesOrThrowsChunkFormatException() {
        long seed = RandomSamples.seed("everyTruncationAndBitFlipOfValidChunksDecodesOrThrowsChunkFormatException");
        SplittableRandom r = new SplittableRandom(seed);
        int[] outcomes = new int[2]; // decoded, typed exception
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            XorIterator it = new XorIterator();
            for (int s = 0; s < 150; s++) {
                long[][] samples = RandomSamples.series(r, 1 + r.nextInt(200));
                XorAppender a = new XorAppender(0);
                for (long[] sample : samples) {
                    a.append(sample[0], sample[1]);
                }
                byte[] chunk = Arrays.copyOf(a.bytes(), a.byteLength());
                for (int length = 0; length < chunk.length; length++) {
                    decodeAll(it, chunk, length, -1, outcomes, seed, "truncated to " + length);
                    decodeAll(it, chunk, length, samples.length, outcomes, seed, "truncated to " + length + ", explicit count");
                }
                for (int flip = 0; flip < 200; flip++) {
                    byte[] bad = chunk.clone();
                    int flips = 1 + r.nextInt(3);
                    for (int k = 0; k < flips; k++) {
                        int bit = r.nextInt(bad.length * 8);
                        bad[bit >>> 3] ^= (byte) (0x80 >>> (bit & 7));
                    }
                    decodeAll(it, bad, bad.length, -1, outcomes, seed, "flipped " + HexFormat.of().formatHex(bad));
                    decodeAll(it, bad, bad.length, r.nextInt(65_536), outcomes, seed, "flipped, explicit count");
                }
                byte[] garbage = new byte[r.nextInt(64)];
                r.nextBytes(garbage);
                decodeAll(it, garbage, garbage.length, -1, outcomes, seed, "garbage " + HexFormat.of().formatHex(garbage));
            }
        });
        System.out.println("decoded " + outcomes[0] + " mutated chunks, " + outcomes[1] + " ChunkFormatExceptions");
        assertTrue(outcomes[0] > 0 && outcomes[1] > 0);
    }

    private static void decodeAll(XorIterator it, byte[] chunk, int length, int count, int[] outcomes, long seed, String what) {
        try {
            if (count < 0) {
                it.reset(chunk, 0, length);
            } else {
                it.reset(chunk, 0, length, count);
            }
            int n = 0;
            while (it.next()) {
                n++;
            }
            assertEquals(it.numSamples(), n);
            outcomes[0]++;
        } catch (ChunkFormatException expected) {
            assertTrue(expected.offset() >= 0 && expected.offset() <= length, expected.getMessage());
            assertFalse(it.next(), "next() after a ChunkFormatException");
            outcomes[1]++;
        } catch (Throwable t) {
            throw new AssertionError("seed " + seed + ", " + what + ": " + t, t);
        }
    }
}
