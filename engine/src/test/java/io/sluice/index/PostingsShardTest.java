package io.sluice.index;

import io.sluice.engine.Labels;
import io.sluice.engine.Matcher;
import org.junit.jupiter.api.Test;
import org.roaringbitmap.RoaringBitmap;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The postings index against a brute-force scan of the same label sets. */
class PostingsShardTest {
    private static final String[] NAMES = {"__name__", "a", "b", "c", "d"};
    private static final String[] VALUES = {"v0", "v1", "v2", "v10", "x", "xy", "v1\nz"};
    private static final String[] REGEXES = {"v.*", "v1|x", "v1", ".*", ".+", "x?", "v[0-2]", "y", "", "v1.z", "(v1)?"};

    private static Labels randomLabels(Random rnd, int i) {
        List<String> kv = new ArrayList<>();
        kv.add("id");
        kv.add("s" + i);
        for (String name : NAMES) {
            if (rnd.nextInt(4) != 0) {
                kv.add(name);
                kv.add(VALUES[rnd.nextInt(VALUES.length)]);
            }
        }
        return Labels.of(kv.toArray(new String[0]));
    }

    private static Matcher randomMatcher(Random rnd) {
        String name = rnd.nextInt(10) == 0 ? "missing" : NAMES[rnd.nextInt(NAMES.length)];
        Matcher.Type type = Matcher.Type.values()[rnd.nextInt(4)];
        String value;
        if (type == Matcher.Type.RE || type == Matcher.Type.NRE) {
            value = REGEXES[rnd.nextInt(REGEXES.length)];
        } else {
            value = rnd.nextInt(6) == 0 ? "" : VALUES[rnd.nextInt(VALUES.length)];
        }
        return Matcher.of(type, name, value);
    }

    private static RoaringBitmap bruteForce(Labels[] byId, RoaringBitmap present, Matcher[] matchers) {
        RoaringBitmap out = new RoaringBitmap();
        for (int id : present) {
            boolean all = true;
            for (Matcher m : matchers) {
                all &= m.matches(byId[id]);
            }
            if (all) {
                out.add(id);
            }
        }
        return out;
    }

    @Test
    void randomSelectorsAgreeWithABruteForceScanWhileSeriesArrive() {
        long seed = io.sluice.testing.TestSeeds.seed("PostingsShardTest");
        Random rnd = new Random(seed);
        int n = 20_000;
        Labels[] byId = new Labels[n];
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byId[i] = randomLabels(rnd, i);
            order.add(i);
        }
        // Series reach the index in first-sample order, not id order: shuffle within windows.
        for (int w = 0; w < n; w += 500) {
            Collections.shuffle(order.subList(w, Math.min(n, w + 500)), rnd);
        }
        PostingsShard index = new PostingsShard();
        RoaringBitmap present = new RoaringBitmap();
        int checks = 0;
        for (int k = 0; k < n; k++) {
            int id = order.get(k);
            index.add(id, byId[id]);
            present.add(id);
            if (k % 997 == 0 || k == n - 1) {
                for (int q = 0; q < 40; q++) {
                    Matcher[] ms = new Matcher[1 + rnd.nextInt(3)];
                    for (int j = 0; j < ms.length; j++) {
                        ms[j] = randomMatcher(rnd);
                    }
                    assertEquals(bruteForce(byId, present, ms), index.select(ms),
                        "seed=" + seed + " after " + (k + 1) + " series, selector " + Matcher.toString(ms));
                    checks++;
                }
            }
        }
        assertEquals(n, index.seriesCount());
        assertEquals(present, index.allSeries());
        TreeSet<String> names = new TreeSet<>(index.labelNames());
        TreeSet<String> expected = new TreeSet<>();
        for (Labels l : byId) {
            for (int i = 0; i < l.size(); i++) {
                expected.add(l.name(i));
            }
        }
        assertEquals(expected, names, "seed=" + seed);
        for (String name : NAMES) {
            TreeSet<String> values = new TreeSet<>();
            for (Labels l : byId) {
                if (l.get(name) != null) {
                    values.add(l.get(name));
                }
            }
            assertEquals(values, new TreeSet<>(index.labelValues(name, null)), "seed=" + seed);
        }
        assertEquals(true, checks > 100);
    }

    @Test
    void labelValuesAmongASetListOnlyTheValuesItsSeriesCarry() {
        PostingsShard index = new PostingsShard();
        index.add(0, Labels.of("__name__", "m", "host", "a"));
        index.add(1, Labels.of("__name__", "m", "host", "b"));
        index.add(2, Labels.of("__name__", "n", "host", "c"));
        RoaringBitmap m = index.select(Matcher.eq("__name__", "m"));
        assertEquals(RoaringBitmap.bitmapOf(0, 1), m);
        assertEquals(new TreeSet<>(List.of("a", "b")), new TreeSet<>(index.labelValues("host", m)));
        assertEquals(List.of(), index.labelValues("nope", null));
    }

    @Test
    void largePostingsFoldTheirTailsIntoBitmapsWithoutLosingIds() {
        PostingsShard index = new PostingsShard();
        int n = 200_000;
        for (int i = n - 1; i >= 0; i--) { // descending: every id lands before the bitmap's last one
            index.add(i, Labels.of("all", "x", "mod", "m" + (i % 3)));
        }
        assertEquals(n, index.select(Matcher.eq("all", "x")).getCardinality());
        int ones = 0;
        for (int i = 0; i < n; i++) {
            ones += i % 3 == 1 ? 1 : 0;
        }
        RoaringBitmap m1 = index.select(Matcher.eq("mod", "m1"));
        assertEquals(ones, m1.getCardinality());
        for (int id : m1) {
            assertEquals(1, id % 3);
        }
        assertEquals(n - ones, index.select(Matcher.neq("mod", "m1"), Matcher.eq("all", "x")).getCardinality());
    }
}
