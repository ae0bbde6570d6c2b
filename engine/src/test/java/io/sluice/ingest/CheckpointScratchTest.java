package io.sluice.ingest;

import io.sluice.engine.Appender;
import io.sluice.engine.Labels;
import io.sluice.engine.Sluice;
import io.sluice.engine.SluiceConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A truncation reads the samples it carries into its checkpoint once when their records fit the
 * thread's scratch, and twice (sizing, then writing) when they do not; either way the checkpoint
 * holds the same samples: reopening finds every one of them.
 */
class CheckpointScratchTest {
    private static final Labels A = Labels.of("__name__", "a");
    private static final Labels B = Labels.of("__name__", "b");
    private static final int TOTAL = 60_000;

    @TempDir
    Path tmp;

    @AfterEach
    void restore() {
        WalTruncation.scratchLimit = 16 << 20;
    }

    private static SluiceConfig config(Path dir) {
        return SluiceConfig.builder().dir(dir).shards(1).segmentSize(16 * 1024).eventCapacity(128)
            .headChunkFileSize(64 * 1024).walTruncateSegments(2).build();
    }

    @ParameterizedTest(name = "scratch limit {0}")
    @ValueSource(ints = {16 << 20, 0})
    void theDepartingSamplesAreReadOnceWhenTheyFitTheScratch(int limit) throws Exception {
        WalTruncation.scratchLimit = limit;
        long passes0 = WalTruncation.PASSES.sum();
        long truncations0 = WalTruncation.TRUNCATIONS.sum();
        Path dir = tmp.resolve("d");
        try (Sluice db = Sluice.open(config(dir))) {
            Appender app = db.appender();
            long b = db.series(B); // ten samples, then none: an open chunk every checkpoint carries
            for (long ts = 0; ts < 10; ts++) {
                app.add(b, ts, -ts);
            }
            long a = db.series(A);
            for (long ts = 0; ts < TOTAL; ts++) {
                app.add(a, ts, 2.0 * ts);
                if (ts % 100 == 99) {
                    db.awaitDurable(app.commit());
                }
            }
            db.awaitDurable(app.commit());
        }
        long truncations = WalTruncation.TRUNCATIONS.sum() - truncations0;
        long passes = WalTruncation.PASSES.sum() - passes0;
        assertTrue(truncations >= 5, "the WAL was truncated: " + truncations);
        assertEquals(limit > 0 ? truncations : 2 * truncations, passes, "passes over the departing samples");
        try (Sluice db = Sluice.open(config(dir))) {
            long[] n = {0};
            db.read(db.find(A), Long.MIN_VALUE, Long.MAX_VALUE, (ts, v) -> {
                assertEquals(n[0], ts);
                assertEquals(2.0 * ts, v);
                n[0]++;
            });
            assertEquals(TOTAL, n[0], "every sample of a");
            long[] m = {0};
            db.read(db.find(B), Long.MIN_VALUE, Long.MAX_VALUE, (ts, v) -> {
                assertEquals(m[0], ts);
                assertEquals(-ts, v);
                m[0]++;
            });
            assertEquals(10, m[0], "b's open chunk survives every truncation");
        }
    }
}
