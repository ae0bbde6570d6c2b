package io.sluice.bench;

import io.sluice.engine.Durability;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SIGKILL at random moments: a child JVM writes, the test kills it, reopens and checks (see
 * {@link CrashHarness}). The seed is printed; rerun one with {@code crash --seed S}.
 */
class CrashTest {
    @TempDir
    Path tmp;

    private static CrashHarness.Summary run(CrashHarness.Options options, String name) throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        CrashHarness.Summary s;
        try (PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
            s = new CrashHarness(options).run(out);
        }
        String log = buf.toString(StandardCharsets.UTF_8);
        System.out.println(name + " (seed " + options.seed + "):\n" + log);
        assertTrue(s.ok(), "seed " + options.seed + ":\n" + log);
        return s;
    }

    @Test
    void sigkillDuringBatchWritesLosesNothingAcknowledgedDurable() throws Exception {
        long seed = System.nanoTime();
        CrashHarness.Summary s = run(new CrashHarness.Options().dir(tmp.resolve("batch")).rounds(12).seed(seed)
            .durability(Durability.BATCH), "batch");
        assertEquals(12, s.rounds);
        assertEquals(0, s.lost);
        assertEquals(0, s.phantom);
        assertTrue(s.acknowledged > 0, "the children acknowledged samples before they were killed");
    }

    @Test
    void sigkillUnderDurabilityNoneLosesNothingAppendedToTheMappedSegment() throws Exception {
        long seed = System.nanoTime();
        CrashHarness.Summary s = run(new CrashHarness.Options().dir(tmp.resolve("none")).rounds(5).seed(seed)
            .durability(Durability.NONE), "none");
        assertEquals(5, s.rounds);
        assertEquals(0, s.lost);
        assertTrue(s.acknowledged > 0);
    }

    @Test
    void crashCommandRunsRoundsAndPrintsASummary() {
        CliTest.Run r = CliTest.run("crash", "--rounds", "2", "--seed", "42", "--dir", tmp.resolve("cli").toString());
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("seed 42"), r.out());
        assertTrue(r.out().contains("round    2:"), r.out());
        assertTrue(r.out().contains("lost                       0"), r.out());
        assertTrue(r.out().contains("OK: nothing acknowledged was lost"), r.out());
        CliTest.Run bad = CliTest.run("crash", "--rounds", "0");
        assertEquals(SluiceBench.EXIT_USAGE, bad.code());
        assertTrue(bad.err().startsWith("error: --rounds must be at least 1"), bad.err());
    }
}
