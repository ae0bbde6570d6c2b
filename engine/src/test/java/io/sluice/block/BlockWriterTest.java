package io.sluice.block;

import io.sluice.engine.Labels;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * BlockWriter's contract besides the bytes: bad input is refused with an IllegalArgumentException
 * that says what is wrong and leaves nothing behind; series without chunks are left out, and a
 * source without any chunk writes no block; the block appears by rename from its
 * {@code .tmp-for-creation} directory, and a leftover one is replaced.
 */
class BlockWriterTest {
    static final long T0 = 1_700_000_000_000L;
    static final long T1 = T0 + 7_200_000L;

    @TempDir
    Path tmp;

    private static TestSeries series(String... labels) {
        return new TestSeries(Labels.of(labels), new long[] {T0 + 1000, T0 + 2000, T0 + 3000}, new long[] {1, 2, 3});
    }

    /** A source that hands over one chunk per series, as the test says. */
    private interface OneChunk {
        void hand(int series, ChunkSink sink, UnsafeBuffer chunk) throws IOException;
    }

    private static BlockSource custom(List<Labels> labels, OneChunk chunks) {
        byte[] bytes = TestSeries.encode(new long[] {T0 + 10}, new long[] {0}).get(0).bytes;
        return new BlockSource() {
            @Override
            public int seriesCount() {
                return labels.size();
            }

            @Override
            public Labels labels(int i) {
                return labels.get(i);
            }

            @Override
            public void chunks(int i, ChunkSink sink) throws IOException {
                chunks.hand(i, sink, new UnsafeBuffer(bytes));
            }
        };
    }

    private List<Path> entries() throws IOException {
        try (Stream<Path> s = Files.list(tmp)) {
            return s.toList();
        }
    }

