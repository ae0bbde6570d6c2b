package io.sluice.engine;

import io.sluice.testing.WalBuilder;
import io.sluice.wal.WalCorruptionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each replay invariant of docs/format/wal.md, broken on purpose in a WAL crafted frame by frame
 * (valid framing and checksums, so only the content check can catch it): open names the reason,
 * the shard, the segment and the frame's offset, and repair drops the whole offending record.
 */
class ReplayInvariantTest {
    private static final long SEGMENT = 64 * 1024;

    @TempDir
    Path tmp;

    /** Labels that hash to {@code shard} of {@code shards}. */
    static Labels labelsIn(int shard, int shards, String tag) {
        for (int i = 0; ; i++) {
            Labels l = Labels.of("__name__", "m", "tag", tag, "i", Integer.toString(i));
            if ((int) ((l.hash64() >>> 40) & (shards - 1)) == shard) {
                return l;
            }
        }
    }

    private static final Labels A = labelsIn(0, 2, "a");
    private static final Labels B = labelsIn(0, 2, "b");
    private static final long R0 = SeriesRef.of(0, 0);
    private static final long R1 = SeriesRef.of(0, 1);

    private WalCorruptionException openFails(WalBuilder wal, int shards) throws Exception {
        Path dir = tmp.resolve("d");
        Path segment = wal.writeTo(dir);
        WalCorruptionException e = assertThrows(WalCorruptionException.class,
            () -> Sluice.open(SluiceConfig.builder().dir(dir).shards(shards).segmentSize(SEGMENT).build()));
        assertEquals(segment.toAbsolutePath(), e.segment().toAbsolutePath(), e.getMessage());
        return e;
    }

    private static void assertNamed(WalCorruptionException e, int shard, int offset, String reason) {
        assertEquals(shard, e.shard(), e.getMessage());
        assertEquals(offset, e.offset(), e.getMessage());
        assertTrue(e.reason().contains(reason), "reason '" + e.reason() + "' should contain '" + reason + "'");
    }

    @Test
    void samplesBeforeTheirSeriesRecordAreCorruption() throws Exception {
        WalBuilder wal = new WalBuilder(0, 1, SEGMENT).samples(R0, 1, 1.0).series(R0, A);
        assertNamed(openFails(wal, 1), 0, wal.frameOffset(0), "samples for series 0@0 before its series record");
    }

