package io.sluice.bench.jmh;

import io.sluice.bench.Workload;
import io.sluice.engine.Appender;
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
 * Replay on open: a directory holding {@value #SAMPLES} samples of 10,000 series (the load harness'
 * workload, 100 samples per record) is opened (replay: checksums, ordering checks, registry and
 * store rebuilt) and closed again. One operation is one replayed sample. The files stay in the page
 * cache, as they are right after a process crash.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 4)
@Fork(1)
public class ReplayBenchmark {
    static final int SAMPLES = 20_000_000;
    static final int SERIES = 10_000;

    Path dir;

    @Setup(Level.Trial)
    public void write() throws Exception {
        dir = Files.createTempDirectory("sluice-jmh-replay-");
        Workload w = new Workload(SERIES, 8);
        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).shards(1).build())) {
            long[] refs = new long[SERIES];
            for (int i = 0; i < SERIES; i++) {
                refs[i] = db.series(w.labelsOf(i));
            }
            Appender app = db.appender();
            long ts = 1_700_000_000_000L;
            int written = 0;
            while (written < SAMPLES) {
                for (int i = 0; i < SERIES && written < SAMPLES; i++) {
                    for (int j = 0; j < 100; j++) {
                        app.add(refs[i], ts + j, Workload.value(i, ts + j));
                    }
                    app.commit();
                    written += 100;
                }
                ts += 100;
            }
            db.awaitDurable(app.commit());
        }
    }

    @TearDown(Level.Trial)
    public void delete() throws IOException {
        JmhFiles.delete(dir);
    }

    @Benchmark
    @OperationsPerInvocation(SAMPLES)
    public long openAndClose() throws IOException {
        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).build())) {
            long n = db.replayReport().samples();
            if (n != SAMPLES) {
                throw new IllegalStateException("replayed " + n + " samples, wrote " + SAMPLES);
            }
            return n;
        }
    }
}
