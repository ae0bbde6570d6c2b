package io.sluice.index;

import io.sluice.engine.Labels;
import io.sluice.engine.SeriesRef;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SeriesRegistryTest {
    private static SeriesRegistry registry(int shards, LabelsHasher hasher) {
        return new SeriesRegistry(shards, hasher, l -> 0);
    }

    @Test
    void sameLabelsGiveTheSameRefAndRefsMapBack() {
        SeriesRegistry r = registry(4, LabelsHasher.DEFAULT);
        Labels a = Labels.of("__name__", "cpu", "host", "a");
        long ref = r.getOrCreate(a);
        assertEquals(ref, r.getOrCreate(Labels.of("host", "a", "__name__", "cpu")));
        assertEquals(ref, r.find(a));
        assertSame(a, r.labels(ref));
        assertEquals(r.shardOf(a), SeriesRef.shard(ref));
        assertEquals(-1, r.find(Labels.of("__name__", "cpu", "host", "b")));
        assertNull(r.labels(SeriesRef.of(0, 12345)));
        assertNull(r.labels(SeriesRef.of(7, 0)));
    }

    @Test
    void aFullSixtyFourBitHashCollisionStillGivesDistinctSeries() {
        // Every label set hashes to the same 64-bit value: the registry must compare labels, not hashes.
        SeriesRegistry r = registry(2, l -> 42L);
        Set<Long> refs = new HashSet<>();
        for (int i = 0; i < 2000; i++) {
            Labels l = Labels.of("__name__", "m", "id", Integer.toString(i));
            long ref = r.getOrCreate(l);
            assertTrue(refs.add(ref), "ref reused for " + l);
        }
        for (int i = 0; i < 2000; i++) {
            Labels l = Labels.of("__name__", "m", "id", Integer.toString(i));
            long ref = r.find(l);
            assertEquals(l, r.labels(ref));
        }
        assertEquals(2000, r.size());
        assertEquals(-1, r.find(Labels.of("__name__", "m", "id", "x")));
    }

    @Test
    void concurrentCreatorsAgreeOnOneRefPerLabelSet() throws Exception {
        SeriesRegistry r = registry(4, LabelsHasher.DEFAULT);
        int threads = 4;
        int series = 20_000;
        ConcurrentHashMap<Labels, Long> seen = new ConcurrentHashMap<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CyclicBarrier start = new CyclicBarrier(threads);
        Thread[] ts = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            final int offset = t * 997;
            ts[t] = new Thread(() -> {
                try {
                    start.await();
                    for (int k = 0; k < series; k++) {
                        int i = (k + offset) % series; // every thread creates every series, in a different order
                        Labels l = Labels.of("__name__", "m" + (i % 7), "id", Integer.toString(i));
                        long ref = r.getOrCreate(l);
                        Long prev = seen.putIfAbsent(l, ref);
                        if (prev != null && prev != ref) {
                            throw new AssertionError(l + " got refs " + prev + " and " + ref);
                        }
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            });
            ts[t].start();
        }
        for (Thread t : ts) {
            t.join();
        }
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        assertEquals(series, r.size());
        assertEquals(series, new HashSet<>(seen.values()).size());
        long total = 0;
        for (int s = 0; s < 4; s++) {
            total += r.idLimit(s); // ids are dense per shard: no id was burnt by a lost race
        }
        assertEquals(series, total);
    }

    @Test
    void restoreRebuildsAndRejectsConflicts() {
        SeriesRegistry r = registry(1, LabelsHasher.DEFAULT);
        Labels a = Labels.of("a", "1");
        Labels b = Labels.of("b", "2");
        assertTrue(r.restore(0, 5, a));
        assertTrue(r.restore(0, 5, a), "the same record twice is harmless");
        assertFalse(r.restore(0, 5, b), "another series under a taken id");
        assertFalse(r.restore(0, 6, a), "the same series under a second id");
        assertEquals(6, r.idLimit(0));
        long next = r.getOrCreate(b);
        assertEquals(6, SeriesRef.localId(next), "new ids continue after restored ones");
        assertNotEquals(r.find(a), next);
    }

    @Test
    void restoreRejectsASeriesThatHashesToAnotherShard() {
        SeriesRegistry r = registry(2, l -> 0L); // everything hashes to shard 0
        assertFalse(r.restore(1, 0, Labels.of("a", "1")));
    }

    @Test
    void validatorRunsBeforeCreationOnly() {
        SeriesRegistry r = new SeriesRegistry(1, LabelsHasher.DEFAULT, l -> {
            if (l.get("big") != null) {
                throw new IllegalArgumentException("too big");
            }
            return 0;
        });
        assertThrows(IllegalArgumentException.class, () -> r.getOrCreate(Labels.of("big", "x")));
        assertEquals(0, r.size());
        assertEquals(0, r.idLimit(0));
    }

    @Test
    void rejectsShardCountsThatAreNotPowersOfTwo() {
        assertThrows(IllegalArgumentException.class, () -> registry(3, LabelsHasher.DEFAULT));
        assertThrows(IllegalArgumentException.class, () -> registry(0, LabelsHasher.DEFAULT));
    }
}
