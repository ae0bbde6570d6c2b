package io.sluice.bench.jmh;

import io.sluice.bench.Workload;
import io.sluice.engine.Appender;
import io.sluice.engine.Sluice;
import io.sluice.engine.SluiceConfig;
import io.sluice.engine.StorageStats;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The head's heap, measured through the engine (used heap after full GCs): what a series costs once
 * it is active (its {@code HeadSeries} with the open chunk's encoder state; the chunk's bytes live
 * off the heap), and what each further sample costs (full chunks go to the memory-mapped head-chunk
 * log and are chained there, so the heap should not grow with samples at all). The registry and
 * index (labels, postings) are measured separately, before the first sample. Compaction is off:
 * the run spans 4.2 h of sample time, and a block written meanwhile would add its index to the heap.
 */
@Fork(value = 1, jvmArgsAppend = {"-Xms4g", "-Xmx4g"})
@State(Scope.Benchmark)
public class HeadBenchmark {
    /** Series; each gets {@link #samples} samples at 15 s steps. */
    @Param({"100000"})
    int series;

    @Param({"1000"})
    int samples;

    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Warmup(iterations = 0)
    @Measurement(iterations = 1)
    public long heapBytesPerSeriesAndSample() throws Exception {
        Path dir = Files.createTempDirectory("sluice-head-heap");
        try {
            Workload w = new Workload(series, 8);
            long base = usedAfterGc();
            try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).shards(1).compaction(false).build())) {
                long[] refs = new long[series];
                for (int i = 0; i < series; i++) {
                    refs[i] = db.series(w.labelsOf(i));
                }
                long registered = usedAfterGc();
                Appender app = db.appender();
                long ts = 1_700_000_000_000L;
                writeRound(db, app, refs, ts);
                long active = usedAfterGc();
                for (int k = 1; k < samples; k++) {
                    writeRound(db, app, refs, ts + 15_000L * k);
                }
                long full = usedAfterGc();
                StorageStats st = db.storageStats();
                long moreSamples = (long) series * (samples - 1);
                System.out.printf("%n%,d series x 8 labels, %,d samples each (%,d in all, %,d chunks, %.2f chunk bytes"
                        + " per sample)%n", series, samples, st.headSamples(), st.headChunks(),
                    (double) st.headChunkBytes() / st.headSamples());
                System.out.printf("registry per series (labels, no sample yet):     %,d B%n", (registered - base) / series);
                System.out.printf("head and index per active series (1st sample): %,d B%n", (active - registered) / series);
                System.out.printf("head per further sample:                        %.4f B (%,d B over %,d samples)%n",
                    (double) (full - active) / moreSamples, full - active, moreSamples);
                return full;
            }
        } finally {
            try (Stream<Path> walk = Files.walk(dir)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void writeRound(Sluice db, Appender app, long[] refs, long ts) throws InterruptedException {
        for (int i = 0; i < refs.length; i++) {
            app.add(refs[i], ts, Workload.mixed(i, ts / 15_000));
            if (i % 200 == 199) {
                app.commit();
            }
        }
        db.awaitDurable(app.commit());
    }

    private static long usedAfterGc() throws IOException {
        MemoryMXBean mx = ManagementFactory.getMemoryMXBean();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return mx.getHeapMemoryUsage().getUsed();
    }
}
