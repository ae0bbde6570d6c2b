package io.sluice.bench.jmh;

import io.sluice.bench.Workload;
import io.sluice.engine.Labels;
import io.sluice.index.LabelsHasher;
import io.sluice.index.SeriesRegistry;
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
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The series registry alone: resolving an existing label set to its ref (what
 * {@code add(labels, ...)} pays per sample), building a {@code Labels} (what a caller pays who does
 * not keep them), and creating new series.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class RegistryBenchmark {
    @Param({"100000"})
    int series;

    SeriesRegistry registry;
    Labels[] labels;
    String[][] pairs;

    @Setup(Level.Trial)
    public void fill() {
        registry = new SeriesRegistry(1, LabelsHasher.DEFAULT, l -> 0);
        Workload w = new Workload(series, 8);
        labels = new Labels[series];
        pairs = new String[series][];
        for (int i = 0; i < series; i++) {
            labels[i] = w.labelsOf(i);
            registry.getOrCreate(labels[i]);
            String[] kv = new String[16];
            for (int k = 0; k < 8; k++) {
                kv[2 * k] = labels[i].name(k);
                kv[2 * k + 1] = labels[i].value(k);
            }
            pairs[i] = kv;
        }
    }

    /** Per-thread cursor over the series. */
    @State(Scope.Thread)
    public static class Cursor {
        int next;
        int created;

        int step(int n) {
            int i = next;
            next = i + 1 == n ? 0 : i + 1;
            return i;
        }
    }

    /** An existing series from a kept {@code Labels}: hash cached, one probe, one comparison. */
    @Benchmark
    public long lookupExisting(Cursor c) {
        return registry.getOrCreate(labels[c.step(series)]);
    }

    /** An existing series from strings: build and validate {@code Labels} (8 labels), then look up. */
    @Benchmark
    public long buildLabelsAndLookup(Cursor c) {
        return registry.getOrCreate(Labels.of(pairs[c.step(series)]));
    }

    /** A new series every call (8 labels), in a registry that grows without bound during the run. */
    @Benchmark
    public long createSeries(Cursor c) {
        int i = c.created++;
        return registry.getOrCreate(Labels.of("__name__", "new_metric", "host", "h", "instance", "n" + i, "l4", "v",
            "l5", "v", "l6", "v", "l7", "v", "l8", "v"));
    }
}
