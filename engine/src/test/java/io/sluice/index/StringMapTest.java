package io.sluice.index;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StringMapTest {
    @Test
    void agreesWithAHashMapAcrossPagesAndResizes() {
        long seed = Long.getLong("sluice.test.seed", System.nanoTime());
        System.out.println("StringMapTest seed=" + seed + " (rerun with -Dsluice.test.seed=" + seed + ")");
        SplittableRandom rnd = new SplittableRandom(seed);
        StringMap<Integer> map = new StringMap<>();
        Map<String, Integer> expected = new HashMap<>();
        List<String> order = new ArrayList<>();
        for (int op = 0; op < 20_000; op++) {
            // Few distinct keys early (replacements), more later (growth); fresh String objects, so equals decides.
            String key = new String("k" + rnd.nextInt(1 + op / 2));
            Integer value = rnd.nextInt();
            if (!expected.containsKey(key)) {
                order.add(key);
            }
            expected.put(key, value);
            put(map, key, value);
            if (op % 997 == 0) {
                check(map, expected, order, seed);
            }
        }
        check(map, expected, order, seed);
        assertNull(map.get("absent"));
        assertEquals(-1, map.indexOf("absent"));
    }

    /** Adds or replaces, the way the index's writer does. */
    private static <V> void put(StringMap<V> map, String key, V value) {
        int e = map.indexOf(key);
        if (e >= 0) {
            map.replaceAt(e, value);
        } else {
            map.add(key, value);
        }
    }

    private static void check(StringMap<Integer> map, Map<String, Integer> expected, List<String> order, long seed) {
        assertEquals(expected.size(), map.size(), "seed=" + seed);
        for (Map.Entry<String, Integer> e : expected.entrySet()) {
            assertEquals(e.getValue(), map.get(new String(e.getKey())), "seed=" + seed + " key " + e.getKey());
        }
        List<String> seen = new ArrayList<>();
        map.forEach((k, v) -> {
            seen.add(k);
            assertEquals(expected.get(k), v, "seed=" + seed);
        });
        assertEquals(order, seen, "forEach runs in insertion order; seed=" + seed);
    }

    @Test
    void indexOfValueAtAndReplaceAtAddressOneEntry() {
        StringMap<String> map = new StringMap<>();
        map.add("a", "1");
        map.add("b", "2");
        int b = map.indexOf("b");
        assertEquals("2", map.valueAt(b));
        map.replaceAt(b, "3");
        assertEquals("3", map.get("b"));
        assertEquals("1", map.get("a"));
        assertEquals(2, map.size());
    }

    /**
     * One writer adds keys {@code k0, k1, ...} with value {@code i} and replaces values with
     * {@code i + n * round}; readers check that every key the writer has announced is found with a
     * value of its own ({@code value % n == i}), and that forEach sees a
     * prefix of the keys in order.
     */
    @Test
    void readersRacingTheWriterSeeEveryAnnouncedKeyAndOnlyItsOwnValues() throws Exception {
        int n = 200_000;
        StringMap<Integer> map = new StringMap<>();
        AtomicInteger announced = new AtomicInteger();
        AtomicBoolean done = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> readers = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            final long seed = 31L * t + 7;
            Thread r = new Thread(() -> {
                SplittableRandom rnd = new SplittableRandom(seed);
                try {
                    int checks = 0;
                    while (!done.get() || checks < 1000) {
                        int upTo = announced.get();
                        if (upTo == 0) {
                            continue;
                        }
                        int i = rnd.nextInt(upTo);
                        Integer v = map.get("k" + i);
                        if (v == null || v % n != i) {
                            throw new AssertionError("k" + i + " announced but read " + v);
                        }
                        if (++checks % 5000 == 0) {
                            int[] next = {0};
                            map.forEach((k, value) -> {
                                if (!k.equals("k" + next[0]) || value % n != next[0]) {
                                    throw new AssertionError("forEach entry " + next[0] + " was " + k + "=" + value);
                                }
                                next[0]++;
                            });
                            assertTrue(next[0] >= upTo, "forEach saw " + next[0] + " of " + upTo + " announced keys");
                        }
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            });
            r.start();
            readers.add(r);
        }
        for (int i = 0; i < n; i++) {
            put(map, "k" + i, i);
            if (i > 0 && i % 7 == 0) {
                put(map, "k" + (i / 2), i / 2 + n); // replace an older value with one that still names its key
            }
            announced.set(i + 1);
        }
        done.set(true);
        for (Thread r : readers) {
            r.join();
        }
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        assertEquals(n, map.size());
    }
}
