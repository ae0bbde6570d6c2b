package io.sluice.engine;

import io.sluice.testing.TestDirs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A block in which Prometheus deleted samples (golden/prometheus-tombstones, see its README): Sluice
 * hides the deleted samples from reads and counts, as Prometheus' queries do, and its counts equal
 * what Prometheus 2.42 answered for {@code count_over_time}.
 */
class TombstonesTest {
    @TempDir
    Path tmp;

    @Test
    void samplesPrometheusDeletedAreNeitherReadNorCounted() throws Exception {
        Path golden = Paths.get(getClass().getResource("/golden/prometheus-tombstones/README.md").toURI()).getParent();
        Path dir = tmp.resolve("d");
        TestDirs.copyTree(golden.resolve("01M8S0CYQPBE087VRPJH5BAE4S"), dir.resolve("blocks/01M8S0CYQPBE087VRPJH5BAE4S"));
        // What Prometheus answered for count_over_time({__name__=~"sluice_golden.*"}[3h]) after the deletes.
        Map<Labels, Long> prometheus = Map.of(
            Labels.of("__name__", "sluice_golden_requests_total", "code", "200", "method", "GET"), 300L,
            Labels.of("__name__", "sluice_golden_requests_total", "code", "500", "method", "GET"), 199L,
            Labels.of("__name__", "sluice_golden_special", "kind", "mixed"), 10L,
            Labels.of("__name__", "sluice_golden_temperature", "city", "Zürich"), 35L,
            Labels.of("__name__", "sluice_golden_temperature", "city", "Ω\"quoted\""), 40L,
            Labels.of("__name__", "sluice_golden_temperature", "city", "東京"), 40L,
            Labels.of("__name__", "sluice_golden_temperature", "city", "𝄞 clef"), 40L);
        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).shards(1).build())) {
            long[] refs = db.series(Matcher.re("__name__", "sluice_golden.*"));
            assertEquals(prometheus.size(), refs.length);
            for (long ref : refs) {
                Labels l = db.labels(ref);
                List<Long> ts = new ArrayList<>();
                db.read(ref, Long.MIN_VALUE, Long.MAX_VALUE, (t, v) -> ts.add(t));
                assertEquals((long) prometheus.get(l), ts.size(), l + ": samples read");
                assertEquals((long) prometheus.get(l), db.sampleCount(ref), l + ": sample count");
                if (l.get("code") != null && l.get("code").equals("500")) {
                    assertTrue(ts.stream().noneMatch(t -> t >= 1_700_007_000_000L && t <= 1_700_008_500_000L),
                        "nothing in the deleted range [1700007000000, 1700008500000]");
                    assertTrue(ts.contains(1_700_006_985_000L) && ts.contains(1_700_008_515_000L),
                        "the samples on either side stay");
                }
            }
        }
    }
}
