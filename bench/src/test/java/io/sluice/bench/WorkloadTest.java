package io.sluice.bench;

import io.sluice.engine.Labels;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

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
}
