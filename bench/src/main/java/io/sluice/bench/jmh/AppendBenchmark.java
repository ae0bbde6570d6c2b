package io.sluice.bench.jmh;

import io.sluice.bench.Workload;
import io.sluice.engine.Appender;
import io.sluice.engine.Durability;
import io.sluice.engine.Labels;
import io.sluice.engine.Sluice;
import io.sluice.engine.SluiceConfig;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * End to end append: one producer thread adds samples through an {@link Appender} and commits; the
 * shard handler appends them to the mapped WAL on its own thread. One operation is one sample.
 * Backpressure makes the producer's rate the engine's rate. Each iteration gets a fresh directory.
 *
 * <p>Run with {@code -prof gc}: {@code gc.alloc.rate.norm} counts bytes allocated by every thread
 * (producer and handler) per sample.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class AppendBenchmark {
    static final int BATCH = 100;
    static final int SERIES = 1000;

    @Param({"1"})
    int shards;

    @Param({"none"})
    String durability;

    private Path dir;
    private Sluice db;
    private Appender app;
    private long[] refs;
    private Labels[] labels;
    private int next;
    private long ts;

    @Setup(Level.Iteration)
    public void open() throws IOException {
        dir = Files.createTempDirectory("sluice-jmh-append-");
        db = Sluice.open(SluiceConfig.builder().dir(dir).shards(shards).durability(Durability.parse(durability))
            .build());
        Workload w = new Workload(SERIES, 8);
        refs = new long[SERIES];
        labels = new Labels[SERIES];
        for (int i = 0; i < SERIES; i++) {
            labels[i] = w.labelsOf(i);
            refs[i] = db.series(labels[i]);
        }
        app = db.appender();
        ts = 1_700_000_000_000L;
    }

    @TearDown(Level.Iteration)
    public void close() throws IOException {
        app.close();
        db.close();
        JmhFiles.delete(dir);
    }

    /** Cached refs: {@code BATCH} samples of one series, then commit. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long cachedRef() {
        int s = next;
        next = s + 1 == SERIES ? 0 : s + 1;
        if (s == 0) {
            ts += BATCH;
        }
        long ref = refs[s];
        long base = ts;
        for (int j = 0; j < BATCH; j++) {
            app.add(ref, base + j, Workload.value(s, base + j));
        }
        return app.commit();
    }

    /** Labels per write: every sample resolves its series from its labels, as Prometheus' Append with ref 0. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long labelsPerWrite() {
        int s = next;
        next = s + 1 == SERIES ? 0 : s + 1;
        if (s == 0) {
            ts += BATCH;
        }
        Labels l = labels[s];
        long base = ts;
        for (int j = 0; j < BATCH; j++) {
            app.add(l, base + j, Workload.value(s, base + j));
        }
        return app.commit();
    }
}
