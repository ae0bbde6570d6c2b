package io.sluice.block;

import io.sluice.engine.Labels;
import io.sluice.engine.Matcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.roaringbitmap.RoaringBitmap;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Seeded random blocks through BlockWriter and back through BlockReader: labels and their order,
 * postings, label names and values, matcher evaluation against a brute-force model, chunk metas,
 * chunk bytes and every sample. Label values mix ASCII, Latin, CJK, private-use, U+FFFD and
 * supplementary characters, whose UTF-8 order differs from Java's UTF-16 order.
 * Rerun a failure with {@code -Dsluice.test.seed=<seed>}.
 */
class BlockRoundTripTest {
    private static final String[] NAMES = {"__name__", "Z", "a", "b", "host", "zone", "c_1"};
    private static final String[] PIECES = {"a", "b", "x", "y", "ü", "東京", "\uE000", "\uFFFD", "𝄞", "😀", "-", "1", "A", ""};
    private static final String[] METRICS = {"up", "http_requests_total", "cpu_seconds", "temperature_celsius"};

    @TempDir
    Path tmp;

    /** Go's order, computed independently of LabelOrder: by the UTF-8 bytes. */
    static final Comparator<String> UTF8 = (x, y) -> Arrays.compareUnsigned(x.getBytes(StandardCharsets.UTF_8),
        y.getBytes(StandardCharsets.UTF_8));
    static final Comparator<Labels> UTF8_LABELS = (x, y) -> {
        for (int i = 0; i < Math.min(x.size(), y.size()); i++) {
            int c = UTF8.compare(x.name(i), y.name(i));
            if (c == 0) {
                c = UTF8.compare(x.value(i), y.value(i));
            }
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(x.size(), y.size());
    };

    static String randomValue(Random rnd) {
        StringBuilder sb = new StringBuilder();
        int n = 1 + rnd.nextInt(3);
        while (sb.length() == 0 || n-- > 0) {
            sb.append(PIECES[rnd.nextInt(PIECES.length)]);
        }
        return sb.toString();
    }

    static List<TestSeries> randomSeries(Random rnd, int count, long t0, long span) {
        Map<Labels, Boolean> seen = new LinkedHashMap<>();
        while (seen.size() < count) {
            List<String> pairs = new ArrayList<>(List.of("__name__", METRICS[rnd.nextInt(METRICS.length)]));
            int extra = rnd.nextInt(4);
            TreeSet<String> used = new TreeSet<>(List.of("__name__"));
            for (int i = 0; i < extra; i++) {
                String name = NAMES[1 + rnd.nextInt(NAMES.length - 1)];
                if (used.add(name)) {
                    pairs.add(name);
                    pairs.add(randomValue(rnd));
                }
            }
            seen.put(Labels.of(pairs.toArray(new String[0])), true);
        }
        List<Labels> sorted = new ArrayList<>(seen.keySet());
        sorted.sort(UTF8_LABELS);
        List<TestSeries> out = new ArrayList<>();
        for (Labels l : sorted) {
            int n = rnd.nextInt(10) == 0 ? 0 : 1 + rnd.nextInt(rnd.nextBoolean() ? 20 : 400);
            long[] times = new long[n];
            long[] bits = new long[n];
            long t = t0 + rnd.nextInt(600_000);
            long step = 1 + rnd.nextInt(30_000);
            for (int i = 0; i < n && t < t0 + span; i++) {
                times[i] = t;
                bits[i] = randomValueBits(rnd, i);
                t += rnd.nextInt(5) == 0 ? 1 + rnd.nextInt(60_000) : step;
                if (t >= t0 + span) {
                    times = Arrays.copyOf(times, i + 1);
                    bits = Arrays.copyOf(bits, i + 1);
                }
            }
            out.add(new TestSeries(l, times, bits));
        }
        return out;
    }

    static long randomValueBits(Random rnd, int i) {
        switch (rnd.nextInt(8)) {
            case 0:
                return Double.doubleToRawLongBits(i);
            case 1:
                return Double.doubleToRawLongBits(rnd.nextGaussian() * 1e6);
            case 2:
                return rnd.nextLong(); // any bit pattern, NaN payloads included
            case 3:
                return Double.doubleToRawLongBits(-0.0);
            default:
                return Double.doubleToRawLongBits(Math.round(rnd.nextDouble() * 100) / 4.0);
        }
    }

    static Matcher randomMatcher(Random rnd) {
        String name = NAMES[rnd.nextInt(NAMES.length)];
        String v = rnd.nextInt(6) == 0 ? "" : name.equals("__name__") ? METRICS[rnd.nextInt(METRICS.length)] : randomValue(rnd);
        switch (rnd.nextInt(8)) {
            case 0:
                return Matcher.eq(name, v);
            case 1:
                return Matcher.neq(name, v);
            case 2:
                return Matcher.re(name, ".*" + java.util.regex.Pattern.quote(PIECES[rnd.nextInt(PIECES.length)]) + ".*");
            case 3:
                return Matcher.nre(name, java.util.regex.Pattern.quote(v) + "|x.*");
            case 4:
                return Matcher.re(name, "a|b|x");
            case 5:
                return Matcher.nre(name, ".+");
            case 6:
                return Matcher.re(name, ".*");
            default:
                return Matcher.re(name, "[^a]*");
        }
    }

    @Test
    void randomBlocksReadBackExactlyAsWritten() throws Exception {
        long seed = Long.getLong("sluice.test.seed", System.nanoTime());
        System.out.println("BlockRoundTripTest seed=" + seed + " (rerun with -Dsluice.test.seed=" + seed + ")");
        Random rnd = new Random(seed);
        for (int round = 0; round < 4; round++) {
            long t0 = 1_700_000_000_000L + rnd.nextInt(1_000_000);
            long span = 3 * 3_600_000L;
            List<TestSeries> all = randomSeries(rnd, 50 + rnd.nextInt(300), t0, span);
            BlockWriter.Options opts = BlockWriter.Options.defaults().withUlid(t0, rnd);
            if (rnd.nextBoolean()) {
                opts = opts.withChunkSegmentSize(8192 + rnd.nextInt(16384)); // several segments; a chunk is at most about 4 KiB
            }
            Path blocks = tmp.resolve("round-" + round);
            BlockMeta meta = BlockWriter.write(blocks, t0, t0 + span, TestSeries.source(all), opts).orElseThrow();
            check(seed, round, rnd, blocks.resolve(meta.ulid().toString()), all, meta, opts);
        }
    }

    private static void check(long seed, int round, Random rnd, Path dir, List<TestSeries> all, BlockMeta meta,
                              BlockWriter.Options opts) throws Exception {
        String ctx = "seed " + seed + " round " + round + ": ";
        List<TestSeries> kept = new ArrayList<>();
        long samples = 0;
        long chunks = 0;
        for (TestSeries s : all) {
            if (s.sampleCount() > 0) {
                kept.add(s);
                samples += s.sampleCount();
                chunks += s.chunks.size();
            }
        }
        assertEquals(kept.size(), meta.numSeries(), ctx + "numSeries");
        assertEquals(chunks, meta.numChunks(), ctx + "numChunks");
        assertEquals(samples, meta.numSamples(), ctx + "numSamples");
        assertFalse(Files.exists(dir.resolveSibling(dir.getFileName() + BlockWriter.TMP_SUFFIX)), ctx + "no tmp dir");

        try (BlockReader r = BlockReader.open(dir)) {
            assertEquals(meta, r.meta(), ctx + "meta.json");
            r.verify();
            if (opts.chunkSegmentSize() < 30_000) {
                assertTrue(r.chunkSegmentCount() > 1 || Files.size(dir.resolve("chunks/000001")) < 30_000, ctx + "segments");
            }
            for (int seg = 0; seg < r.chunkSegmentCount(); seg++) {
                assertTrue(Files.size(dir.resolve("chunks").resolve(ChunkSegmentDescriptor.fileName(seg)))
                    <= opts.chunkSegmentSize(), ctx + "segment size");
            }
            int[] ids = r.allSeries().toArray();
            assertEquals(kept.size(), ids.length, ctx + "series count");
            Map<String, Map<String, RoaringBitmap>> model = new java.util.TreeMap<>(UTF8);
            for (int i = 0; i < ids.length; i++) {
                TestSeries want = kept.get(i);
                BlockSeries got = r.series(ids[i]);
                assertEquals(want.labels, got.labels(), ctx + "labels of series " + i);
                assertEquals(want.labels, r.labels(ids[i]));
                assertEquals(want.chunks.size(), got.chunkCount(), ctx + got + " chunk count");
                List<Long> times = new ArrayList<>();
                List<Long> bits = new ArrayList<>();
                for (int c = 0; c < got.chunkCount(); c++) {
                    TestSeries.Chunk wc = want.chunks.get(c);
                    assertEquals(wc.minT, got.chunkMinTime(c), ctx + got + " chunk " + c + " minT");
                    assertEquals(wc.maxT, got.chunkMaxTime(c), ctx + got + " chunk " + c + " maxT");
                    ChunkView v = r.chunk(got.chunkRef(c));
                    assertArrayEquals(wc.bytes, v.bytes(), ctx + got + " chunk " + c + " bytes");
                    TestSeries.decode(v, times, bits);
                }
                assertArrayEquals(want.times, times.stream().mapToLong(Long::longValue).toArray(), ctx + got + " times");
                assertArrayEquals(want.valueBits, bits.stream().mapToLong(Long::longValue).toArray(), ctx + got + " values");
                for (int k = 0; k < want.labels.size(); k++) {
                    model.computeIfAbsent(want.labels.name(k), n -> new java.util.TreeMap<>(UTF8))
                        .computeIfAbsent(want.labels.value(k), v -> new RoaringBitmap()).add(ids[i]);
                }
            }
            assertEquals(new ArrayList<>(model.keySet()), r.labelNames(), ctx + "label names");
            for (Map.Entry<String, Map<String, RoaringBitmap>> e : model.entrySet()) {
                assertEquals(new ArrayList<>(e.getValue().keySet()), r.labelValues(e.getKey()), ctx + "values of " + e.getKey());
                for (Map.Entry<String, RoaringBitmap> v : e.getValue().entrySet()) {
                    assertEquals(v.getValue(), r.postings(e.getKey(), v.getKey()), ctx + "postings " + e.getKey() + "=" + v.getKey());
                }
            }
            assertTrue(r.postings("host", "no such value").isEmpty());
            assertTrue(r.labelValues("nope").isEmpty());
            for (int q = 0; q < 200; q++) {
                Matcher[] ms = new Matcher[1 + rnd.nextInt(3)];
                for (int k = 0; k < ms.length; k++) {
                    ms[k] = randomMatcher(rnd);
                }
                RoaringBitmap expected = new RoaringBitmap();
                for (int i = 0; i < ids.length; i++) {
                    boolean every = true;
                    for (Matcher m : ms) {
                        every &= m.matches(kept.get(i).labels);
                    }
                    if (every) {
                        expected.add(ids[i]);
                    }
                }
                assertEquals(expected, r.select(ms), ctx + "select " + Matcher.toString(ms));
                String name = NAMES[rnd.nextInt(NAMES.length)];
                TreeSet<String> values = new TreeSet<>(UTF8);
                for (int i = 0; i < ids.length; i++) {
                    if (expected.contains(ids[i]) && kept.get(i).labels.get(name) != null) {
                        values.add(kept.get(i).labels.get(name));
                    }
                }
                assertEquals(new ArrayList<>(values), r.labelValues(name, expected), ctx + "values of " + name + " among "
                    + Matcher.toString(ms));
            }
        }
    }
}
