package io.sluice.bench;

import io.sluice.engine.Labels;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WorkloadTest {
    @Test
    void labelSchemeMatchesTheContract() {
        Labels l = new Workload(100_000, 8).labelsOf(12_345);
        assertEquals(8, l.size());
        assertEquals("metric_45", l.get("__name__"));
        assertEquals("host_345", l.get("host"));
        assertEquals("i12345", l.get("instance"));
        for (int k = 4; k <= 8; k++) {
            assertEquals("v5", l.get("l" + k));
        }
        assertEquals(3, new Workload(10, 3).labelsOf(1).size());
        assertEquals("v1", new Workload(10, 12).labelsOf(1).get("l12"));
    }

    @Test
    void indexOfInvertsLabelsOfAndRejectsStrangers() {
        for (int labels : new int[] {3, 8, 12, 64}) {
            Workload w = new Workload(1_000_000, labels);
            for (long i : new long[] {0, 1, 99, 1000, 123_456, 999_999}) {
                assertEquals(i, Workload.indexOf(w.labelsOf(i)), "labels=" + labels + " i=" + i);
            }
        }
        assertEquals(-1, Workload.indexOf(Labels.of("__name__", "metric_1", "host", "host_1", "instance", "i2")));
        assertEquals(-1, Workload.indexOf(Labels.of("__name__", "metric_1", "host", "host_1", "instance", "x1")));
        assertEquals(-1, Workload.indexOf(Labels.of("__name__", "metric_1", "host", "host_1", "instance", "i1",
            "l4", "v2")));
        assertEquals(-1, Workload.indexOf(Labels.of("__name__", "metric_1", "host", "host_1", "instance", "i1",
            "l5", "v1")));
    }

    @Test
    void valuesAreExactAndDistinctAcrossSeriesAndTime() {
        assertEquals(1024.0 * 7 + 5, Workload.value(7, 1024L * 1_000_000 + 5));
        assertNotEquals(Workload.value(1, 10), Workload.value(2, 10));
        assertNotEquals(Workload.value(1, 10), Workload.value(1, 11));
        assertEquals(Workload.value(3, 5), Workload.value(3, 5 + 1024), "documented period of 1024 ms");
    }

    @Test
    void mixedSeriesAreFiveCountersFourGaugesAndOneConstantInTen() {
        int[] counts = new int[Workload.Shape.values().length];
        for (long i = 0; i < 10_000; i++) {
            counts[Workload.shape(i).ordinal()]++;
        }
        assertEquals(5_000, counts[Workload.Shape.COUNTER.ordinal()]);
        assertEquals(4_000, counts[Workload.Shape.GAUGE.ordinal()]);
        assertEquals(1_000, counts[Workload.Shape.CONSTANT.ordinal()]);
        assertEquals(Workload.Shape.COUNTER, Workload.shape(4));
        assertEquals(Workload.Shape.GAUGE, Workload.shape(15));
        assertEquals(Workload.Shape.CONSTANT, Workload.shape(29));
    }

    @Test
    void countersNeverDecreaseAndEachMoveAddsFrom0To100EveryOtherStep() {
        int[] seen = new int[101];
        for (long i = 0; i < 200; i++) {
            if (Workload.shape(i) != Workload.Shape.COUNTER) {
                continue;
            }
            double prev = Workload.mixed(i, 0);
            assertTrue(prev >= 0 && prev <= 50, "a counter starts in [0, 50]: " + prev);
            for (long k = 1; k < 2_000; k++) {
                double v = Workload.mixed(i, k);
                double inc = v - prev;
                assertTrue(inc >= 0 && inc <= 100 && inc == Math.rint(inc), "series " + i + " step " + k + ": +" + inc);
                if (k % 2 == 1) {
                    assertEquals(0.0, inc, "a counter moves every other step");
                }
                seen[(int) inc]++;
                prev = v;
            }
        }
        // The increments spread over the whole range, not a constant slope.
        assertTrue(seen[0] > 0 && seen[100] > 0 && seen[50] > 0, java.util.Arrays.toString(seen));
    }

    @Test
    void gaugesStayWithin400CentsOfTheirCenterWithTwoExactDecimalsAndMoveEveryFifthStep() {
        for (long i = 5; i < 1_000; i += 10) {
            for (long j = i; j < i + 4; j++) {
                assertEquals(Workload.Shape.GAUGE, Workload.shape(j));
                long center = Workload.gaugeCenter(j);
                assertTrue(center >= 0 && center < 100_000, "center " + center);
                long min = Long.MAX_VALUE;
                long max = Long.MIN_VALUE;
                double prev = Workload.mixed(j, 0);
                for (long k = 0; k < 1_000; k++) {
                    double v = Workload.mixed(j, k);
                    long cents = Math.round(v * 100);
                    assertEquals(cents / 100.0, v, "two decimals, exactly cents / 100.0");
                    assertEquals(Workload.gaugeCents(j, k / 5), cents, "a gauge moves every fifth step");
                    if (k % 5 != 0) {
                        assertEquals(prev, v, "and holds in between");
                    }
                    assertTrue(Math.abs(cents - center) <= 400, "series " + j + " step " + k + ": " + cents
                        + " cents, center " + center);
                    assertTrue(Math.abs(v - prev) <= 1.00 + 1e-9, "a step moves at most 100 cents");
                    min = Math.min(min, cents);
                    max = Math.max(max, cents);
                    prev = v;
                }
                assertTrue(max - min >= 20, "a gauge moves: " + min + ".." + max);
            }
        }
    }

    @Test
    void constantsNeverChange() {
        for (long i = 9; i < 1_000; i += 10) {
            double c = Workload.mixed(i, 0);
            assertTrue(c >= 0 && c < 1000 && c == Math.rint(c), "constant " + c);
            for (long k : new long[] {1, 2, 100, 1_000_000, 1L << 40}) {
                assertEquals(c, Workload.mixed(i, k));
            }
        }
    }

    @Test
    void mixedValuesDependOnlyOnSeriesAndStepIndex() {
        assertEquals(Workload.h(12, 34), Workload.h(12, 34));
        assertNotEquals(Workload.h(12, 34), Workload.h(12, 35));
        assertNotEquals(Workload.h(12, 34), Workload.h(13, 34));
        assertTrue(Workload.h(0, 0) >= 0 && Workload.h(-1, -1) >= 0, "h is a non-negative 63-bit number");
        assertNotEquals(Workload.mixed(0, 7), Workload.mixed(1, 7), "series differ");
    }

    @Test
    void fillEqualsThePointwiseDefinitionForEveryScheme() {
        long seed = Long.getLong("sluice.test.seed", System.nanoTime());
        System.out.println("WorkloadTest.fillEqualsThePointwiseDefinitionForEveryScheme seed=" + seed);
        Random rnd = new Random(seed);
        double[] out = new double[300];
        for (int round = 0; round < 2_000; round++) {
            long i = rnd.nextInt(1_000_000);
            long k0 = rnd.nextBoolean() ? rnd.nextInt(20) : rnd.nextInt(Integer.MAX_VALUE);
            long step = new long[] {1, 10, 15_000, 60_000}[rnd.nextInt(4)];
            int n = 1 + rnd.nextInt(out.length);
            SampleScheme scheme = new SampleScheme(rnd.nextBoolean() ? Workload.Values.MIXED : Workload.Values.SAWTOOTH,
                step, LoadCommand.EPOCH_MILLIS);
            long ts0 = scheme.timestamp(k0);
            Workload.fill(scheme.values(), i, k0, ts0, step, n, out);
            for (int j = 0; j < n; j++) {
                long ts = ts0 + j * step;
                double expected = scheme.values() == Workload.Values.MIXED ? Workload.mixed(i, k0 + j)
                    : Workload.value(i, ts);
                assertEquals(Double.doubleToRawLongBits(expected), Double.doubleToRawLongBits(out[j]),
                    "seed " + seed + ": " + scheme + " series " + i + " k " + (k0 + j));
                assertEquals(Double.doubleToRawLongBits(expected), Double.doubleToRawLongBits(scheme.value(i, ts)));
            }
        }
    }

    @Test
    void aSchemePutsSampleKAtOriginPlusKStepsAndContinuesAfterTheNewest() {
        SampleScheme s = new SampleScheme(Workload.Values.MIXED, 15_000, LoadCommand.EPOCH_MILLIS);
        assertEquals(LoadCommand.EPOCH_MILLIS + 30_000, s.timestamp(2));
        assertEquals(0, s.nextIndex(Long.MIN_VALUE), "an empty directory starts at the origin");
        assertEquals(3, s.nextIndex(s.timestamp(2)));
        assertEquals(3, s.nextIndex(s.timestamp(2) + 14_999));
        assertEquals(4, s.nextIndex(s.timestamp(3)));
        assertTrue(s.onGrid(s.timestamp(7)));
        assertFalse(s.onGrid(s.timestamp(7) + 1));
        assertFalse(s.onGrid(Long.MIN_VALUE));
        assertEquals(s.timestamp(s.maxIndex()), Long.MAX_VALUE - (Long.MAX_VALUE - LoadCommand.EPOCH_MILLIS) % 15_000);
        assertEquals(Workload.mixed(3, 2), s.value(3, s.timestamp(2)));
        // The default keeps the original data: 1 ms from EPOCH_MILLIS, one past the newest sample.
        SampleScheme legacy = SampleScheme.LEGACY;
        assertEquals(1_700_000_000_123L, legacy.nextIndex(1_700_000_000_122L) + LoadCommand.EPOCH_MILLIS);
        assertEquals(Workload.value(3, 1_700_000_000_123L), legacy.value(3, 1_700_000_000_123L));
    }

    @Test
    void theSchemeFileRoundTripsAndADamagedOneIsReported(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        assertTrue(SampleScheme.of(dir).isEmpty(), "a new directory has no scheme");
        Files.createDirectories(dir.resolve("shard-000"));
        assertEquals(SampleScheme.LEGACY, SampleScheme.of(dir).orElseThrow(), "data without the file: the original");
        SampleScheme s = new SampleScheme(Workload.Values.MIXED, 15_000, LoadCommand.EPOCH_MILLIS);
        s.write(dir);
        assertEquals(s, SampleScheme.of(dir).orElseThrow());
        assertEquals(s, SampleScheme.read(dir).orElseThrow());
        Files.writeString(dir.resolve(SampleScheme.FILE), "values=wobbly\nstep_ms=1\norigin_ms=0\n");
        java.io.IOException e = assertThrows(java.io.IOException.class, () -> SampleScheme.read(dir));
        assertTrue(e.getMessage().contains("unknown value scheme 'wobbly'"), e.getMessage());
        Files.writeString(dir.resolve(SampleScheme.FILE), "values=mixed\nstep_ms=0\norigin_ms=0\n");
        assertThrows(java.io.IOException.class, () -> SampleScheme.read(dir));
    }
}
