package io.sluice.engine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The read side through the public API: selectors over the load harness' label scheme, label
 * APIs, range reads, replay rebuilding the index, and readers running against a live writer.
 */
class QueryTest {
    private static final int SERIES = 3_000;
    private static final int SAMPLES = 5;

    @TempDir
    Path dir;

    /** The bench harness' scheme with 5 labels (bench/Workload): metric_i%100, host_i%1000, i<i>, l4/l5 = v<i%10>. */
    static Labels labelsOf(long i) {
        String v = "v" + (i % 10);
        return Labels.of("__name__", "metric_" + (i % 100), "host", "host_" + (i % 1000), "instance", "i" + i,
            "l4", v, "l5", v);
    }

    /** The harness' value function. */
    static double value(long i, long ts) {
        return (double) ((i << 10) | (ts & 1023));
    }

    /** The round in which series {@code i} got its first samples in the concurrent test (10 + 2r series live). */
    private static long firstRound(long i) {
        return i < 10 ? 0 : (i - 10) / 2 + 1;
    }

    static long indexOf(Labels l) {
        return Long.parseLong(l.get("instance").substring(1));
    }

    private SluiceConfig config() {
        return SluiceConfig.builder().dir(dir).shards(2).segmentSize(1 << 20).build();
    }

    private static void load(Sluice db) throws InterruptedException {
        Appender app = db.appender();
        for (int i = 0; i < SERIES; i++) {
            long ref = db.series(labelsOf(i));
            for (int t = 0; t < SAMPLES; t++) {
                app.add(ref, 1000L + t, value(i, 1000L + t));
            }
        }
        db.awaitDurable(app.commit());
    }

    /** Series indexes that satisfy every matcher, by brute force over the scheme. */
    private static List<Long> expected(Matcher... ms) {
        List<Long> out = new ArrayList<>();
        for (long i = 0; i < SERIES; i++) {
            Labels l = labelsOf(i);
            boolean all = true;
            for (Matcher m : ms) {
                all &= m.matches(l);
            }
            if (all) {
                out.add(i);
            }
        }
        return out;
    }

    private static TreeSet<Long> indexes(Sluice db, long[] refs) {
        TreeSet<Long> out = new TreeSet<>();
        for (long ref : refs) {
            out.add(indexOf(db.labels(ref)));
        }
        return out;
    }

    private static void assertSelectorsFollowTheScheme(Sluice db) {
        Matcher[][] selectors = {
            Selector.parse("{__name__=\"metric_7\"}"),
            Selector.parse("{host=~\"host_1.*\", __name__!=\"metric_0\"}"),
            Selector.parse("metric_7{l4!=\"v3\"}"),
            Selector.parse("{l5=~\"v1|v2\", host!~\"host_.*0\"}"),
            Selector.parse("{instance=~\"i1.\", zone=\"\"}"),
            Selector.parse("{l4=\"v1\", l5=\"v2\"}"),
            Selector.parse("{__name__=~\".+\"}"),
        };
        for (Matcher[] ms : selectors) {
            long[] refs = db.series(ms);
            assertEquals(new TreeSet<>(expected(ms)), indexes(db, refs), Matcher.toString(ms));
            assertEquals(expected(ms).size(), refs.length, Matcher.toString(ms) + ": no series twice");
        }
        assertEquals(SERIES / 100, db.series(Matcher.eq("__name__", "metric_7")).length);
    }

