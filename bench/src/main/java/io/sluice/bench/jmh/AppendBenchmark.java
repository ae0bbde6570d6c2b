package io.sluice.bench.jmh;

import io.sluice.bench.Workload;
import io.sluice.engine.Appender;
import io.sluice.engine.Labels;
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
import java.util.concurrent.TimeUnit;

/**
 * End to end append: producer threads ({@code -t N}) add samples through their own {@link Appender}
 * to one shared engine, whose shard handlers append them to the mapped WAL on their own threads.
 * One operation is one sample; backpressure makes the producers' rate the engine's rate. Each
 * iteration gets a fresh directory.
 *
 * <p>Run with {@code -prof gc}: {@code gc.alloc.rate.norm} counts bytes allocated by every thread
 * (producers, handlers, metrics) per sample.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class AppendBenchmark {
    static final int BATCH = 100;
    static final int SERIES_PER_PRODUCER = 1000;

    /** The engine, one per iteration, shared by all producer threads. */
    @State(Scope.Benchmark)
    public static class Engine {
        @Param({"1"})
        int shards;

        @Param({"none"})
        String durability;

        @Param({"BACKOFF"})
        String waitStrategy;

        EngineFixture fixture;

        @Setup(Level.Iteration)
        public void open() throws IOException {
            fixture = new EngineFixture(shards, durability, waitStrategy);
        }

        @TearDown(Level.Iteration)
        public void close() throws IOException {
            fixture.close();
        }
    }

    /** One producer: its appender and its own series. */
    @State(Scope.Thread)
    public static class Producer {
        Appender app;
        long[] refs;
        Labels[] labels;
        long[] ids;
        int next;
        long ts;

        @Setup(Level.Iteration)
        public void open(Engine engine) {
            int p = engine.fixture.nextProducer();
            Workload w = new Workload(Integer.MAX_VALUE, 8);
            refs = new long[SERIES_PER_PRODUCER];
            labels = new Labels[SERIES_PER_PRODUCER];
            ids = new long[SERIES_PER_PRODUCER];
            for (int i = 0; i < SERIES_PER_PRODUCER; i++) {
                ids[i] = (long) p * SERIES_PER_PRODUCER + i;
                labels[i] = w.labelsOf(ids[i]);
                refs[i] = engine.fixture.db.series(labels[i]);
            }
            app = engine.fixture.db.appender();
            ts = 1_700_000_000_000L;
            next = 0;
        }

        @TearDown(Level.Iteration)
        public void close() {
            app.close();
        }

        /** The next series to write; advances time once per cycle. */
        int step() {
            int s = next;
            next = s + 1 == SERIES_PER_PRODUCER ? 0 : s + 1;
            if (s == 0) {
                ts += BATCH;
            }
            return s;
        }
    }

    /** Cached refs: {@code BATCH} samples of one series, then commit. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long cachedRef(Producer p) {
        int s = p.step();
        long ref = p.refs[s];
        long id = p.ids[s];
        long base = p.ts;
        Appender app = p.app;
        for (int j = 0; j < BATCH; j++) {
            app.add(ref, base + j, Workload.value(id, base + j));
        }
        return app.commit();
    }

    /** Labels per write: every sample resolves its series from its labels, as Prometheus' Append with ref 0. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long labelsPerWrite(Producer p) {
        int s = p.step();
        Labels l = p.labels[s];
        long id = p.ids[s];
        long base = p.ts;
        Appender app = p.app;
        for (int j = 0; j < BATCH; j++) {
            app.add(l, base + j, Workload.value(id, base + j));
        }
        return app.commit();
    }

    /**
     * Scrape-shaped commits: one sample of each of {@code BATCH} series per commit (one COMPACT record),
     * the shape that used to grow the store's position arrays per sample.
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long scrapeShaped(Producer p) {
        Appender app = p.app;
        long ts = ++p.ts;
        for (int j = 0; j < BATCH; j++) {
            int s = (p.next + j) % SERIES_PER_PRODUCER;
            app.add(p.refs[s], ts, Workload.value(p.ids[s], ts));
        }
        p.next = (p.next + BATCH) % SERIES_PER_PRODUCER;
        return app.commit();
    }

    /**
     * Per-item commits: one sample per commit, the producer's series in turn; each commit is its own
     * ring event, and the handler writes the events of a batch as one COMPACT record.
     */
    @Benchmark
    public long perItem(Producer p) {
        int s = p.next;
        p.next = s + 1 == SERIES_PER_PRODUCER ? 0 : s + 1;
        if (s == 0) {
            p.ts++;
        }
        Appender app = p.app;
        app.add(p.refs[s], p.ts, Workload.value(p.ids[s], p.ts));
        return app.commit();
    }
}
