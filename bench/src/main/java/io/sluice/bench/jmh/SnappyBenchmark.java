package io.sluice.bench.jmh;

import io.airlift.compress.snappy.SnappyDecompressor;
import io.sluice.server.IngestDecodeBenchmark;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.xerial.snappy.Snappy;

/**
 * Snappy decompression of one remote-write request ({@link IngestDecodeBenchmark#loadShapedRequest}): snappy-java (JNI, what the server uses) against aircompressor (pure Java). Per
 * operation = per sample, comparable with {@code IngestDecodeBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class SnappyBenchmark {
    static final int SAMPLES = IngestDecodeBenchmark.SAMPLES;

    private byte[] body;
    private byte[] out;
    private final SnappyDecompressor air = new SnappyDecompressor();

    @Setup
    public void setup() throws Exception {
        body = IngestDecodeBenchmark.loadShapedRequest();
        out = new byte[Snappy.uncompressedLength(body)];
    }

    @Benchmark
    @OperationsPerInvocation(SAMPLES)
    public int snappyJava() throws Exception {
        return Snappy.uncompress(body, 0, body.length, out, 0);
    }

    @Benchmark
    @OperationsPerInvocation(SAMPLES)
    public int aircompressor() {
        return air.decompress(body, 0, body.length, out, 0, out.length);
    }
}