    @Test
    void selectorsAndLabelApisFollowTheLabelScheme() throws Exception {
        try (Sluice db = Sluice.open(config())) {
            load(db);
            assertSelectorsFollowTheScheme(db);
            assertEquals(List.of("__name__", "host", "instance", "l4", "l5"), db.labelNames());
            assertEquals(100, db.labelValues("__name__").size());
            assertEquals(List.of("v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9"), db.labelValues("l4"));
            // metric_7 is i = 7 mod 100, so its hosts are host_<7 mod 100 + 100k> and its l4 is v7.
            assertEquals(List.of("v7"), db.labelValues("l4", Matcher.eq("__name__", "metric_7")));
            TreeSet<String> hosts = new TreeSet<>();
            for (long i : expected(Matcher.eq("__name__", "metric_7"))) {
                hosts.add("host_" + (i % 1000));
            }
            assertEquals(new ArrayList<>(hosts), db.labelValues("host", Matcher.eq("__name__", "metric_7")));
            assertEquals(List.of(), db.labelValues("zone"));
            long ref = db.find(labelsOf(42));
            assertEquals(labelsOf(42), db.labels(ref));
            assertNull(db.labels(SeriesRef.of(1, 1 << 20)));
            assertThrows(IllegalArgumentException.class, () -> db.series(Matcher.re("host", ".*")));
            assertThrows(IllegalArgumentException.class, () -> db.query(0, 10, Matcher.neq("host", "a")));
            assertThrows(IllegalArgumentException.class, () -> db.labelValues("host", Matcher.eq("zone", "")));
            EngineMetrics m = db.metrics();
            assertTrue(m.lookups() >= 7 + 4, "lookups counted: " + m.lookups());
        }
    }

    @Test
    void queryReturnsEachMatchedSeriesWithItsSamplesInRange() throws Exception {
        try (Sluice db = Sluice.open(config())) {
            load(db);
            int series = 0;
            try (SeriesSet set = db.query(1001, 1003, Matcher.eq("__name__", "metric_7"), Matcher.eq("l4", "v7"))) {
                assertEquals(SERIES / 100, set.seriesCount());
                while (set.next()) {
                    long i = indexOf(set.labels());
                    assertEquals("metric_7", set.labels().get("__name__"));
                    assertEquals(set.labels(), db.labels(set.ref()));
                    assertEquals(3, set.sampleCount());
                    for (int k = 0; k < 3; k++) {
                        assertEquals(1001 + k, set.timestamp(k));
                        assertEquals(value(i, 1001 + k), set.value(k));
                    }
                    series++;
                }
                assertFalse(set.next());
                assertThrows(IllegalStateException.class, set::labels);
            }
            assertEquals(SERIES / 100, series);
            try (SeriesSet none = db.query(0, 999, Matcher.eq("__name__", "metric_7"))) {
                assertTrue(none.next());
                assertEquals(0, none.sampleCount());
            }
            EngineMetrics m = db.metrics();
            assertEquals(2, m.queries());
            assertEquals(2, m.queryLatency().getTotalCount());
            assertThrows(IllegalArgumentException.class, () -> db.query(5, 4, Matcher.eq("a", "b")));
        }
    }

    @Test
    void replayRebuildsTheIndex() throws Exception {
        long[] before;
        try (Sluice db = Sluice.open(config())) {
            load(db);
            db.series(labelsOf(SERIES + 1)); // created but never written: not in the WAL, so not indexed
            before = db.series(Matcher.re("host", "host_1.*"));
            assertEquals(SERIES, db.series(Matcher.re("instance", ".+")).length);
        }
        try (Sluice db = Sluice.open(config())) {
            assertArrayEquals(before, db.series(Matcher.re("host", "host_1.*")));
            assertSelectorsFollowTheScheme(db);
            assertEquals(SERIES, db.series(Matcher.re("instance", ".+")).length);
            assertEquals(10, db.labelValues("l5").size());
            try (SeriesSet set = db.query(Long.MIN_VALUE, Long.MAX_VALUE, Matcher.eq("instance", "i7"))) {
                assertTrue(set.next());
                assertEquals(SAMPLES, set.sampleCount());
                assertEquals(value(7, 1000), set.value(0));
                assertFalse(set.next());
            }
        }
    }

