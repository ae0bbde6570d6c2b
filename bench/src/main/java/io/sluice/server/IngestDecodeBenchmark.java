package io.sluice.server;

import io.sluice.bench.Workload;
import io.sluice.engine.Labels;
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
 * The server's decode path for one remote-write request of 2,000 samples (2,000 series × 8 labels,
 * the load's shape), series already known: snappy decompression, protobuf decoding into the reused
 * {@link WriteBatch}, and each series' resolution from its raw label bytes in the {@link SeriesCache}.
 * Per operation = per sample. Run with {@code -prof gc}: the allocation per sample is what shows
 * whether decoding allocates per sample (it must not: {@code gc.alloc.rate.norm} stays near 0).
 * (In package {@code io.sluice.server} to reach the server's package-private decoder.)
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class IngestDecodeBenchmark {
    public static final int SAMPLES = 2000;

    private byte[] body;
    private final WriteBatch batch = new WriteBatch();
    private final RemoteWriteDecoder decoder = new RemoteWriteDecoder();
    private final SeriesCache cache = new SeriesCache();

    /** A remote-write request body of the load's shape: {@value #SAMPLES} series of 8 labels, one sample each. */
    public static byte[] loadShapedRequest() {
        Workload w = new Workload(SAMPLES, 8);
        RemoteWriteEncoder e = new RemoteWriteEncoder();
        for (int s = 0; s < SAMPLES; s++) {
            Labels l = w.labelsOf(s);
            String[] kv = new String[2 * l.size()];
            for (int i = 0; i < l.size(); i++) {
                kv[2 * i] = l.name(i);
                kv[2 * i + 1] = l.value(i);
            }
            e.series(kv, new long[] {1_767_225_600_000L + s}, new double[] {s});
        }
        return e.body();
    }

    @Setup
    public void setup() throws Exception {
        body = loadShapedRequest();
        decodeOnce();
        for (int s = 0; s < batch.series; s++) {
            cache.insert(batch, s, batch.keyHash[s], s, Long.MIN_VALUE);
        }
    }

    private int decodeOnce() throws Exception {
        int n = Snappy.uncompressedLength(body);
        if (batch.plain.length < n) {
            batch.plain = new byte[n];
        }
        int len = Snappy.uncompress(body, 0, body.length, batch.plain, 0);
        decoder.decode(batch.plain, len, batch);
        return len;
    }

    /** Decompress, decode and resolve every series: the ingest path up to the engine's appender. */
    @Benchmark
    @OperationsPerInvocation(SAMPLES)
    public long decodeAndResolve() throws Exception {
        decodeOnce();
        long sum = 0;
        for (int s = 0; s < batch.series; s++) {
            int state = cache.find(batch, s, batch.keyHash[s]);
            sum += cache.ref(state) + batch.timestamps[batch.sampleFrom[s]];
        }
        return sum;
    }
}
