package io.sluice.bench.jmh;

import io.sluice.engine.Appender;
import io.sluice.engine.Labels;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * The two benchmarks the C++ predecessor published, reproduced on Sluice. An operation is one
 * <em>item</em>: one write call carrying a full label set and a single sample, as in the seed. With
 * {@code path=labels} the call is {@code add(labels, ts, value)}, which resolves the labels on every
 * call; with {@code path=ref} it is {@code add(ref, ts, value)} with refs resolved up front.
 * {@code commitEvery} is how many items go into one {@code commit()}: 1 publishes every item to
 * the ring on its own, as the seed's synchronous write did; 100 batches them.
 *
 * <ul>
 *   <li>{@link #writePerf} (seed: write_perf_bench, 233,000 items/s on one thread): series labelled
 *       {metric=benchmark_metric, host=host_&lt;i mod 100&gt;, region=us-east-&lt;i mod 5&gt;},
 *       written cyclically, one sample each. The scheme has 100 distinct label sets. Run with
 *       {@code -t 1}.</li>
 *   <li>{@link #concurrency} (seed: concurrency_perf_bench, 64,000 / 32,000 / 12,000 / 38,000
 *       items/s at 1 / 2 / 4 / 8 threads): 100,000 series {metric=concurrent_metric, id=&lt;i&gt;},
 *       each thread writing its own slice cyclically. Run with {@code -t 1}, {@code -t 2},
 *       {@code -t 4}, {@code -t 8}.</li>
 * </ul>
 *
 * Timestamps advance by one millisecond per cycle through the series, so no write is a duplicate.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class SeedBenchmark {
    static final int WRITE_PERF_SERIES = 100;
    static final int CONCURRENCY_SERIES = 100_000;

    /** The engine, shared by all threads of an iteration, and the label sets of both workloads. */
    @State(Scope.Benchmark)
    public static class Engine {
        @Param({"labels", "ref"})
        String path;

        @Param({"1", "100"})
        int commitEvery;

        EngineFixture fixture;
        Labels[] writePerfLabels;
        Labels[] concurrencyLabels;

        @Setup(Level.Trial)
        public void labels() {
            writePerfLabels = new Labels[WRITE_PERF_SERIES];
            for (int i = 0; i < WRITE_PERF_SERIES; i++) {
                writePerfLabels[i] = Labels.of("metric", "benchmark_metric", "host", "host_" + (i % 100), "region",
                    "us-east-" + (i % 5));
            }
            concurrencyLabels = new Labels[CONCURRENCY_SERIES];
            for (int i = 0; i < CONCURRENCY_SERIES; i++) {
                concurrencyLabels[i] = Labels.of("metric", "concurrent_metric", "id", Integer.toString(i));
            }
        }

        @Setup(Level.Iteration)
        public void open() throws IOException {
            fixture = new EngineFixture(0, "none", "BACKOFF");
        }

        @TearDown(Level.Iteration)
        public void close() throws IOException {
            fixture.close();
        }
    }

    /** A writer thread: its appender, its slice of series and its clock. */
    @State(Scope.Thread)
    public static class Writer {
        Appender app;
        Labels[] labels;
        long[] refs;
        int next;
        long ts;
        int pending;
        boolean byLabels;
        int commitEvery;

        @Setup(Level.Iteration)
        public void open(Engine engine, BenchmarkParams params) {
            int thread = engine.fixture.nextProducer();
            Labels[] all = params.getBenchmark().endsWith("writePerf") ? engine.writePerfLabels
                : engine.concurrencyLabels;
            int threads = params.getThreads();
            int from = (int) ((long) all.length * thread / threads);
            int to = (int) ((long) all.length * (thread + 1) / threads);
            labels = new Labels[to - from];
            refs = new long[to - from];
            for (int i = from; i < to; i++) {
                labels[i - from] = all[i];
                refs[i - from] = engine.fixture.db.series(all[i]);
            }
            app = engine.fixture.db.appender();
            byLabels = engine.path.equals("labels");
            commitEvery = engine.commitEvery;
            ts = 1_700_000_000_000L;
            next = 0;
            pending = 0;
        }

        @TearDown(Level.Iteration)
        public void close() {
            app.close();
        }

        long write() {
            int s = next;
            if (s + 1 == labels.length) {
                next = 0;
                ts++;
            } else {
                next = s + 1;
            }
            if (byLabels) {
                app.add(labels[s], ts, s);
            } else {
                app.add(refs[s], ts, s);
            }
            if (++pending == commitEvery) {
                pending = 0;
                return app.commit();
            }
            return 0;
        }
    }

    @Benchmark
    public long writePerf(Writer w) {
        return w.write();
    }

    @Benchmark
    public long concurrency(Writer w) {
        return w.write();
    }
}
