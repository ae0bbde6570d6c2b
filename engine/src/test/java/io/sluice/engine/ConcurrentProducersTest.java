package io.sluice.engine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Several producers at once, with payloads that check themselves: the value of series s at time t is
 * a function of (s, t), so after a reopen every sample proves where it belongs, and counts prove
 * none is missing or doubled. Randomized; the seed is printed.
 */
class ConcurrentProducersTest {
    @TempDir
    Path dir;

    static double value(long series, long ts) {
        return series * 1_000_003.0 + ts;
    }

    @Test
    void producersWritingAtOnceLoseAndMixNothing() throws Exception {
        long seed = io.sluice.testing.TestSeeds.seed("ConcurrentProducersTest");
        int producers = 4;
        int seriesPerProducer = 50;
        int samplesPerSeries = 4_000;
        SluiceConfig config = SluiceConfig.builder().dir(dir).shards(2).ringSize(64).eventCapacity(64)
            .segmentSize(256 * 1024).build();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        try (Sluice db = Sluice.open(config)) {
            CyclicBarrier start = new CyclicBarrier(producers);
            Thread[] threads = new Thread[producers];
            for (int p = 0; p < producers; p++) {
                final int producer = p;
                final Random rnd = new Random(seed + p);
                threads[p] = new Thread(() -> {
                    try {
                        Appender app = db.appender();
                        long[] refs = new long[seriesPerProducer];
                        Labels[] labels = new Labels[seriesPerProducer];
                        for (int s = 0; s < seriesPerProducer; s++) {
                            labels[s] = Labels.of("__name__", "m", "producer", "p" + producer, "s", "s" + s);
                            refs[s] = db.series(labels[s]);
                        }
                        int[] next = new int[seriesPerProducer];
                        start.await();
                        int remaining = seriesPerProducer * samplesPerSeries;
                        while (remaining > 0) {
                            int s = rnd.nextInt(seriesPerProducer);
                            int n = Math.min(1 + rnd.nextInt(150), samplesPerSeries - next[s]);
                            boolean byLabels = rnd.nextInt(4) == 0; // exercise the labels-per-write path too
                            for (int k = 0; k < n; k++) {
                                long ts = next[s]++;
                                long id = producer * 1000L + s;
                                if (byLabels) {
                                    app.add(labels[s], ts, value(id, ts));
                                } else {
                                    app.add(refs[s], ts, value(id, ts));
                                }
                            }
                            remaining -= n;
                            if (rnd.nextInt(3) == 0) {
                                if (!app.tryCommit()) {
                                    app.commit();
                                }
                            } else {
                                app.commit();
                            }
                        }
                        app.commitDurable();
                    } catch (Throwable t) {
                        failure.compareAndSet(null, t);
                    }
                }, "producer-" + p);
                threads[p].start();
            }
            for (Thread t : threads) {
                t.join();
            }
            if (failure.get() != null) {
                throw new AssertionError("producer failed (seed " + seed + ")", failure.get());
            }
            EngineMetrics m = db.metrics();
            assertEquals((long) producers * seriesPerProducer * samplesPerSeries, m.samples(), "seed " + seed);
            assertEquals(0, m.rejected());
            assertEquals(producers * seriesPerProducer, m.seriesCreated());
        }
        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).build())) {
            assertEquals((long) producers * seriesPerProducer * samplesPerSeries, db.replayReport().samples());
            for (int p = 0; p < producers; p++) {
                for (int s = 0; s < seriesPerProducer; s++) {
                    long ref = db.find(Labels.of("__name__", "m", "producer", "p" + p, "s", "s" + s));
                    long id = p * 1000L + s;
                    long[] expect = {0};
                    db.read(ref, Long.MIN_VALUE, Long.MAX_VALUE, (ts, v) -> {
                        assertEquals(expect[0], ts, "gapless, ordered timestamps (seed " + seed + ")");
                        assertEquals(value(id, ts), v, "value belongs to its series and time (seed " + seed + ")");
                        expect[0]++;
                    });
                    assertEquals(samplesPerSeries, expect[0], "p" + p + "/s" + s + " (seed " + seed + ")");
                }
            }
        }
    }
}
