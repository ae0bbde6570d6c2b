package io.sluice.engine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Samples older than a series' newest are rejected and counted; exact duplicates are counted. */
class OutOfOrderTest {
    @TempDir
    Path dir;

    @Test
    void rejectsOlderAndConflictingSamplesAndCountsDuplicatesPerSeries() throws Exception {
        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).build())) {
            long a = db.series(Labels.of("s", "a"));
            long b = db.series(Labels.of("s", "b"));
            Appender app = db.appender();
            app.add(a, 10, 1.0);
            app.add(a, 20, 2.0);
            app.add(a, 15, 9.0); // older: rejected
            app.add(a, 20, 2.0); // exact duplicate: dropped, counted
            app.add(a, 20, 3.0); // same time, other value: rejected
            app.add(a, 30, Double.NaN); // NaN is a value like any other (Prometheus' stale marker)
            app.add(a, 30, Double.NaN); // duplicate NaN with the same bits
            app.add(b, 5, 1.0);
            app.add(b, 4, 1.0);
            db.awaitDurable(app.commit());
            app.add(a, 25, 0.0); // older than the newest of a previous commit
            app.add(a, 40, Double.POSITIVE_INFINITY);
            db.awaitDurable(app.commit());

            EngineMetrics m = db.metrics();
            assertEquals(5, m.samples());
            assertEquals(4, m.outOfOrder());
            assertEquals(2, m.duplicates());
            assertEquals(6, m.rejected());
            assertEquals(3, db.outOfOrderCount(a));
            assertEquals(2, db.duplicateCount(a));
            assertEquals(1, db.outOfOrderCount(b));
            assertEquals(0, db.duplicateCount(b));
        }
        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).build())) {
            long a = db.find(Labels.of("s", "a"));
            StringBuilder sb = new StringBuilder();
            db.read(a, Long.MIN_VALUE, Long.MAX_VALUE, (t, v) -> sb.append(t).append('=').append(v).append(' '));
            assertEquals("10=1.0 20=2.0 30=NaN 40=Infinity ", sb.toString());
            // After reopen, the newest sample is known again, so the same rules hold.
            Appender app = db.appender();
            app.add(a, 35, 1.0);
            app.add(a, 41, 1.0);
            db.awaitDurable(app.commit());
            assertEquals(1, db.metrics().outOfOrder());
            assertEquals(1, db.metrics().samples());
        }
    }

    @Test
    void rangeReadsReturnOnlyTheWindow() throws Exception {
        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).build())) {
            long a = db.series(Labels.of("s", "a"));
            Appender app = db.appender();
            for (int r = 0; r < 50; r++) {
                for (int i = 0; i < 10; i++) {
                    app.add(a, r * 10 + i, r * 10 + i);
                }
                app.commit();
            }
            db.awaitDurable(app.lastSequence());
            long[] sum = {0, 0};
            long n = db.read(a, 123, 321, (t, v) -> {
                sum[0] += t;
                sum[1]++;
            });
            assertEquals(199, n);
            assertEquals(199, sum[1]);
            assertEquals((123 + 321) * 199 / 2, sum[0]);
            assertEquals(0, db.read(a, 600, 700, (t, v) -> { }));
            assertEquals(500, db.read(a, Long.MIN_VALUE, Long.MAX_VALUE, (t, v) -> { }));
        }
    }
}
