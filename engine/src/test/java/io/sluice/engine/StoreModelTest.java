package io.sluice.engine;

import io.sluice.testing.TestSeeds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Blocks and head answer as one store: random series (some go stale, some start late, some skip
 * scrapes) over several block ranges, compacted and merged as they go, then random selectors and time ranges
 * that cross block boundaries, compared with a brute-force model, before and after reopening.
 * Seeded; {@code -Dsluice.test.seed} replays a run.
 */
class StoreModelTest {
    private static final long T0 = 1_700_006_400_000L;
    private static final long STEP = 15_000;
    private static final int SCRAPES = 14 * 240; // 14 h

    @TempDir
    Path dir;

    private static final String[] JOBS = {"api", "db", "cache"};
    private static final String[] ZONES = {"eu", "us", "ap", "eu-west"};

    @Test
    void randomSelectorsAndRangesAcrossBlocksMatchABruteForceModel() throws Exception {
        long seed = TestSeeds.seed("StoreModelTest");
        SplittableRandom rnd = new SplittableRandom(seed);
        int n = 60;
        Labels[] labels = new Labels[n];
        int[] first = new int[n];
        int[] last = new int[n];
        Map<Integer, TreeMap<Long, Double>> model = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            labels[i] = Labels.of("__name__", "m" + rnd.nextInt(3), "job", JOBS[rnd.nextInt(JOBS.length)],
                "zone", ZONES[rnd.nextInt(ZONES.length)], "i", Integer.toString(i));
            first[i] = rnd.nextInt(4) == 0 ? rnd.nextInt(SCRAPES / 2) : 0;
            last[i] = rnd.nextInt(4) == 0 ? first[i] + rnd.nextInt(SCRAPES - first[i]) : SCRAPES;
            model.put(i, new TreeMap<>());
        }
        SluiceConfig.Builder config = SluiceConfig.builder().dir(dir).shards(2).headChunkFileSize(64 * 1024);
        try (Sluice db = Sluice.open(config.build())) {
            Appender app = db.appender();
            for (int k = 0; k < SCRAPES; k++) {
                for (int i = 0; i < n; i++) {
                    if (k < first[i] || k >= last[i] || rnd.nextInt(20) == 0) {
                        continue; // not yet, no more, or a missed scrape
                    }
                    long ts = T0 + STEP * k + rnd.nextInt(1000); // jittered scrape times
                    double v = rnd.nextInt(5) == 0 ? rnd.nextDouble() * 100 : Math.floor(k / 3.0) + i;
                    app.add(labels[i], ts, v);
                    model.get(i).put(ts, v);
                }
                if (k % 7 == 6) {
                    db.awaitDurable(app.commit());
                }
                if (k % 300 == 299) {
                    db.awaitDurable(app.commit());
                    db.compact();
                }
            }
            db.awaitDurable(app.commit());
            db.compact();
            // 14 h make six 2 h blocks (the head keeps the rest); the first three merge into one of 6 h.
            assertEquals(4, db.blocks().size(), "blocks: " + db.blocks());
            assertEquals(2, db.blocks().get(0).level());
            check(db, labels, model, rnd, seed);
        }
        try (Sluice db = Sluice.open(config.build())) {
            check(db, labels, model, rnd, seed);
        }
    }

    private static Matcher randomMatcher(SplittableRandom rnd) {
        switch (rnd.nextInt(6)) {
            case 0:
                return Matcher.eq("job", JOBS[rnd.nextInt(JOBS.length)]);
            case 1:
                return Matcher.neq("zone", ZONES[rnd.nextInt(ZONES.length)]);
            case 2:
                return Matcher.re("zone", "eu.*");
            case 3:
                return Matcher.nre("job", "api|db");
            case 4:
                return Matcher.re("i", "[1-3].?");
            default:
                return Matcher.eq("__name__", "m" + rnd.nextInt(3));
        }
    }

    private static void check(Sluice db, Labels[] labels, Map<Integer, TreeMap<Long, Double>> model,
                              SplittableRandom rnd, long seed) {
        long end = T0 + STEP * SCRAPES;
        for (int q = 0; q < 150; q++) {
            Matcher[] ms = new Matcher[1 + rnd.nextInt(2)];
            for (int m = 0; m < ms.length; m++) {
                ms[m] = randomMatcher(rnd);
            }
            try {
                Matcher.checkSelector(ms);
            } catch (IllegalArgumentException everySeries) {
                continue;
            }
            long a = T0 - STEP + (long) (rnd.nextDouble() * (end - T0 + 2 * STEP));
            long b = T0 - STEP + (long) (rnd.nextDouble() * (end - T0 + 2 * STEP));
            long mint = Math.min(a, b);
            long maxt = Math.max(a, b);
            Map<String, List<String>> want = new TreeMap<>();
            for (int i = 0; i < labels.length; i++) {
                boolean all = true;
                for (Matcher m : ms) {
                    all &= m.matches(labels[i]);
                }
                if (all && !model.get(i).isEmpty()) {
                    List<String> samples = new ArrayList<>();
                    model.get(i).subMap(mint, true, maxt, true).forEach((t, v) -> samples.add(t + "=" + v));
                    want.put(labels[i].toString(), samples);
                }
            }
            Map<String, List<String>> got = new TreeMap<>();
            try (SeriesSet set = db.query(mint, maxt, ms)) {
                while (set.next()) {
                    List<String> samples = new ArrayList<>();
                    for (int k = 0; k < set.sampleCount(); k++) {
                        samples.add(set.timestamp(k) + "=" + set.value(k));
                    }
                    got.put(set.labels().toString(), samples);
                }
            }
            assertEquals(want, got, "seed " + seed + ", query " + q + ": " + Matcher.toString(ms) + " [" + mint + ", "
                + maxt + "]");
        }
        for (int i = 0; i < labels.length; i++) {
            if (!model.get(i).isEmpty()) {
                assertEquals(model.get(i).size(), db.sampleCount(db.find(labels[i])), "seed " + seed + ", series " + i);
            }
        }
    }
}
