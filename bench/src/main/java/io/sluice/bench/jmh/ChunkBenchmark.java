package io.sluice.bench.jmh;

import io.sluice.bench.Workload;
import io.sluice.chunk.ChunkCutRule;
import io.sluice.chunk.XorAppender;
import io.sluice.chunk.XorIterator;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Prometheus XOR chunks ({@code io.sluice.chunk}): appending a chunk of 120 samples into a reused
 * {@link XorAppender}, and decoding one with {@link XorIterator} from a {@code byte[]} or from
 * off-heap memory. The score is ns per sample. Three value shapes over 64 different chunks each:
 * <ul>
 *   <li>{@code sawtooth}: the load harness' values ({@link Workload#value}: +1 per sample, back to
 *       the series' base every 1,024) at its default 1 ms step;</li>
 *   <li>{@code gauge}: a random walk rounded to 2 decimals, every 15 s with ±5 ms of jitter on one
 *       scrape in ten;</li>
 *   <li>{@code constant}: 42 every 15 s.</li>
 * </ul>
 * The trial setup prints the encoded size in bytes per sample for the shape.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ChunkBenchmark {
    private static final int SAMPLES = ChunkCutRule.SAMPLES_PER_CHUNK;
    private static final int CHUNKS = 64;

    @Param({"sawtooth", "gauge", "constant"})
    String shape;

    private long[] timestamps;
    private long[] values;
    private final XorAppender appender = new XorAppender(2048);
    private final XorIterator iterator = new XorIterator();
    private byte[][] encoded;
    private int[] lengths;
    private UnsafeBuffer offHeap;
    private int[] offHeapOffsets;
    private int next;

    @Setup(Level.Trial)
    public void setup() {
        int n = CHUNKS * SAMPLES;
        timestamps = new long[n];
        values = new long[n];
        SplittableRandom random = new SplittableRandom(42);
        long t = 1_700_000_000_000L;
        double gauge = 50;
        for (int i = 0; i < n; i++) {
            switch (shape) {
                case "sawtooth" -> {
                    t += 1;
                    values[i] = Double.doubleToRawLongBits(Workload.value(i / SAMPLES, t));
                }
                case "gauge" -> {
                    t += 15_000 + (random.nextInt(10) == 0 ? random.nextInt(11) - 5 : 0);
                    gauge += random.nextDouble() - 0.5;
                    values[i] = Double.doubleToRawLongBits(Math.round(gauge * 100) / 100.0);
                }
                case "constant" -> {
                    t += 15_000;
                    values[i] = Double.doubleToRawLongBits(42);
                }
                default -> throw new IllegalArgumentException("shape " + shape);
            }
            timestamps[i] = t;
        }
        encoded = new byte[CHUNKS][];
        lengths = new int[CHUNKS];
        offHeapOffsets = new int[CHUNKS];
        long bytes = 0;
        for (int c = 0; c < CHUNKS; c++) {
            appendChunk(c);
            encoded[c] = appender.bytes().clone();
            lengths[c] = appender.byteLength();
            offHeapOffsets[c] = (int) bytes;
            bytes += lengths[c];
        }
        offHeap = new UnsafeBuffer(ByteBuffer.allocateDirect((int) bytes));
        for (int c = 0; c < CHUNKS; c++) {
            offHeap.putBytes(offHeapOffsets[c], encoded[c], 0, lengths[c]);
        }
        System.out.printf(Locale.ROOT, "%nchunk size (%s): %.2f bytes per sample, %d-byte chunks of %d samples on average%n",
            shape, (double) bytes / n, bytes / CHUNKS, SAMPLES);
    }

    private void appendChunk(int c) {
        XorAppender a = appender;
        a.reset();
        int from = c * SAMPLES;
        for (int i = from; i < from + SAMPLES; i++) {
            a.append(timestamps[i], values[i]);
        }
    }

    /** Starts a new chunk in the reused appender and appends 120 samples: the score is ns per sample. */
    @Benchmark
    @OperationsPerInvocation(SAMPLES)
    public int append() {
        int c = next;
        next = (c + 1) & (CHUNKS - 1);
        appendChunk(c);
        return appender.byteLength();
    }

    /** Decodes a 120-sample chunk from a {@code byte[]}: ns per sample. */
    @Benchmark
    @OperationsPerInvocation(SAMPLES)
    public long decodeHeap() {
        int c = next;
        next = (c + 1) & (CHUNKS - 1);
        XorIterator it = iterator;
        it.reset(encoded[c], 0, lengths[c]);
        long sum = 0;
        while (it.next()) {
            sum += it.timestamp() ^ it.valueBits();
        }
        return sum;
    }

    /** Decodes a 120-sample chunk from off-heap memory (as from a mapped file): ns per sample. */
    @Benchmark
    @OperationsPerInvocation(SAMPLES)
    public long decodeOffHeap() {
        int c = next;
        next = (c + 1) & (CHUNKS - 1);
        XorIterator it = iterator;
        it.reset(offHeap, offHeapOffsets[c], lengths[c]);
        long sum = 0;
        while (it.next()) {
            sum += it.timestamp() ^ it.valueBits();
        }
        return sum;
    }
}
