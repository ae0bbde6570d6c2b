package io.sluice.engine;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Segment mappings do not outlive their use: close unmaps every segment, and retention unmaps the
 * segments it deletes (or their disk space would stay in use). Counted in /proc/self/maps (Linux).
 */
class UnmapTest {
    @TempDir
    Path dir;

    private long mappings(String marker) throws Exception {
        Path maps = Path.of("/proc/self/maps");
        Assumptions.assumeTrue(Files.isReadable(maps), "needs /proc/self/maps");
        // Chronicle unmaps on its background releaser thread: let it finish what close handed it.
        net.openhft.chronicle.core.io.BackgroundResourceReleaser.releasePendingResources();
        return Files.readAllLines(maps).stream().filter(l -> l.contains(dir.toString()) && l.contains(marker)).count();
    }

    private String lines(String marker) {
        try {
            return String.join("\n", Files.readAllLines(Path.of("/proc/self/maps")).stream()
                .filter(l -> l.contains(dir.toString()) && l.contains(marker)).limit(5).toArray(String[]::new));
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }

    private static void write(Sluice db, long from, long to) throws InterruptedException {
        Appender app = db.appender();
        long ref = db.series(Labels.of("s", "a"));
        for (long ts = from; ts < to; ts++) {
            app.add(ref, ts, ts);
            if (ts % 100 == 99) {
                db.awaitDurable(app.commit()); // a batch each, so retention runs between them
            }
        }
        db.awaitDurable(app.commit());
    }

    @Test
    void closeUnmapsEverySegmentEvenAfterManyReopens() throws Exception {
        SluiceConfig config = SluiceConfig.builder().dir(dir).shards(1).segmentSize(4096).eventCapacity(128)
            .walTruncateSegments(1024).build();
        try (Sluice db = Sluice.open(config)) {
            write(db, 0, 3000);
            assertTrue(mappings(".wal") > 10, "the segments are mapped while open");
            assertTrue(mappings(".chunks") >= 1, "the head-chunk files are mapped while open");
        }
        assertEquals(0, mappings(".wal"), () -> "close unmapped every segment: " + lines(".wal"));
        assertEquals(0, mappings(".chunks"), () -> "close unmapped every head-chunk file: " + lines(".chunks"));
        for (int i = 0; i < 5; i++) {
            Sluice.open(config).close();
        }
        assertEquals(0, mappings(".wal"), () -> "replay and close leave no mapping behind: " + lines(".wal"));
    }

    @Test
    void truncationAndRetentionUnmapTheFilesTheyDelete() throws Exception {
        long kept;
        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).shards(1).segmentSize(4096).eventCapacity(128)
            .headChunkFileSize(64 * 1024).retention(Duration.ofMillis(20_000))
            .retentionCheckInterval(Duration.ZERO).build())) {
            write(db, 0, 200_000);
            kept = db.sampleCount(db.find(Labels.of("s", "a")));
        }
        assertTrue(kept < 200_000, "retention deleted head-chunk files");
        // Deleted files left the live lists, so close does not unmap them: only truncation's and retention's
        // own unmapping can have; a leak would show here as a mapping of a deleted file.
        assertEquals(0, mappings(".wal"), () -> "no segment is still mapped: " + lines(".wal"));
        assertEquals(0, mappings(".chunks"), () -> "no head-chunk file is still mapped: " + lines(".chunks"));
    }
}
