package io.sluice.bench.jmh;

import io.sluice.bench.Workload;
import io.sluice.engine.Labels;
import io.sluice.engine.Matcher;
import io.sluice.engine.SeriesRef;
import io.sluice.index.LabelsHasher;
import io.sluice.index.PostingsShard;
import io.sluice.index.SeriesRegistry;
import io.sluice.head.ShardHead;
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
import org.roaringbitmap.IntIterator;
import org.roaringbitmap.RoaringBitmap;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.concurrent.TimeUnit;

/**
 * The query side's index over the load harness' label scheme ({@link Workload}, 8 labels):
 * creating series (building {@code Labels} from strings, registry insert, postings insert, as a
 * new series pays in the engine), and selecting with an equality and a regex matcher over
 * 1,000,000 series. Selection runs the engine's scatter/gather: every shard's index, then the
 * union as refs. {@link #heapBytesPerSeries} prints the heap that 1,000,000 series take.
 */
@Fork(value = 1, jvmArgsAppend = {"-Xms4g", "-Xmx4g", "-XX:+AlwaysPreTouch"})
public class IndexBenchmark {
    /** The label strings of every series, as a client would hold them. */
    @State(Scope.Benchmark)
    public static class Inputs {
        @Param({"1000000"})
        int series;

        @Param({"1"})
        int shards;

        String[][] pairs;

        @Setup(Level.Trial)
        public void setup() {
            pairs = pairs(series);
        }
    }

    /** A registry and index already holding every series. */
    @State(Scope.Benchmark)
    public static class Built {
        PostingsShard[] indexes;

        @Setup(Level.Trial)
        public void setup(Inputs in) {
            indexes = create(new SeriesRegistry(in.shards, LabelsHasher.DEFAULT, l -> 0), in.shards, in.pairs);
            in.pairs = null;
        }
    }

    static String[][] pairs(int series) {
        Workload w = new Workload(series, 8);
        String[][] pairs = new String[series][];
        for (int i = 0; i < series; i++) {
            Labels l = w.labelsOf(i);
            String[] kv = new String[16];
            for (int k = 0; k < 8; k++) {
                kv[2 * k] = l.name(k);
                kv[2 * k + 1] = l.value(k);
            }
            pairs[i] = kv;
        }
        return pairs;
    }

    static PostingsShard[] create(SeriesRegistry registry, int shards, String[][] pairs) {
        PostingsShard[] indexes = new PostingsShard[shards];
        for (int s = 0; s < shards; s++) {
            indexes[s] = new PostingsShard();
        }
        for (String[] kv : pairs) {
            Labels labels = Labels.of(kv);
            long ref = registry.getOrCreate(labels);
            indexes[SeriesRef.shard(ref)].add(SeriesRef.localId(ref), labels);
        }
        return indexes;
    }

    /**
     * One operation creates all {@code series} series (8 labels each) in a fresh registry and
     * index: series/s = series / score. The label strings exist already, as they would in a
     * client; {@code Labels} construction (validation, sort, hash) is included.
     */
    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Warmup(iterations = 3)
    @Measurement(iterations = 5)
    public PostingsShard[] createSeries(Inputs in) {
        SeriesRegistry r = new SeriesRegistry(in.shards, LabelsHasher.DEFAULT, l -> 0);
        return create(r, in.shards, in.pairs);
    }

    private static long[] select(PostingsShard[] indexes, Matcher... matchers) {
        RoaringBitmap[] per = new RoaringBitmap[indexes.length];
        int total = 0;
        for (int s = 0; s < indexes.length; s++) {
            per[s] = indexes[s].select(matchers);
            total += per[s].getCardinality();
        }
        long[] refs = new long[total];
        int k = 0;
        for (int s = 0; s < indexes.length; s++) {
            IntIterator it = per[s].getIntIterator();
            while (it.hasNext()) {
                refs[k++] = SeriesRef.of(s, it.next());
            }
        }
        return refs;
    }

    /** {@code {__name__="metric_7"}}: 1% of the series. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    @Warmup(iterations = 3, time = 1)
    @Measurement(iterations = 5, time = 1)
    public long[] selectMetricName(Built b) {
        return select(b.indexes, Matcher.eq("__name__", "metric_7"));
    }

    /** {@code {host=~"host_1.*"}}: the regex runs on each of the 1,000 host values; 11.1% of the series. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    @Warmup(iterations = 3, time = 1)
    @Measurement(iterations = 5, time = 1)
    public long[] selectHostRegex(Built b) {
        return select(b.indexes, Matcher.re("host", "host_1.*"));
    }

    /** {@code {instance=~"i12345.*"}}: the regex runs on each of the 1,000,000 instance values. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    @Warmup(iterations = 3, time = 1)
    @Measurement(iterations = 5, time = 1)
    public long[] selectInstanceRegex(Built b) {
        return select(b.indexes, Matcher.re("instance", "i12345.*"));
    }

    /** {@code {host=~"host_1.*", __name__!="metric_0", l4!="v3"}}: regex, then two subtractions. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    @Warmup(iterations = 3, time = 1)
    @Measurement(iterations = 5, time = 1)
    public long[] selectRegexAndNegations(Built b) {
        return select(b.indexes, Matcher.re("host", "host_1.*"), Matcher.neq("__name__", "metric_0"), Matcher.neq("l4", "v3"));
    }

    /**
     * Not a timing: prints the heap (used after GC) that 1,000,000 series take, first with the
     * registry alone (Labels, label strings, table), then with the postings index too.
     */
    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Warmup(iterations = 0)
    @Measurement(iterations = 1)
    public long heapBytesPerSeries() {
        int series = 1_000_000;
        int shards = 1;
        Workload w = new Workload(series, 8);
        long base = usedAfterGc();
        SeriesRegistry r = new SeriesRegistry(shards, LabelsHasher.DEFAULT, l -> 0);
        for (int i = 0; i < series; i++) {
            r.getOrCreate(w.labelsOf(i));
        }
        long registryOnly = usedAfterGc();
        PostingsShard[] idx = new PostingsShard[shards];
        for (int s = 0; s < shards; s++) {
            idx[s] = new PostingsShard();
        }
        for (int s = 0; s < shards; s++) {
            for (int id = 0; id < r.idLimit(s); id++) {
                idx[s].add(id, r.labels(s, id));
            }
        }
        long withIndex = usedAfterGc();
        ShardHead store = new ShardHead(0, 7_200_000);
        for (int id = 0; id < series; id++) {
            store.getOrCreate(id);
        }
        long withStore = usedAfterGc();
        System.out.printf("%nheap per series (%,d series x 8 labels): registry incl. Labels and their strings %d B,"
                + " postings index %d B, head series state (no samples) %d B, total %d B%n", series,
            (registryOnly - base) / series, (withIndex - registryOnly) / series, (withStore - withIndex) / series,
            (withStore - base) / series);
        return r.size() + idx[shards - 1].seriesCount() + store.seriesCount();
    }

    private static long usedAfterGc() {
        MemoryMXBean mx = ManagementFactory.getMemoryMXBean();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return mx.getHeapMemoryUsage().getUsed();
    }
}
