package io.sluice.engine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What producers can throw at the engine: special values are stored bit for bit; out-of-order and
 * duplicate timestamps are refused and counted per series; bad labels get a clear
 * {@link IllegalArgumentException} at the API, before anything reaches the ring; a producer that
 * keeps going after close gets an {@link IllegalStateException}. (OutOfOrderTest and LabelsTest hold
 * the finer cases of the rules; this test drives each one through the engine.)
 */
class HostileInputTest {
    /** Prometheus' stale marker: a NaN with payload 2 (value.StaleNaN). */
    static final long STALE_NAN_BITS = 0x7ff0000000000002L;

    @TempDir
    Path dir;

    private SluiceConfig.Builder config() {
        return SluiceConfig.builder().dir(dir).shards(2);
    }

    @Test
    void nanInfinitiesNegativeZeroAndTheStaleMarkerAreStoredBitForBitAndSurviveReplay() throws Exception {
        double[] values = {Double.NaN, Double.longBitsToDouble(STALE_NAN_BITS), Double.POSITIVE_INFINITY,
            Double.NEGATIVE_INFINITY, -0.0, Double.MIN_VALUE, Double.MAX_VALUE, Double.longBitsToDouble(0xfff8dead0000beefL)};
        Labels labels = Labels.of("__name__", "up", "job", "x");
        try (Sluice db = Sluice.open(config().build())) {
            Appender app = db.appender();
            for (int i = 0; i < values.length; i++) {
                app.add(labels, i, values[i]);
            }
            db.awaitDurable(app.commit());
            assertBits(db, labels, values);
        }
        try (Sluice db = Sluice.open(config().build())) {
            assertBits(db, labels, values);
        }
    }

    private static void assertBits(Sluice db, Labels labels, double[] values) {
        List<Long> bits = new ArrayList<>();
        db.read(db.find(labels), Long.MIN_VALUE, Long.MAX_VALUE, (t, v) -> bits.add(Double.doubleToRawLongBits(v)));
        assertEquals(values.length, bits.size());
        for (int i = 0; i < values.length; i++) {
            assertEquals(Double.doubleToRawLongBits(values[i]), bits.get(i), "value " + i + " keeps its exact bits");
        }
    }

    @Test
    void outOfOrderAndDuplicateTimestampsAreRejectedAndCountedPerSeriesInEveryShard() throws Exception {
        try (Sluice db = Sluice.open(config().build())) {
            Appender app = db.appender();
            long[] refs = new long[16];
            int[] perShard = new int[2];
            for (int s = 0; s < refs.length; s++) {
                refs[s] = db.series(Labels.of("s", Integer.toString(s)));
                perShard[SeriesRef.shard(refs[s])]++;
                for (int k = 0; k <= s; k++) {
                    app.add(refs[s], 100, 1.0);   // the first is stored; the s repeats are exact duplicates
                }
                for (int k = 0; k < s % 3; k++) {
                    app.add(refs[s], 50 + k, 1.0); // older: out of order
                }
                app.add(refs[s], 100, 2.0);       // same time, another value: out of order too
            }
            db.awaitDurable(app.commit());
            assertTrue(perShard[0] > 0 && perShard[1] > 0);
            long dups = 0;
            long ooo = 0;
            for (int s = 0; s < refs.length; s++) {
                assertEquals(1, db.sampleCount(refs[s]));
                assertEquals(s, db.duplicateCount(refs[s]), "series " + s);
                assertEquals(s % 3 + 1, db.outOfOrderCount(refs[s]), "series " + s);
                dups += s;
                ooo += s % 3 + 1;
            }
            assertEquals(dups, db.metrics().duplicates());
            assertEquals(ooo, db.metrics().outOfOrder());
        }
    }

    @Test
    void badLabelsGetAClearIllegalArgumentExceptionThroughTheWritePath() throws Exception {
        String big = "v".repeat(Labels.MAX_LABEL_BYTES + 1);
        String[] many = new String[2 * (Labels.MAX_LABELS + 1)];
        for (int i = 0; i < many.length / 2; i++) {
            many[2 * i] = "n" + i;
            many[2 * i + 1] = "v";
        }
        try (Sluice db = Sluice.open(config().build())) {
            Appender app = db.appender();
            assertRejected(() -> app.add(Labels.of("a", big), 1, 1), "more than the limit of 16384");
            assertRejected(() -> app.add(Labels.of(big.replace('v', 'n'), "x"), 1, 1), "more than the limit of 16384");
            assertRejected(() -> db.series(Labels.of(many)), "at most 64 labels");
            assertRejected(() -> db.series(Labels.of("", "x")), "empty");
            assertRejected(() -> db.series(Labels.of("9lives", "x")), "invalid label name '9lives'");
            assertRejected(() -> db.series(Labels.of("a b", "x")), "invalid label name");
            assertRejected(() -> db.series(Labels.of("a", "")), "empty");
            assertRejected(() -> db.series(Labels.of()), "at least one label");
            assertRejected(() -> app.add(-5L, 1, 1), "unknown series ref");
            // Nothing of it reached the engine: it still works, and has no series.
            assertEquals(0, db.seriesCount());
            long ref = db.series(Labels.of("a", "v".repeat(Labels.MAX_LABEL_BYTES)));
            app.add(ref, 1, 1);
            db.awaitDurable(app.commit());
            assertEquals(1, db.sampleCount(ref));
        }
    }

    private static void assertRejected(org.junit.jupiter.api.function.Executable call, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    @Test
    void everyWriteAfterCloseIsAnIllegalStateException() throws Exception {
        Sluice db = Sluice.open(config().build());
        Appender app = db.appender();
        long ref = db.series(Labels.of("a", "1"));
        app.add(ref, 1, 1);
        db.close();
        assertThrows(IllegalStateException.class, () -> app.add(ref, 2, 2));
        assertThrows(IllegalStateException.class, () -> app.add(Labels.of("a", "1"), 2, 2));
        assertThrows(IllegalStateException.class, app::commit);
        assertThrows(IllegalStateException.class, app::tryCommit);
        assertThrows(IllegalStateException.class, app::commitDurable);
        assertThrows(IllegalStateException.class, db::appender);
        assertThrows(IllegalStateException.class, () -> db.series(Labels.of("b", "1")));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> app.add(ref, 3, 3));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        // The sample staged before close was never committed: the appender says so instead of dropping it silently.
        IllegalStateException staged = assertThrows(IllegalStateException.class, app::close);
        assertTrue(staged.getMessage().contains("1 staged sample(s) were not committed"), staged.getMessage());
        app.close(); // idempotent
    }
}