    private void assertRefused(BlockSource src, String message) throws IOException {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BlockWriter.write(tmp, T0, T1, src));
        assertTrue(e.getMessage().contains(message), e.getMessage());
        assertEquals(List.of(), entries(), "a refused block leaves nothing behind");
    }

    @Test
    void seriesNotStrictlyAscendingInGoOrderAreRefused() throws Exception {
        Labels a = Labels.of("__name__", "m", "v", "\uFFFD");
        Labels b = Labels.of("__name__", "m", "v", "𝄞"); // after U+FFFD in UTF-8, before it in UTF-16
        OneChunk ok = (i, sink, c) -> sink.chunk(T0 + 10, T0 + 10, (byte) 1, c, 0, c.capacity());
        Path elsewhere = Files.createTempDirectory("sluice-block-ok");
        try {
            assertTrue(BlockWriter.write(elsewhere, T0, T1, custom(List.of(a, b), ok)).isPresent());
        } finally {
            io.sluice.testing.TestDirs.deleteTree(elsewhere);
        }
        assertRefused(custom(List.of(b, a), ok), "not strictly ascending in Prometheus label order");
        assertRefused(custom(List.of(a, a), ok), "not strictly ascending");
        assertRefused(custom(List.of(Labels.of("a", "1", "b", "2"), Labels.of("a", "1")), ok), "not strictly ascending");
    }

    @Test
    void chunksOutsideTheRangeOutOfOrderOrMalformedAreRefused() throws Exception {
        List<Labels> one = List.of(Labels.of("__name__", "m"));
        assertRefused(custom(one, (i, s, c) -> s.chunk(T0 - 1, T0 + 10, (byte) 1, c, 0, c.capacity())), "outside the block's");
        assertRefused(custom(one, (i, s, c) -> s.chunk(T0 + 10, T1, (byte) 1, c, 0, c.capacity())), "outside the block's");
        assertRefused(custom(one, (i, s, c) -> s.chunk(T0 + 20, T0 + 10, (byte) 1, c, 0, c.capacity())), "after maxT");
        assertRefused(custom(one, (i, s, c) -> {
            s.chunk(T0 + 10, T0 + 20, (byte) 1, c, 0, c.capacity());
            s.chunk(T0 + 20, T0 + 30, (byte) 1, c, 0, c.capacity());
        }), "not after the previous chunk's maxT 1700000000020");
        assertRefused(custom(one, (i, s, c) -> s.chunk(T0 + 10, T0 + 10, (byte) 0, c, 0, c.capacity())), "unknown encoding 0");
        assertRefused(custom(one, (i, s, c) -> s.chunk(T0 + 10, T0 + 10, (byte) 4, c, 0, c.capacity())), "unknown encoding 4");
        assertRefused(custom(one, (i, s, c) -> s.chunk(T0 + 10, T0 + 10, (byte) 1, c, 0, 1)), "too short");
        assertRefused(custom(one, (i, s, c) -> s.chunk(T0 + 10, T0 + 10, (byte) 1, c, 1, c.capacity())), "outside its buffer");
        assertRefused(custom(one, (i, s, c) -> s.chunk(T0 + 10, T0 + 10, (byte) 1, new UnsafeBuffer(new byte[4]), 0, 4)),
            "holds no sample");
        assertThrows(IllegalArgumentException.class, () -> BlockWriter.write(tmp, T1, T0, TestSeries.source(List.of())));
    }

    @Test
    void theSourcesFailureLeavesNothingBehind() throws Exception {
        BlockSource failing = custom(List.of(Labels.of("a", "1"), Labels.of("a", "2")), (i, s, c) -> {
            s.chunk(T0 + 10, T0 + 10, (byte) 1, c, 0, c.capacity());
            if (i == 1) {
                throw new IOException("head went away");
            }
        });
        assertEquals("head went away", assertThrows(IOException.class, () -> BlockWriter.write(tmp, T0, T1, failing)).getMessage());
        assertEquals(List.of(), entries());
    }

    @Test
    void seriesWithoutChunksAreLeftOutAndNoChunksMeansNoBlock() throws Exception {
        List<TestSeries> list = new ArrayList<>();
        list.add(series("__name__", "a"));
        list.add(new TestSeries(Labels.of("__name__", "b", "only_here", "x"), new long[0], new long[0]));
        list.add(series("__name__", "c"));
        BlockMeta meta = BlockWriter.write(tmp, T0, T1, TestSeries.source(list)).orElseThrow();
        assertEquals(2, meta.numSeries());
        assertEquals(6, meta.numSamples());
        try (BlockReader r = BlockReader.open(tmp.resolve(meta.ulid().toString()))) {
            assertEquals(List.of("__name__"), r.labelNames(), "no symbol or posting of the left-out series");
            assertEquals(List.of("a", "c"), r.labelValues("__name__"));
        }
        Path empty = tmp.resolve("empty");
        Optional<BlockMeta> none = BlockWriter.write(empty, T0, T1, TestSeries.source(List.of(list.get(1))));
        assertFalse(none.isPresent());
        try (Stream<Path> s = Files.list(empty)) {
            assertEquals(0, s.count(), "no block and no temporary directory");
        }
    }

    @Test
    void theBlockAppearsByRenameAndALeftoverTemporaryDirectoryIsReplaced() throws Exception {
        Ulid ulid = Ulid.generate(T0, new Random(7));
        Path leftover = tmp.resolve(ulid + ".tmp-for-creation");
        Files.createDirectories(leftover.resolve("chunks"));
        Files.writeString(leftover.resolve("chunks/000001"), "half-written by a crashed run");
        BlockWriter.Options opts = BlockWriter.Options.defaults().withUlid(ulid);
        BlockMeta meta = BlockWriter.write(tmp, T0, T1, TestSeries.source(List.of(series("a", "1"))), opts).orElseThrow();
        assertEquals(ulid, meta.ulid());
        assertEquals(List.of(tmp.resolve(ulid.toString())), entries());
        try (BlockReader r = BlockReader.open(tmp.resolve(ulid.toString()))) {
            r.verify();
        }
        assertThrows(FileAlreadyExistsException.class,
            () -> BlockWriter.write(tmp, T0, T1, TestSeries.source(List.of(series("a", "1"))), opts));
        assertEquals(List.of(tmp.resolve(ulid.toString())), entries());
    }

    @Test
    void segmentsAreCutBeforeTheyOverflowAndChunkRefsNameTheirSegment() throws Exception {
        List<TestSeries> list = new ArrayList<>();
        Random rnd = new Random(1);
        for (int s = 0; s < 40; s++) {
            long[] t = new long[500];
            long[] v = new long[500];
            for (int i = 0; i < t.length; i++) {
                t[i] = T0 + 10_000L * i + s;
                v[i] = rnd.nextLong();
            }
            list.add(new TestSeries(Labels.of("s", String.format("%03d", s)), t, v));
        }
        BlockMeta meta = BlockWriter.write(tmp, T0, T1, TestSeries.source(list),
            BlockWriter.Options.defaults().withChunkSegmentSize(32 * 1024)).orElseThrow();
        try (BlockReader r = BlockReader.open(tmp.resolve(meta.ulid().toString()))) {
            assertTrue(r.chunkSegmentCount() > 3, "segments: " + r.chunkSegmentCount());
            for (int seg = 0; seg < r.chunkSegmentCount(); seg++) {
                assertTrue(Files.size(tmp.resolve(meta.ulid().toString()).resolve("chunks")
                    .resolve(ChunkSegmentDescriptor.fileName(seg))) <= 32 * 1024);
            }
            r.verify();
        }
        assertThrows(IllegalArgumentException.class, () -> BlockWriter.Options.defaults().withChunkSegmentSize(100));
    }

    /** {@code src} with the symbol table given up front, so that the writer streams. */
    private static BlockSource withSymbols(BlockSource src, String... symbols) {
        return new BlockSource() {
            @Override
            public int seriesCount() {
                return src.seriesCount();
            }

            @Override
            public Labels labels(int i) {
                return src.labels(i);
            }

            @Override
            public void chunks(int i, ChunkSink sink) throws IOException {
                src.chunks(i, sink);
            }

            @Override
            public String[] symbols() {
                return symbols;
            }
        };
    }

    @Test
    void givenTheSymbolsUpFrontTheWriterStreamsTheSameBytes() throws Exception {
        List<TestSeries> list = new ArrayList<>();
        list.add(series("__name__", "a", "zone", "eu"));
        list.add(series("__name__", "a", "zone", "us"));
        list.add(series("__name__", "b", "job", "x"));
        list.sort((x, y) -> LabelOrder.compare(x.labels, y.labels));
        Ulid ulid = Ulid.generate(T0, new Random(3));
        Path collected = tmp.resolve("collected");
        Path streamed = tmp.resolve("streamed");
        BlockWriter.write(collected, T0, T1, TestSeries.source(list), BlockWriter.Options.defaults().withUlid(ulid));
        String[] symbols = {"", "__name__", "a", "b", "eu", "job", "us", "x", "zone"};
        BlockWriter.write(streamed, T0, T1, withSymbols(TestSeries.source(list), symbols),
            BlockWriter.Options.defaults().withUlid(ulid));
        for (String f : List.of("index", "chunks/000001", "meta.json", "tombstones")) {
            assertArrayEquals(Files.readAllBytes(collected.resolve(ulid.toString()).resolve(f)),
                Files.readAllBytes(streamed.resolve(ulid.toString()).resolve(f)), f);
        }
        Path bad = tmp.resolve("bad");
        Files.createDirectories(bad);
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> BlockWriter.write(bad, T0,
            T1, withSymbols(TestSeries.source(list), "", "__name__", "a", "b", "eu", "job", "us", "zone")));
        assertTrue(missing.getMessage().contains("which symbols() lacks"), missing.getMessage());
        IllegalArgumentException unsorted = assertThrows(IllegalArgumentException.class, () -> BlockWriter.write(bad, T0,
            T1, withSymbols(TestSeries.source(list), "a", "__name__")));
        assertTrue(unsorted.getMessage().contains("not strictly ascending"), unsorted.getMessage());
        try (Stream<Path> s = Files.list(bad)) {
            assertEquals(0, s.count(), "a refused block leaves nothing behind");
        }
    }
}
