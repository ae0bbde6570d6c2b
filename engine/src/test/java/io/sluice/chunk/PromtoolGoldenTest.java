package io.sluice.chunk;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Regenerates the golden chunks with the real promtool, when one is on the PATH, and checks that
 * they are still what is checked in; prints "skipped: promtool not found" otherwise. The golden
 * files, not this test, are the contract ({@link XorChunkGoldenTest} needs no promtool). With
 * {@code -Dsluice.golden.write=true} it rewrites {@code golden.om} and {@code chunks.txt} in the
 * source tree instead of comparing.
 */
class PromtoolGoldenTest {
    private static final Path SOURCE_DIR = Path.of("src/test/resources/golden/chunks");

    @TempDir
    Path tmp;

    @Test
    void promtoolStillWritesTheCheckedInChunks() throws Exception {
        Path promtool = onPath("promtool");
        if (promtool == null) {
            System.out.println("skipped: promtool not found");
            Assumptions.abort("promtool not found");
        }
        boolean write = Boolean.getBoolean("sluice.golden.write");
        String input = new GoldenChunkInput().build();
        if (!write) {
            assertEquals(GoldenChunks.resource("golden.om"), input, "GoldenChunkInput no longer writes the checked-in golden.om");
        }
        Path om = tmp.resolve("golden.om");
        Files.writeString(om, input, StandardCharsets.UTF_8);
        String version = run(promtool.toString(), "--version").lines().findFirst().orElse("?");
        run(promtool.toString(), "tsdb", "create-blocks-from", "openmetrics", om.toString(), tmp.resolve("out").toString());
        List<GoldenChunks.Chunk> chunks = PromBlockReader.readBlocks(tmp.resolve("out"));
        assertTrue(chunks.size() > 20, "promtool wrote " + chunks.size() + " chunks");
        if (write) {
            Files.writeString(SOURCE_DIR.resolve("golden.om"), input, StandardCharsets.UTF_8);
            Files.writeString(SOURCE_DIR.resolve("chunks.txt"), GoldenChunks.format(chunks, header(version)), StandardCharsets.UTF_8);
            System.out.println("wrote " + SOURCE_DIR.toAbsolutePath() + " with " + version);
            return;
        }
        assertEquals(GoldenChunks.format(GoldenChunks.load(), ""), GoldenChunks.format(chunks, ""),
            version + " now writes other chunks than the checked-in chunks.txt");
    }

    private static String header(String version) {
        return "# The chunks that `promtool tsdb create-blocks-from openmetrics golden.om OUT` wrote, read from each\n"
            + "# block's index and chunks/000001 by PromBlockReader (all checksums verified). See README.md.\n"
            + "# " + version + "\n"
            + "# block <minT> <maxT>             a block's time range [minT, maxT) from its meta.json\n"
            + "# series <name{labels}>           a series of that block, in index order\n"
            + "# chunk <minT> <maxT> <n> <hex>   its chunks in order: first and last timestamp (ms), sample count,\n"
            + "#                                 and the chunk data (2-byte big-endian count, then the bit stream)\n";
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "promtool did not finish");
        assertEquals(0, p.exitValue(), String.join(" ", command) + " failed:\n" + out);
        return out;
    }

    private static Path onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir, name);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }
}
