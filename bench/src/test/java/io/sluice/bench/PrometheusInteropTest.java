package io.sluice.bench;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The engine's own blocks (cut from the head and merged) against the real promtool and Prometheus
 * 2.42, and promtool's blocks against the engine: the four checks of {@code bench interop}
 * ({@link Interop}), at the command's default size (3 M samples written, 2.4 M of them in blocks).
 * A missing binary skips the test with one {@code SKIPPED:} line.
 */
class PrometheusInteropTest {
    @TempDir
    Path tmp;

    @Test
    void promtoolAndPrometheusReadSluicesBlocksAndSluiceReadsPromtools() throws Exception {
        for (String tool : new String[] {"promtool", "prometheus"}) {
            if (Interop.tool(tool).isEmpty()) {
                String line = "SKIPPED: " + Interop.missing(tool);
                System.out.println(line);
                Assumptions.abort(line);
            }
        }
        Interop.Options o = new Interop.Options();
        o.work = tmp;
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        List<Interop.Check> checks = new Interop(o, new PrintStream(log, true, StandardCharsets.UTF_8)).run();
        String text = log.toString(StandardCharsets.UTF_8);
        System.out.print(text);
        assertEquals(4, checks.size(), text);
        for (Interop.Check c : checks) {
            assertTrue(c.passed() && !c.skipped(), c.line());
        }
        assertTrue(text.contains("2,400,000 samples written into the blocks' range"), text);
    }
}
