package io.sluice.engine;

import io.sluice.record.RecordType;
import io.sluice.testing.Frames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Scrape-shaped commits (one sample each of many series) are written as MIXED records; the
 * out-of-order rules hold per series inside one record; reads and replay give back the same samples.
 */
class MixedRecordTest {
    @TempDir
    Path dir;

    @Test
    void interleavedSeriesInOneCommitBecomeOneCompactRecordWithPerSeriesRules() throws Exception {
        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).shards(1).build())) {
            long a = db.series(Labels.of("s", "a"));
            long b = db.series(Labels.of("s", "b"));
            Appender app = db.appender();
            app.add(a, 10, 1.0);
            app.add(b, 10, 2.0);
            app.add(a, 20, 3.0);
            app.add(b, 5, 9.0);   // older than b's 10, inside the same record: rejected
            app.add(a, 20, 3.0);  // exact duplicate of a's newest: counted
            app.add(b, 30, Double.NaN);
            db.awaitDurable(app.commit());
            assertEquals(4, db.metrics().samples());
            assertEquals(1, db.outOfOrderCount(b));
            assertEquals(1, db.duplicateCount(a));
            assertEquals("10=1.0 20=3.0 ", read(db, a, Long.MIN_VALUE, Long.MAX_VALUE));
            assertEquals("10=2.0 30=NaN ", read(db, b, Long.MIN_VALUE, Long.MAX_VALUE));
            assertEquals("30=NaN ", read(db, b, 11, 30));
        }
        List<Byte> types = new ArrayList<>();
        for (Path seg : Frames.segments(dir.resolve("shard-000"))) {
            for (Frames.Frame f : Frames.frames(seg)) {
                types.add(f.type);
            }
        }
        // The writer puts short runs into a COMPACT record (MIXED's successor; replay reads both).
        assertEquals(List.of(RecordType.SERIES, RecordType.SERIES, RecordType.COMPACT), types);
        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).build())) {
            long a = db.find(Labels.of("s", "a"));
            long b = db.find(Labels.of("s", "b"));
            assertEquals("10=1.0 20=3.0 ", read(db, a, Long.MIN_VALUE, Long.MAX_VALUE));
            assertEquals("10=2.0 30=NaN ", read(db, b, Long.MIN_VALUE, Long.MAX_VALUE));
            Appender app = db.appender();
            app.add(a, 15, 0.0); // replay restored a's newest sample
            app.add(b, 31, 1.0);
            db.awaitDurable(app.commit());
            assertEquals(1, db.metrics().outOfOrder());
        }
    }

    /** Random mixes of run lengths, so both record kinds interleave in one log; every sample reads back. */
    @Test
    void randomRunLengthsReadBackExactlyBeforeAndAfterReplay() throws Exception {
        long seed = io.sluice.testing.TestSeeds.seed("MixedRecordTest");
        Random rnd = new Random(seed);
        int series = 50;
        long[] next = new long[series];
        StringBuilder[] expected = new StringBuilder[series];
        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).shards(2).segmentSize(64 * 1024).build())) {
            long[] refs = new long[series];
            for (int i = 0; i < series; i++) {
                refs[i] = db.series(Labels.of("s", "x" + i));
                expected[i] = new StringBuilder();
            }
            Appender app = db.appender();
            for (int commit = 0; commit < 400; commit++) {
                int samples = 1 + rnd.nextInt(300);
                int runMax = rnd.nextBoolean() ? 1 : 1 + rnd.nextInt(20);
                for (int k = 0; k < samples; ) {
                    int i = rnd.nextInt(series);
                    int run = 1 + rnd.nextInt(runMax);
                    for (int j = 0; j < run && k < samples; j++, k++) {
                        long ts = ++next[i];
                        double v = i * 1e6 + ts;
                        app.add(refs[i], ts, v);
                        expected[i].append(ts).append('=').append(v).append(' ');
                    }
                }
                app.commit();
            }
            db.awaitDurable(app.commit());
            for (int i = 0; i < series; i++) {
                assertEquals(expected[i].toString(), read(db, refs[i], Long.MIN_VALUE, Long.MAX_VALUE), "seed " + seed);
            }
            assertEquals(0, db.metrics().rejected());
        }
        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).build())) {
            for (int i = 0; i < series; i++) {
                long ref = db.find(Labels.of("s", "x" + i));
                assertEquals(expected[i].toString(), read(db, ref, Long.MIN_VALUE, Long.MAX_VALUE), "seed " + seed);
                if (next[i] > 4) {
                    long lo = next[i] / 4;
                    long hi = next[i] / 2;
                    String range = read(db, ref, lo, hi);
                    assertTrue(range.startsWith(lo + "="), "seed " + seed + ": range read starts at " + lo + ": " + range);
                    assertEquals(hi - lo + 1, range.split(" ").length, "seed " + seed);
                }
            }
        }
    }

    /**
     * Scrape-shaped commits through truncation and retention: MIXED records become chunks and
     * checkpoint entries like runs do; reads and counts agree before and after reopen.
     */
    @Test
    void retentionAndTruncationKeepMixedEntriesConsistentAndReplayAgrees() throws Exception {
        SluiceConfig config = SluiceConfig.builder().dir(dir).shards(1).segmentSize(16 * 1024).eventCapacity(128)
            .headChunkFileSize(64 * 1024).retention(java.time.Duration.ofMillis(20_000))
            .retentionCheckInterval(java.time.Duration.ZERO).build();
        long total = 100_000;
        try (Sluice db = Sluice.open(config)) {
            long a = db.series(Labels.of("s", "a"));
            long b = db.series(Labels.of("s", "b"));
            Appender app = db.appender();
            for (long ts = 0; ts < total; ts++) { // a, b, a, b ...: every commit is one MIXED record
                app.add(a, ts, ts);
                app.add(b, ts, -ts);
                if (ts % 8 == 7) {
                    app.commit();
                }
            }
            db.awaitDurable(app.commit());
        }
        try (Sluice db = Sluice.open(config)) {
            for (String name : new String[] {"a", "b"}) {
                long ref = db.find(Labels.of("s", name));
                String all = read(db, ref, Long.MIN_VALUE, Long.MAX_VALUE);
                String[] samples = all.trim().split(" ");
                assertTrue(samples.length < total, "retention dropped old samples of " + name + ": " + samples.length);
                assertEquals(samples.length, db.sampleCount(ref), name);
                long first = Long.parseLong(samples[0].substring(0, samples[0].indexOf('=')));
                assertTrue(first <= total - 20_000, "samples within the retention period are kept: first " + first);
                for (int i = 0; i < samples.length; i++) { // contiguous up to the newest, values intact
                    long ts = first + i;
                    double v = name.equals("a") ? ts : -ts;
                    assertEquals(ts + "=" + v, samples[i]);
                }
                assertEquals(total - 1, first + samples.length - 1);
            }
        }
    }

    static String read(Sluice db, long ref, long mint, long maxt) {
        StringBuilder sb = new StringBuilder();
        db.read(ref, mint, maxt, (t, v) -> sb.append(t).append('=').append(v).append(' '));
        return sb.toString();
    }
}
