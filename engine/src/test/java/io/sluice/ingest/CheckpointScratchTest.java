package io.sluice.ingest;

import io.sluice.engine.Sluice;
import io.sluice.engine.SluiceConfig;
import io.sluice.testing.TruncationWorkload;
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
            TruncationWorkload.write(db);
        }
        long truncations = WalTruncation.TRUNCATIONS.sum() - truncations0;
        long passes = WalTruncation.PASSES.sum() - passes0;
        assertTrue(truncations >= 5, "the WAL was truncated: " + truncations);
        assertEquals(limit > 0 ? truncations : 2 * truncations, passes, "passes over the departing samples");
        try (Sluice db = Sluice.open(config(dir))) {
            TruncationWorkload.checkAll(db);
        }
    }
}
