package io.sluice.chunk;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.StampedLock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The reader contract of {@link XorAppender}, exercised as the head will use it: the writer appends
 * and publishes the sample count with a release store after each append, and guards resets with a
 * version (a {@link StampedLock}, whose optimistic read is a sequence lock); a reader acquires the
 * count, copies {@code bytes()} while the writer keeps appending, and decodes that many samples. Every
 * copy taken without a reset in between must decode to exactly the samples appended.
 */
class XorAppenderConcurrentReadTest {
    private static final int MIN_CHUNKS = 3_000;
    private static final long MIN_NANOS = 500_000_000L;

    /** The value of sample {@code k} of chunk {@code g}: deterministic, so the reader can check it. */
    private static long sampleTime(int g, int k) {
        return 1_700_000_000_000L + g * 1_000_000L + k * 15_000L + (k % 7 == 3 ? k : 0);
    }

    private static long sampleValue(int g, int k) {
        return Double.doubleToRawLongBits(k % 11 == 0 ? g : g + k * 0.1);
    }

    @Test
    void aReaderCopyingWhileTheWriterAppendsAlwaysDecodesAValidPrefix() {
        XorAppender appender = new XorAppender(16); // small, so the array grows while readers copy
        StampedLock resets = new StampedLock();
        AtomicInteger published = new AtomicInteger();
        int[] generation = {0};
        AtomicBoolean done = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long[] checked = new long[2]; // copies validated, samples checked

        Thread reader = new Thread(() -> {
            XorIterator it = new XorIterator();
            try {
                while (!done.get()) {
                    long stamp = resets.tryOptimisticRead();
                    int n = published.getAcquire();
                    int g = generation[0];
                    byte[] array = appender.bytes();
                    byte[] copy = Arrays.copyOf(array, array.length);
                    if (stamp == 0 || !resets.validate(stamp)) {
                        continue; // a reset ran meanwhile: the copy may be torn
                    }
                    it.reset(copy, 0, copy.length, n);
                    for (int k = 0; k < n; k++) {
                        assertTrue(it.next());
                        assertEquals(sampleTime(g, k), it.timestamp(), "chunk " + g + " sample " + k);
                        assertEquals(sampleValue(g, k), it.valueBits(), "chunk " + g + " sample " + k);
                    }
                    checked[0]++;
                    checked[1] += n;
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "chunk-reader");

        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            reader.start();
            long start = System.nanoTime();
            for (int g = 0; g < MIN_CHUNKS || System.nanoTime() - start < MIN_NANOS; g++) {
                long stamp = resets.writeLock();
                appender.reset();
                published.setRelease(0);
                generation[0] = g;
                resets.unlockWrite(stamp);
                int samples = 1 + (g * 37) % 240;
                for (int k = 0; k < samples; k++) {
                    appender.append(sampleTime(g, k), sampleValue(g, k));
                    published.setRelease(k + 1);
                }
                if (failure.get() != null) {
                    break;
                }
            }
            done.set(true);
            reader.join();
        });
        if (failure.get() != null) {
            throw new AssertionError("reader failed", failure.get());
        }
        System.out.println("reader validated " + checked[0] + " copies holding " + checked[1] + " samples");
        assertTrue(checked[0] > 0, "the reader never got a consistent copy");
    }
}
