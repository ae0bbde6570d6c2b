package io.sluice.ingest;

import io.sluice.engine.Labels;
import io.sluice.engine.Sluice;
import io.sluice.engine.SluiceConfig;
import io.sluice.testing.Frames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Per-item commits share one COMPACT record per batch. A child JVM is stopped on its shard writer
 * after a second event went into the open record and before the record is committed, and is then
 * killed with SIGKILL: the entries are in the mapped segment (so in the page cache and the file),
 * but the frame has no length. Reopened, the directory holds exactly the samples of the committed
 * records and none of the open one's: no half record, and no error.
 */
class CoalescedCrashTest {
    @TempDir
    Path tmp;

    @Test
    void sigkillBetweenEventsOfOneCoalescedRecordExposesNoneOfIt() throws Exception {
        Path dir = tmp.resolve("data");
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(Arrays.asList(System.getProperty("sluice.test.jvm.flags").trim().split("\\s+")));
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(CoalescedCrashChild.class.getName());
        cmd.add(dir.toString());
        Path err = tmp.resolve("child.err");
        Process child = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
        long committed;
        int open;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.UTF_8))) {
            String acked = readLine(out, child, err);
            assertEquals("ACKED 101", acked);
            String line = readLine(out, child, err);
            assertTrue(line.startsWith("OPEN "), line);
            String[] f = line.split(" ");
            open = Integer.parseInt(f[1]);
            committed = Long.parseLong(f[2]);
            child.destroyForcibly(); // SIGKILL on Linux
            assertTrue(child.waitFor(30, TimeUnit.SECONDS), "the child is gone");
        } finally {
            child.destroyForcibly();
        }
        assertEquals(137, child.exitValue(), "killed by SIGKILL");
        assertTrue(open >= 2 && committed >= 101, "open " + open + ", committed " + committed);

        // The open record's entries reached the file; its frame did not (no length, no checksum).
        byte[] image = null;
        List<Frames.Frame> frames = List.of();
        for (Path segment : Frames.segments(dir.resolve("shard-000"))) { // the last one with frames
            byte[] bytes = Files.readAllBytes(segment);
            List<Frames.Frame> f = Frames.frames(bytes);
            if (!f.isEmpty()) {
                image = bytes;
                frames = f;
            }
        }
        assertTrue(image != null, "a segment with frames");
        int end = frames.get(frames.size() - 1).end();
        assertEquals(0, Frames.wrap(image).getInt(end), "no frame length after the last committed frame");
        long entryBytes = 0;
        int entries = end + 8 + io.sluice.record.CompactRecord.ENTRIES_OFFSET;
        for (int i = entries; i < entries + io.sluice.record.CompactRecord.MIN_ENTRY_LENGTH * open; i++) {
            entryBytes += image[i] != 0 ? 1 : 0;
        }
        assertTrue(entryBytes > 0, "the open record's entries were written into the segment");

        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).build())) {
            assertEquals(committed, db.replayReport().samples(), "exactly the committed records' samples");
            long b = db.find(Labels.of("__name__", "b"));
            List<Long> ts = new ArrayList<>();
            db.read(b, Long.MIN_VALUE, Long.MAX_VALUE, (t, v) -> ts.add(t));
            long bCommitted = committed - 100;
            assertEquals(bCommitted, ts.size());
            for (int i = 0; i < ts.size(); i++) {
                assertEquals(i, ts.get(i), "b's samples 0.." + (bCommitted - 1) + " and nothing after");
            }
            assertEquals(0, db.metrics().errors());
        }
    }

    private static String readLine(BufferedReader out, Process child, Path err) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (out.ready()) {
                return out.readLine();
            }
            if (!child.isAlive()) {
                throw new AssertionError("the child exited " + child.exitValue() + ": "
                    + Files.readAllLines(err).stream().collect(Collectors.joining("\n")));
            }
            Thread.sleep(10);
        }
        throw new AssertionError("the child printed nothing in 60 s");
    }
}
