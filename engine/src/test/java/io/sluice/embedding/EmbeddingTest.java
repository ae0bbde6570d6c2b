package io.sluice.embedding;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sluice embedded in an application started with plain {@code java -cp}: without the JVM flags,
 * open fails at once with a message that lists them; with them, the README's example works.
 */
class EmbeddingTest {
    @TempDir
    Path tmp;

    private static final class Result {
        int code;
        String out;
        String err;
    }

    private Result run(List<String> flags, Path dir) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(flags);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(ReadmeExample.class.getName());
        cmd.add(dir.toString());
        Path out = tmp.resolve("out-" + flags.size());
        Path err = tmp.resolve("err-" + flags.size());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().remove("JDK_JAVA_OPTIONS");
        pb.environment().remove("JAVA_TOOL_OPTIONS");
        Process p = pb.start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the example did not finish in 60 s");
        }
        Result r = new Result();
        r.code = p.exitValue();
        r.out = Files.readString(out, StandardCharsets.UTF_8);
        r.err = Files.readString(err, StandardCharsets.UTF_8);
        return r;
    }

    @Test
    void withoutTheJvmFlagsOpenFailsWithAMessageListingThem() throws Exception {
        Result r = run(List.of(), tmp.resolve("d1"));
        assertNotEquals(0, r.code);
        assertTrue(r.err.contains("IllegalStateException: Sluice needs access to JDK internals"), r.err);
        for (String flag : new String[] {"--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED", "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED",
            "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED", "Add-Exports: java.base/sun.nio.ch"}) {
            assertTrue(r.err.contains(flag), flag + " in: " + r.err);
        }
        assertFalse(r.err.contains("member is private"), "fails before Chronicle does: " + r.err);
    }

    @Test
    void withTheFlagsTheReadmeExampleReadsItsSampleBack() throws Exception {
        List<String> flags = new ArrayList<>(Arrays.asList(System.getProperty("sluice.test.jvm.flags").trim()
            .split("\\s+")));
        Result r = run(flags, tmp.resolve("d2"));
        assertEquals(0, r.code, r.err);
        assertEquals("sample 1000 0.5" + System.lineSeparator(), r.out);
        assertFalse(r.err.contains("WARNING"), "no warnings with every flag set: " + r.err);
    }
}
