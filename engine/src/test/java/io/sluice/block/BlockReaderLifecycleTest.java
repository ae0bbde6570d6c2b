package io.sluice.block;

import io.sluice.testing.TestDirs;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.roaringbitmap.RoaringBitmap;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A reader maps its files until close and no longer (counted in /proc/self/maps), refuses use
 * after close, and serves threads reading at once.
 */
class BlockReaderLifecycleTest {
    @TempDir
    Path tmp;

    private long mappings() throws Exception {
        Path maps = Path.of("/proc/self/maps");
        Assumptions.assumeTrue(Files.isReadable(maps), "needs /proc/self/maps");
        return Files.readAllLines(maps).stream().filter(l -> l.contains(tmp.toString())).count();
    }

    @Test
    void closeUnmapsTheIndexAndEverySegmentAndLaterCallsAreRefused() throws Exception {
        Path dir = tmp.resolve("b");
        TestDirs.copyTree(GoldenSluiceBlockTest.golden(), dir);
        BlockReader r = BlockReader.open(dir);
        assertEquals(3, mappings(), "index and two segments");
        r.close();
        assertEquals(0, mappings());
        r.close();
        assertThrows(IllegalStateException.class, r::allSeries);
        assertThrows(IllegalStateException.class, () -> r.chunk(8));
        for (int i = 0; i < 50; i++) {
            BlockReader.open(dir).close();
        }
        assertEquals(0, mappings());
    }

    @Test
    void manyThreadsReadTheSameBlockAtOnce() throws Exception {
        try (BlockReader r = BlockReader.open(GoldenSluiceBlockTest.golden())) {
            RoaringBitmap all = r.allSeries();
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<Long>> results = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    results.add(pool.submit(() -> {
                        long samples = 0;
                        ChunkView v = new ChunkView();
                        for (int round = 0; round < 200; round++) {
                            for (int id : all) {
                                BlockSeries s = r.series(id);
                                for (int c = 0; c < s.chunkCount(); c++) {
                                    samples += r.chunk(s.chunkRef(c), v).sampleCount();
                                }
                            }
                            r.select(io.sluice.engine.Matcher.re("city", ".+"));
                        }
                        return samples;
                    }));
                }
                for (Future<Long> f : results) {
                    assertEquals(200 * r.meta().numSamples(), f.get());
                }
            } finally {
                pool.shutdownNow();
            }
            assertTrue(r.labelValues("city").size() == 4);
        }
    }
}
