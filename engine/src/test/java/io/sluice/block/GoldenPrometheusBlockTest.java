package io.sluice.block;

import io.sluice.engine.Labels;
import io.sluice.engine.Matcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.roaringbitmap.RoaringBitmap;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The block that promtool 2.42 made from golden/prometheus-block/input.om (see the README there):
 * Sluice reads it exactly (series, labels, chunk metas, every sample against the input), and writing its series and chunks again with BlockWriter reproduces
 * every file of it byte for byte.
 */
class GoldenPrometheusBlockTest {
    static final String ULID = "01M8S0CYQPBE087VRPJH5BAE4S";

    @TempDir
    Path tmp;

    static Path goldenDir() throws Exception {
        return Paths.get(GoldenPrometheusBlockTest.class.getResource("/golden/prometheus-block/input.om").toURI()).getParent();
    }

    static Path block() throws Exception {
        return goldenDir().resolve(ULID);
    }

    @Test
    void readsPromtoolsBlockSeriesLabelsAndChunkMetasAsInTheInput() throws Exception {
        List<OpenMetricsInput.Series> input = OpenMetricsInput.read(goldenDir().resolve("input.om"));
        try (BlockReader r = BlockReader.open(block())) {
            BlockMeta meta = r.meta();
            assertEquals(ULID, meta.ulid().toString());
            assertEquals(1700006400000L, meta.minTime());
            assertEquals(1700010885001L, meta.maxTime());
            assertEquals(770, meta.numSamples());
            assertEquals(input.size(), meta.numSeries());
            assertEquals(11, meta.numChunks());
            assertEquals(1, meta.compactionLevel());
            assertEquals(List.of(meta.ulid()), meta.compactionSources());
            assertTrue(r.tombstones().isEmpty());

            RoaringBitmap all = r.allSeries();
            assertEquals(input.size(), all.getCardinality());
            assertEquals(input.size(), r.seriesCount());
            int k = 0;
            for (int id : all) {
                OpenMetricsInput.Series expected = input.get(k++);
                BlockSeries s = r.series(id);
                assertEquals(expected.labels, s.labels());
                int sample = 0;
                for (int c = 0; c < s.chunkCount(); c++) {
                    ChunkView v = r.chunk(s.chunkRef(c));
                    assertEquals(ChunkSegmentDescriptor.ENCODING_XOR, v.encoding());
                    int n = v.sampleCount();
                    assertEquals((long) expected.times.get(sample), s.chunkMinTime(c), () -> s + " chunk minT");
                    assertEquals((long) expected.times.get(sample + n - 1), s.chunkMaxTime(c), () -> s + " chunk maxT");
                    sample += n;
                }
                assertEquals(expected.times.size(), sample, () -> s + " sample count");
                List<Long> times = new ArrayList<>();
                List<Long> bits = new ArrayList<>();
                for (int c = 0; c < s.chunkCount(); c++) {
                    TestSeries.decode(r.chunk(s.chunkRef(c)), times, bits);
                }
                assertEquals(expected.times, times, () -> s + " timestamps");
                for (int i = 0; i < bits.size(); i++) {
                    double want = expected.values.get(i);
                    double got = Double.longBitsToDouble(bits.get(i));
                    int at = i;
                    if (Double.isNaN(want)) {
                        assertTrue(Double.isNaN(got), () -> s + " sample " + at + " is NaN");
                    } else {
                        assertEquals(Double.doubleToRawLongBits(want), (long) bits.get(i), () -> s + " sample " + at
                            + ": " + want + " vs " + got);
                    }
                }
            }
            assertEquals(List.of("__name__", "city", "code", "kind", "method"), r.labelNames());
            assertEquals(List.of("Zürich", "Ω\"quoted\"", "東京", "𝄞 clef"), r.labelValues("city"));
            assertEquals(4, r.select(Matcher.eq("__name__", "sluice_golden_temperature")).getCardinality());
            assertEquals(1, r.select(Matcher.re("city", "東.*")).getCardinality());
            assertEquals(3, r.select(Matcher.eq("city", "")).getCardinality());
            r.verify();
        }
    }

    @Test
    void blockWriterReproducesPromtoolsBlockByteForByte() throws Exception {
        Optional<BlockMeta> written;
        try (BlockReader r = BlockReader.open(block())) {
            List<Integer> ids = new ArrayList<>();
            r.allSeries().forEach((int id) -> ids.add(id));
            BlockSource src = new BlockSource() {
                @Override
                public int seriesCount() {
                    return ids.size();
                }

                @Override
                public Labels labels(int i) {
                    try {
                        return r.labels(ids.get(i));
                    } catch (BlockCorruptionException e) {
                        throw new AssertionError(e);
                    }
                }

                @Override
                public void chunks(int i, ChunkSink sink) throws java.io.IOException {
                    BlockSeries s = r.series(ids.get(i));
                    for (int c = 0; c < s.chunkCount(); c++) {
                        ChunkView v = r.chunk(s.chunkRef(c));
                        sink.chunk(s.chunkMinTime(c), s.chunkMaxTime(c), v.encoding(), v.buffer(), v.offset(), v.length());
                    }
                }
            };
            written = BlockWriter.write(tmp, r.meta().minTime(), r.meta().maxTime(), src,
                BlockWriter.Options.defaults().withUlid(Ulid.parse(ULID)));
        }
        assertTrue(written.isPresent());
        Path out = tmp.resolve(ULID);
        for (String f : List.of("meta.json", "index", "chunks/000001", "tombstones")) {
            assertArrayEquals(Files.readAllBytes(block().resolve(f)), Files.readAllBytes(out.resolve(f)), f);
        }
        try (var files = Files.walk(out)) {
            assertEquals(6, files.count(), "the block dir, chunks/, and four files");
        }
    }
}
