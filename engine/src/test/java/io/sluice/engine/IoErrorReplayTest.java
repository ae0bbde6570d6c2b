package io.sluice.engine;

import io.sluice.testing.FaultyFileSystem;
import io.sluice.testing.Frames;
import io.sluice.testing.TestDirs;
import io.sluice.wal.WalCorruptionException;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An I/O error while replay reads the log (mmap failing with ENOMEM or EMFILE, a file it may not
 * read) says nothing about the log's content: open fails with that error and deletes nothing, with
 * or without repair.
 */
class IoErrorReplayTest {
    private static final Labels SERIES = Labels.of("__name__", "m");

    @TempDir
    Path dir;

    private SluiceConfig.Builder config(FaultyFileSystem fs) {
        return SluiceConfig.builder().dir(dir).shards(1).segmentSize(4096).eventCapacity(128).walTruncateSegments(1024).fileSystem(fs);
    }

    /** Four or more segments of one series. */
    private List<Path> writeSegments() throws Exception {
        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).shards(1).segmentSize(4096).eventCapacity(128).walTruncateSegments(1024).build())) {
            long ref = db.series(SERIES);
            Appender app = db.appender();
            for (int i = 0; i < 1000; i++) {
                app.add(ref, i, i);
                if (i % 20 == 19) {
                    app.commit();
                }
            }
            db.awaitDurable(app.commit());
        }
        List<Path> segs = Frames.segments(TestDirs.shard(dir, 0));
        assertTrue(segs.size() >= 4, "segments: " + segs.size());
        return segs;
    }

    private Map<Path, byte[]> snapshot() throws IOException {
        Map<Path, byte[]> files = new TreeMap<>();
        for (Path p : Frames.segments(TestDirs.shard(dir, 0))) {
            files.put(p, Files.readAllBytes(p));
        }
        return files;
    }

    private static void zero(Path file, long from, long to) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate((int) (to - from)), from);
        }
    }

    @ParameterizedTest(name = "repair={0}")
    @ValueSource(booleans = {false, true})
    void aMappingFailureWhileCheckingLaterSegmentsFailsTheOpenAndDeletesNothing(boolean repair) throws Exception {
        List<Path> segs = writeSegments();
        // Segment 1 loses its end marker: replay must look at the later segments to decide what that means.
        Path unsealed = segs.get(1);
        List<Frames.Frame> frames = Frames.frames(unsealed);
        Frames.Frame end = frames.get(frames.size() - 1);
        zero(unsealed, end.offset, end.end());
        Map<Path, byte[]> before = snapshot();
        FaultyFileSystem fs = new FaultyFileSystem();
        Path later = segs.get(2);
        fs.failMap = p -> p.getFileName().equals(later.getFileName());
        IOException e = assertThrows(IOException.class, () -> Sluice.open(config(fs).repair(repair).build()));
        assertFalse(e instanceof WalCorruptionException, "an I/O error, not corruption: " + e);
        assertTrue(e.getMessage().contains("Cannot allocate memory (injected)"), e.getMessage());
        assertFiles(before);
    }

    @ParameterizedTest(name = "repair={0}")
    @ValueSource(booleans = {false, true})
    void aMappingFailureWhileRepairCountsWhatItWouldDropFailsTheOpenAndDeletesNothing(boolean repair)
        throws Exception {
        List<Path> segs = writeSegments();
        Path first = segs.get(0);
        Frames.Frame victim = Frames.frames(first).get(3);
        ReplayTest.flip(first, victim.offset + 20);
        Map<Path, byte[]> before = snapshot();
        FaultyFileSystem fs = new FaultyFileSystem();
        Path later = segs.get(segs.size() - 1);
        fs.failMap = p -> p.getFileName().equals(later.getFileName());
        IOException e = assertThrows(IOException.class, () -> Sluice.open(config(fs).repair(repair).build()));
        if (repair) {
            assertFalse(e instanceof WalCorruptionException, "an I/O error, not corruption: " + e);
            assertTrue(e.getMessage().contains("Cannot allocate memory (injected)"), e.getMessage());
        } else {
            assertTrue(e instanceof WalCorruptionException, "without repair the corruption is reported: " + e);
        }
        assertFiles(before);
        // Once the error is gone, repair does its job.
        try (Sluice db = Sluice.open(config(new FaultyFileSystem()).repair(true).build())) {
            assertTrue(db.replayReport().repaired());
        }
    }

    private void assertFiles(Map<Path, byte[]> before) throws IOException {
        Map<Path, byte[]> after = snapshot();
        assertEquals(before.keySet(), after.keySet(), "no segment was deleted");
        for (Map.Entry<Path, byte[]> f : before.entrySet()) {
            assertTrue(java.util.Arrays.equals(f.getValue(), after.get(f.getKey())), f.getKey() + " unchanged");
        }
    }
}
