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
        assertTrue(recycledSegments(tmp.resolve("batch")) > 0,
            "the children wrote into recycled segments (64 KiB segments, truncated behind the head)");
    }

    /** WAL segments whose header carries the recycled flag (docs/format/wal.md), in every shard. */
    static long recycledSegments(Path dir) throws java.io.IOException {
        long n = 0;
        try (var shards = java.nio.file.Files.list(dir)) {
            for (Path shard : (Iterable<Path>) shards.filter(p -> p.getFileName().toString().startsWith("shard-"))::iterator) {
                try (var files = java.nio.file.Files.list(shard)) {
                    for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".wal"))::iterator) {
                        java.nio.ByteBuffer h = java.nio.ByteBuffer.allocate(64).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                        try (var ch = java.nio.channels.FileChannel.open(f)) {
                            ch.read(h, 0);
                        }
                        if ((h.getInt(io.sluice.wal.SegmentDescriptor.FLAGS_OFFSET)
                            & io.sluice.wal.SegmentDescriptor.FLAG_RECYCLED) != 0) {
                            n++;
                        }
                    }
                }
            }
        }
        return n;
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
