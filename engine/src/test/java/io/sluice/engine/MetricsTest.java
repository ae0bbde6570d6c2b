package io.sluice.engine;

import io.sluice.testing.FaultyFileSystem;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetricsTest {
    @TempDir
    Path dir;

    @Test
    void countersAndLatencyHistogramsAccountForEverySample() throws Exception {
        AtomicLong intervalAppended = new AtomicLong();
        AtomicLong intervalDurable = new AtomicLong();
        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).shards(2).durability(Durability.BATCH)
            .metricsInterval(Duration.ofMillis(50)).build())) {
            db.addIntervalListener(interval -> {
                intervalAppended.addAndGet(interval.appendLatency().getTotalCount());
                intervalDurable.addAndGet(interval.durableLatency().getTotalCount());
                assertTrue(interval.endMillis() >= interval.startMillis());
            });
            Appender app = db.appender();
            int series = 50;
            for (int s = 0; s < series; s++) {
                long ref = db.series(Labels.of("__name__", "m", "s", Integer.toString(s)));
                for (int i = 0; i < 200; i++) { // fewer than an event holds: one samples record each
                    app.add(ref, i, i);
                }
                app.commit();
            }
            db.awaitDurable(app.lastSequence());
            db.endMetricsInterval();
            EngineMetrics m = db.metrics();
            assertEquals(10_000, m.samples());
            assertEquals(series, m.seriesCreated());
            assertEquals(series * 2, m.records(), "one series record and one samples record per series");
            assertEquals(10_000, m.durableSamples());
            assertTrue(m.forces() >= 1);
            long expectedBytes = 0;
            for (int s = 0; s < series; s++) {
                expectedBytes += io.sluice.wal.FrameDescriptor.framedLength(io.sluice.record.SeriesRecord.bodyLength(
                    Labels.of("__name__", "m", "s", Integer.toString(s))));
                expectedBytes += io.sluice.wal.FrameDescriptor.framedLength(io.sluice.record.SamplesRecord.bodyLength(200));
            }
            assertEquals(expectedBytes, m.bytes(), "framed bytes of every series record and samples record");
            assertEquals(0, m.rejected());
            assertEquals(0, m.errors());
            assertEquals(2, m.shards().size());
            Histogram a = m.appendLatency();
            Histogram d = m.durableLatency();
            assertEquals(10_000, a.getTotalCount(), "one latency value per sample");
            assertEquals(10_000, d.getTotalCount());
            assertTrue(d.getValueAtPercentile(50) >= a.getValueAtPercentile(50) / 2, "durable comes after appended");
            assertEquals(10_000, intervalAppended.get(), "the intervals add up to the total");
            assertEquals(10_000, intervalDurable.get());
            long perShard = m.shards().stream().mapToLong(EngineMetrics.ShardMetrics::samples).sum();
            assertEquals(10_000, perShard);
        }
    }

    @Test
    void perItemCommitsAreMeasuredOneInSixteenAndCountedAlmostAll() throws Exception {
        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).shards(2).build())) {
            long[] refs = new long[4];
            for (int s = 0; s < refs.length; s++) {
                refs[s] = db.series(Labels.of("__name__", "m", "s", Integer.toString(s))); // both shards, in turn
            }
            Appender app = db.appender();
            int commits = 3_200;
            for (int i = 0; i < commits; i++) {
                app.add(refs[i % refs.length], i, i);
                app.commit();
            }
            db.awaitDurable(app.lastSequence());
            EngineMetrics m = db.metrics();
            assertEquals(commits, m.samples());
            long counted = m.appendLatency().getTotalCount();
            // Every sample is counted but those after each shard's last measured commit: fewer than
            // sixteen a shard for one producer (CommitClock).
            assertTrue(counted > commits - 2 * 16 && counted <= commits, "counted " + counted + " of " + commits);
            for (EngineMetrics.ShardMetrics shard : m.shards()) {
                assertTrue(shard.samples() > 0, "every shard took samples");
            }
        }
    }

    @Test
    void tryCommitRejectionsAreCounted() throws Exception {
        FaultyFileSystem fs = new FaultyFileSystem();
        fs.beforeForce = () -> {
            try {
                Thread.sleep(5); // a slow disk
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).ringSize(2).eventCapacity(2)
            .durability(Durability.BATCH).fileSystem(fs).build())) {
            long ref = db.series(Labels.of("s", "a"));
            Appender app = db.appender();
            long rejected = 0;
            long ts = 0;
            for (int i = 0; i < 2000 && rejected == 0; i++) {
                app.add(ref, ts++, 1);
                if (!app.tryCommit()) {
                    rejected++;
                    assertEquals(1, app.staged(), "a rejected commit keeps its samples staged");
                    app.commit();
                }
            }
            assertTrue(rejected > 0, "a two-slot ring behind fsync fills up");
            assertEquals(rejected, db.metrics().commitRejections());
        }
    }
}