    @Test
    void readersRunningWithTheWriterSeeWholeSeriesAndMonotonicSamples() throws Exception {
        int series = 400;
        int rounds = 300;
        int readers = 2;
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicLong finalPassSamples = new AtomicLong();
        AtomicLong queries = new AtomicLong();
        try (Sluice db = Sluice.open(config())) {
            CountDownLatch writerDone = new CountDownLatch(1);
            Thread writer = new Thread(() -> {
                try {
                    Appender app = db.appender();
                    long[] refs = new long[series];
                    boolean[] created = new boolean[series];
                    for (int r = 0; r < rounds; r++) {
                        // New series keep arriving while old ones grow: the index changes under the readers.
                        int live = Math.min(series, 10 + r * 2);
                        for (int i = 0; i < live; i++) {
                            if (!created[i]) {
                                refs[i] = db.series(labelsOf(i));
                                created[i] = true;
                            }
                            for (int k = 0; k < 4; k++) {
                                long ts = r * 4L + k;
                                app.add(refs[i], ts, value(i, ts));
                            }
                        }
                        app.commit();
                    }
                    db.awaitDurable(app.commit());
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                } finally {
                    writerDone.countDown();
                }
            }, "test-writer");
            Thread[] readerThreads = new Thread[readers];
            for (int t = 0; t < readers; t++) {
                final Matcher[] selector = t == 0
                    ? new Matcher[] {Matcher.re("host", "host_1.*"), Matcher.neq("__name__", "metric_10")}
                    : new Matcher[] {Matcher.eq("l4", "v3")};
                readerThreads[t] = new Thread(() -> {
                    try {
                        boolean last = false;
                        while (!last && failure.get() == null) {
                            last = writerDone.getCount() == 0; // one full pass after the writer finished
                            java.util.Set<Long> seenSeries = new java.util.TreeSet<>();
                            long passSamples = 0;
                            try (SeriesSet set = db.query(Long.MIN_VALUE, Long.MAX_VALUE, selector)) {
                                while (set.next()) {
                                    Labels l = set.labels();
                                    for (Matcher m : selector) {
                                        assertTrue(m.matches(l), l + " does not match " + m);
                                    }
                                    long i = indexOf(l);
                                    long prev = -1;
                                    for (int k = 0; k < set.sampleCount(); k++) {
                                        long ts = set.timestamp(k);
                                        assertTrue(ts > prev, l + ": timestamp " + ts + " after " + prev);
                                        assertEquals(value(i, ts), set.value(k), l + " at " + ts);
                                        prev = ts;
                                    }
                                    if (last) {
                                        assertEquals(4 * (rounds - firstRound(i)), set.sampleCount(),
                                            l + " after the writer finished: every sample it wrote");
                                    }
                                    seenSeries.add(i);
                                    passSamples += set.sampleCount();
                                }
                            }
                            if (last) {
                                // The final pass returns exactly the written series the selector matches, whole.
                                java.util.Set<Long> want = new java.util.TreeSet<>();
                                long wantSamples = 0;
                                for (long i : expected(selector)) {
                                    if (i < series) {
                                        want.add(i);
                                        wantSamples += 4 * (rounds - firstRound(i));
                                    }
                                }
                                assertEquals(want, seenSeries, "series of the final pass");
                                assertEquals(wantSamples, passSamples, "samples of the final pass");
                                finalPassSamples.addAndGet(passSamples);
                            }
                            queries.incrementAndGet();
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                }, "test-reader-" + t);
            }
            writer.start();
            for (Thread r : readerThreads) {
                r.start();
            }
            writer.join();
            for (Thread r : readerThreads) {
                r.join();
            }
            if (failure.get() != null) {
                throw new AssertionError("failed: " + failure.get(), failure.get());
            }
            assertEquals(expected(Matcher.eq("l4", "v3")).stream().filter(i -> i < series).count(),
                db.series(Matcher.eq("l4", "v3")).length);
        }
        assertTrue(queries.get() >= readers, "every reader finished at least its final pass");
        assertTrue(finalPassSamples.get() > 0, "the final passes checked samples");
    }
}
