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
        return Files.readAllLines(maps).stream().filter(l -> l.contains(dir.toString()) && l.contains(marker)).count();
    }

    private static void write(Sluice db, long from, long to) throws InterruptedException {
        Appender app = db.appender();
        long ref = db.series(Labels.of("s", "a"));
        for (long ts = from; ts < to; ts++) {
            app.add(ref, ts, ts);
            if (ts % 10 == 9) {
                app.commit();
            }
        }
        db.awaitDurable(app.commit());
    }

    @Test
    void closeUnmapsEverySegmentEvenAfterManyReopens() throws Exception {
        SluiceConfig config = SluiceConfig.builder().dir(dir).shards(1).segmentSize(4096).build();
        try (Sluice db = Sluice.open(config)) {
            write(db, 0, 3000);
            assertTrue(mappings(".wal") > 10, "the segments are mapped while open");
        }
        assertEquals(0, mappings(".wal"), "close unmapped every segment");
        for (int i = 0; i < 5; i++) {
            Sluice.open(config).close();
        }
        assertEquals(0, mappings(".wal"), "replay and close leave no mapping behind");
    }

    @Test
    void retentionUnmapsTheSegmentsItDeletes() throws Exception {
        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).shards(1).segmentSize(4096)
            .retention(Duration.ofMillis(500)).retentionCheckInterval(Duration.ZERO).build())) {
            write(db, 0, 5000);
            // The writer unmaps a deleted segment at its next batch (readers may still be inside it
            // at deletion time), so drive a few batches that add nothing (a duplicate of the newest
            // sample, which moves no retention cutoff) and wait for the count to settle.
            Appender app = db.appender();
            long ref = db.find(Labels.of("s", "a"));
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (mappings("(deleted)") > 0 && System.nanoTime() < deadline) {
                app.add(ref, 4999, 4999);
                db.awaitDurable(app.commit());
                Thread.sleep(10);
            }
            assertEquals(0, mappings("(deleted)"), "no deleted segment is still mapped");
        }
    }
}
