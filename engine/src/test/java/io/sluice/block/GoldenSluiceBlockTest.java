package io.sluice.block;

import io.sluice.engine.Labels;
import io.sluice.testing.TestDirs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The checked-in block golden/sluice-block/ (written by {@link #main}) pins the format as Sluice
 * writes it: BlockWriter must still produce exactly those bytes (every file, meta.json included,
 * since the test injects the same ULID), and BlockReader must read back the series it was made of.
 * Its chunks are split over two segment files (an 8 KiB segment size) so that chunk references with
 * a segment index are pinned too.
 */
class GoldenSluiceBlockTest {
    static final long MIN_T = 1_700_006_400_000L;
    static final long MAX_T = MIN_T + 4 * 3_600_000L;
    static final BlockWriter.Options OPTIONS = BlockWriter.Options.defaults()
        .withUlid(MIN_T, new Random(42))
        .withChunkSegmentSize(8192);

    @TempDir
    Path tmp;

    /** The golden content: eight series, cut into chunks as Prometheus' head would cut them. */
    static List<TestSeries> series() {
        List<TestSeries> out = new ArrayList<>();
        String[][] labels = {
            {"__name__", "sluice_golden_gauge", "city", "Zürich"},
            {"__name__", "sluice_golden_gauge", "city", "\uFFFD replacement"},
            {"__name__", "sluice_golden_gauge", "city", "東京"},
            {"__name__", "sluice_golden_gauge", "city", "𝄞 clef"},
            {"__name__", "sluice_golden_requests_total", "code", "200", "method", "GET"},
            {"__name__", "sluice_golden_requests_total", "code", "500", "method", "GET"},
            {"__name__", "sluice_golden_requests_total", "code", "500", "method", "POST"},
            {"__name__", "sluice_golden_special", "kind", "mixed"},
        };
        long[] special = {Double.doubleToRawLongBits(Double.NaN), 0x7ff0000000000002L /* stale marker */,
            Double.doubleToRawLongBits(Double.POSITIVE_INFINITY), Double.doubleToRawLongBits(Double.NEGATIVE_INFINITY),
            Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(Double.MIN_VALUE),
            Double.doubleToRawLongBits(-Double.MAX_VALUE), Double.doubleToRawLongBits(0.1)};
        for (int k = 0; k < labels.length; k++) {
            boolean counter = labels[k][1].endsWith("_total");
            int n = k == 7 ? special.length : counter ? 600 + 50 * k : 30 + 7 * k;
            long step = counter ? 15_000 : 197_000 + 1_000 * k;
            long[] times = new long[n];
            long[] bits = new long[n];
            double v = 0;
            for (int i = 0; i < n; i++) {
                times[i] = MIN_T + 1_000L * k + step * i + (i % 3 == 0 ? 0 : 7 * (i % 5));
                v = counter ? v + 1 + (i * k) % 7 : 20 + Math.sin(i / 5.0 + k) * 8;
                bits[i] = k == 7 ? special[i] : Double.doubleToRawLongBits(counter ? v : Math.round(v * 1000) / 1000.0);
            }
            out.add(new TestSeries(Labels.of(labels[k]), times, bits));
        }
        out.sort((a, b) -> LabelOrder.compare(a.labels, b.labels));
        return out;
    }

    static BlockMeta writeGolden(Path blocksDir) throws Exception {
        return BlockWriter.write(blocksDir, MIN_T, MAX_T, TestSeries.source(series()), OPTIONS).orElseThrow();
    }

    /** Regenerates the golden block: run when the format changes on purpose, then check it in. */
    public static void main(String[] args) throws Exception {
        Path out = Paths.get(args.length > 0 ? args[0] : "engine/src/test/resources/golden/sluice-block");
        TestDirs.deleteTree(out.resolve(OPTIONS.ulid().toString()));
        System.out.println("wrote " + writeGolden(out));
    }

    static Path golden() throws Exception {
        Path dir = Paths.get(GoldenSluiceBlockTest.class.getResource("/golden/sluice-block/README.md").toURI()).getParent();
        return dir.resolve(OPTIONS.ulid().toString());
    }

    private static List<String> files(Path dir) throws Exception {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString()).sorted().collect(Collectors.toList());
        }
    }

    @Test
    void blockWriterStillWritesTheGoldenBytes() throws Exception {
        BlockMeta meta = writeGolden(tmp);
        Path written = tmp.resolve(meta.ulid().toString());
        assertEquals(List.of("chunks/000001", "chunks/000002", "index", "meta.json", "tombstones"), files(golden()));
        assertEquals(files(golden()), files(written));
        for (String f : files(golden())) {
            assertArrayEquals(Files.readAllBytes(golden().resolve(f)), Files.readAllBytes(written.resolve(f)), f);
        }
    }

    @Test
    void goldenBlockReadsBackAsItsSeries() throws Exception {
        List<TestSeries> want = series();
        try (BlockReader r = BlockReader.open(golden())) {
            assertEquals(OPTIONS.ulid(), r.meta().ulid());
            assertEquals(MIN_T, r.meta().minTime());
            assertEquals(MAX_T, r.meta().maxTime());
            assertEquals(want.size(), r.meta().numSeries());
            assertEquals(want.stream().mapToLong(TestSeries::sampleCount).sum(), r.meta().numSamples());
            assertEquals(2, r.chunkSegmentCount());
            r.verify();
            int[] ids = r.allSeries().toArray();
            assertEquals(want.size(), ids.length);
            for (int i = 0; i < ids.length; i++) {
                BlockSeries s = r.series(ids[i]);
                assertEquals(want.get(i).labels, s.labels());
                List<Long> times = new ArrayList<>();
                List<Long> bits = new ArrayList<>();
                for (int c = 0; c < s.chunkCount(); c++) {
                    TestSeries.decode(r.chunk(s.chunkRef(c)), times, bits);
                }
                assertArrayEquals(want.get(i).times, times.stream().mapToLong(Long::longValue).toArray(), s.toString());
                assertArrayEquals(want.get(i).valueBits, bits.stream().mapToLong(Long::longValue).toArray(), s.toString());
            }
        }
    }
}