    /** A MIXED or a COMPACT record of {@code entries} (ref, t, v, ...). */
    private static WalBuilder entries(WalBuilder wal, String kind, double... entries) {
        return kind.equals("mixed") ? wal.mixed(entries) : wal.compact(entries);
    }

    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"mixed", "compact"})
    void anEntryBeforeItsSeriesRecordIsCorruption(String kind) throws Exception {
        WalBuilder wal = entries(new WalBuilder(0, 1, SEGMENT).series(R0, A), kind, R0, 1, 1.0, R1, 1, 2.0);
        assertNamed(openFails(wal, 1), 0, wal.frameOffset(1), kind + " entry 1 for series 1@0 before its series record");
    }

    @Test
    void samplesNotAfterTheSeriesLastSampleAreCorruption() throws Exception {
        WalBuilder wal = new WalBuilder(0, 1, SEGMENT).series(R0, A).samples(R0, 4, 1.0, 5, 1.0)
            .samples(R0, 5, 2.0);
        assertNamed(openFails(wal, 1), 0, wal.frameOffset(2), "timestamp 5 of sample 0 is not after 5");
    }

    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"mixed", "compact"})
    void anEntryNotAfterItsSeriesLastSampleIsCorruption(String kind) throws Exception {
        WalBuilder wal = entries(new WalBuilder(0, 1, SEGMENT).series(R0, A).series(R1, B), kind,
            R0, 7, 1.0, R1, 3, 1.0, R0, 6, 1.0);
        assertNamed(openFails(wal, 1), 0, wal.frameOffset(2), "timestamp 6 of " + kind + " entry 2 is not after 7");
    }

    @Test
    void aSeriesRecordThatRelabelsARefIsCorruption() throws Exception {
        WalBuilder wal = new WalBuilder(0, 1, SEGMENT).series(R0, A).series(R0, B);
        assertNamed(openFails(wal, 1), 0, wal.frameOffset(1), "conflicts with an earlier series record");
    }

    @Test
    void twoRefsWithTheSameLabelsAreCorruption() throws Exception {
        WalBuilder wal = new WalBuilder(0, 1, SEGMENT).series(R0, A).series(R1, A);
        assertNamed(openFails(wal, 1), 0, wal.frameOffset(1), "conflicts with an earlier series record");
    }

    @Test
    void aSeriesRefOfAnotherShardIsCorruption() throws Exception {
        long foreign = SeriesRef.of(1, 0);
        WalBuilder wal = new WalBuilder(0, 2, SEGMENT).series(R0, A).series(foreign, labelsIn(1, 2, "c"));
        assertNamed(openFails(wal, 2), 0, wal.frameOffset(1), "does not belong to shard 0");
    }

    @Test
    void samplesOfARefOfAnotherShardAreCorruption() throws Exception {
        WalBuilder wal = new WalBuilder(0, 2, SEGMENT).series(R0, A).samples(SeriesRef.of(1, 0), 1, 1.0);
        assertNamed(openFails(wal, 2), 0, wal.frameOffset(1), "does not belong to shard 0");
    }

    @Test
    void aSeriesWhoseLabelsHashToAnotherShardIsCorruption() throws Exception {
        WalBuilder wal = new WalBuilder(0, 2, SEGMENT).series(R0, labelsIn(1, 2, "d"));
        assertNamed(openFails(wal, 2), 0, wal.frameOffset(0), "hashes to another shard");
    }

    /**
     * The ways an entry of a MIXED or COMPACT record can break the rules, at each position of a
     * four-entry record (a COMPACT entry cannot name another shard: the record does not store one).
     */
    static Stream<Arguments> badEntries() {
        List<Arguments> out = new ArrayList<>();
        for (String kind : new String[] {"mixed", "compact"}) {
            for (String rule : new String[] {"unknown series", "not after", "wrong shard"}) {
                for (int k = 0; k < 4; k++) {
                    if (!(kind.equals("compact") && rule.equals("wrong shard"))) {
                        out.add(Arguments.of(kind, rule, k));
                    }
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}: {1} at entry {2}")
    @MethodSource("badEntries")
    void repairDropsAWholeRecordWhoseEntryBreaksARuleAndKeepsTheStoreConsistent(String kind, String rule, int k)
        throws Exception {
        double bad;
        double badTs = 9;
        switch (rule) {
            case "unknown series":
                bad = SeriesRef.of(0, 5);
                break;
            case "not after":
                bad = R0;
                badTs = 2; // R0's newest is 2 before this record
                break;
            default:
                bad = SeriesRef.of(1, 0);
                break;
        }
        // Good entries around the bad one: R0 at 3, R1 at 1, R0 at 4 (with the bad one at position k).
        double[][] good = {{R0, 3, 30.0}, {R1, 1, 100.0}, {R0, 4, 40.0}};
        double[] entries = new double[12];
        int g = 0;
        for (int i = 0; i < 4; i++) {
            double[] e = i == k ? new double[] {bad, badTs, -1.0} : good[g++];
            System.arraycopy(e, 0, entries, 3 * i, 3);
        }
        Path dir = tmp.resolve("d");
        entries(new WalBuilder(0, 2, SEGMENT).series(R0, A).series(R1, B).samples(R0, 1, 10.0, 2, 20.0), kind,
            entries).samples(R1, 2, 200.0).writeTo(dir);
        SluiceConfig.Builder config = SluiceConfig.builder().dir(dir).shards(2).segmentSize(SEGMENT);
        try (Sluice db = Sluice.open(config.repair(true).build())) {
            assertTrue(db.replayReport().repaired());
            assertEquals(2, db.replayReport().shards().get(0).repair().droppedRecords(),
                "the " + kind + " record and the record after it");
            assertSamples(db, R0, new long[] {1, 2}, new double[] {10, 20});
            assertSamples(db, R1, new long[] {}, new double[] {});
            assertEquals(2, db.sampleCount(R0));
            assertEquals(0, db.sampleCount(R1));
            // The store's newest samples are the kept ones: these are accepted, not rejected as out of order.
            try (Appender app = db.appender()) {
                app.add(R0, 3, 33.0);
                app.add(R1, 1, 111.0);
                db.awaitDurable(app.commit());
            }
            assertEquals(0, db.outOfOrderCount(R0) + db.outOfOrderCount(R1));
            assertSamples(db, R0, new long[] {1, 2, 3}, new double[] {10, 20, 33});
            assertSamples(db, R1, new long[] {1}, new double[] {111});
        }
        try (Sluice db = Sluice.open(config.repair(false).build())) {
            assertSamples(db, R0, new long[] {1, 2, 3}, new double[] {10, 20, 33});
            assertSamples(db, R1, new long[] {1}, new double[] {111});
        }
    }

    private static void assertSamples(Sluice db, long ref, long[] ts, double[] vs) {
        List<String> got = new ArrayList<>();
        db.read(ref, Long.MIN_VALUE, Long.MAX_VALUE, (t, v) -> got.add(t + "=" + v));
        List<String> want = new ArrayList<>();
        for (int i = 0; i < ts.length; i++) {
            want.add(ts[i] + "=" + vs[i]);
        }
        assertEquals(want, got, "samples of " + SeriesRef.toString(ref));
    }
}
