package io.sluice.ingest;

import io.sluice.engine.Appender;
import io.sluice.engine.Labels;
import io.sluice.engine.Sluice;
import io.sluice.engine.SluiceConfig;
import io.sluice.testing.TruncationWorkload;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A truncation decodes only the records of the departing segments that open chunks may reach (each
 * series notes the WAL positions of its open chunk's first and newest records), and reads the
 * previous checkpoint only while an open chunk starts before the departing segments. What it skips
 * is in the chunk log already: reopening finds every sample. (WalTruncationTest and
 * CheckpointScratchTest fail when the reach is taken too narrow.)
 */
class TruncationReachTest {
    private static final int SEGMENT_SIZE = 16 * 1024;

    @TempDir
    Path tmp;

    private static SluiceConfig config(Path dir) {
        return SluiceConfig.builder().dir(dir).shards(1).segmentSize(SEGMENT_SIZE).eventCapacity(128)
            .headChunkFileSize(64 * 1024).walTruncateSegments(2).build();
    }

    @Test
    void segmentsNoOpenChunkReachesAreNotDecodedAndAnIdleSeriesKeepsItsCheckpointRead() throws Exception {
        long skipped0 = WalTruncation.SKIPPED_BYTES.sum();
        long checkpoints0 = WalTruncation.CHECKPOINTS_SKIPPED.sum();
        long truncations0 = WalTruncation.TRUNCATIONS.sum();
        Path dir = tmp.resolve("d");
        try (Sluice db = Sluice.open(config(dir))) {
            TruncationWorkload.write(db); // series b's 10 samples stay in an open chunk: in every checkpoint
        }
        long truncations = WalTruncation.TRUNCATIONS.sum() - truncations0;
        long skipped = WalTruncation.SKIPPED_BYTES.sum() - skipped0;
        assertTrue(truncations >= 5, "the WAL was truncated: " + truncations);
        // Each truncation takes two sealed segments; a's open chunk (120 samples at most, about a
        // tenth of a segment) reaches the newer one only, so at least the older is never decoded.
        assertTrue(skipped >= truncations * SEGMENT_SIZE / 2,
            "bytes not decoded: " + skipped + " in " + truncations + " truncations of two segments");
        assertEquals(0, WalTruncation.CHECKPOINTS_SKIPPED.sum() - checkpoints0,
            "b's open chunk starts before every departing segment: each checkpoint is read");
        try (Sluice db = Sluice.open(config(dir))) {
            TruncationWorkload.checkAll(db);
        }
    }

    @Test
    void withNoIdleSeriesThePreviousCheckpointIsSkippedAndEverySampleSurvivesReopens() throws Exception {
        long checkpoints0 = WalTruncation.CHECKPOINTS_SKIPPED.sum();
        Labels[] series = new Labels[7];
        for (int i = 0; i < series.length; i++) {
            series[i] = Labels.of("__name__", "s" + i);
        }
        int perSeries = 8_000;
        Path dir = tmp.resolve("d");
        // Two sessions: the second starts with replayed open chunks (at unknown WAL positions, which
        // reach everything) and must carry them through its own truncations.
        for (int session = 0; session < 2; session++) {
            try (Sluice db = Sluice.open(config(dir))) {
                Appender app = db.appender();
                long[] refs = new long[series.length];
                for (int i = 0; i < series.length; i++) {
                    refs[i] = db.series(series[i]);
                }
                int from = session * perSeries;
                for (int t = from; t < from + perSeries; t++) {
                    for (int i = 0; i < series.length; i++) {
                        app.add(refs[i], t, t * 10.0 + i);
                    }
                    if (t % 50 == 49) {
                        db.awaitDurable(app.commit());
                    }
                }
                db.awaitDurable(app.commit());
            }
        }
        assertTrue(WalTruncation.CHECKPOINTS_SKIPPED.sum() - checkpoints0 > 0,
            "once every open chunk starts in the departing segments, the previous checkpoint is not read");
        try (Sluice db = Sluice.open(config(dir))) {
            for (int i = 0; i < series.length; i++) {
                int k = i;
                long[] n = {0};
                db.read(db.find(series[i]), Long.MIN_VALUE, Long.MAX_VALUE, (ts, v) -> {
                    assertEquals(n[0], ts, "series " + k + " is contiguous");
                    assertEquals(ts * 10.0 + k, v);
                    n[0]++;
                });
                assertEquals(2L * perSeries, n[0], "every sample of series " + i);
            }
        }
    }
}
