package io.sluice.block;

import io.sluice.testing.TestDirs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Damage anywhere in a block is reported as a {@link BlockCorruptionException} naming the damaged
 * file and an offset inside the damaged region, by {@code open} or by {@code verify}, and never as
 * an unchecked exception or a hang. Every byte of the index and of a chunk segment of both golden
 * blocks (Prometheus' and Sluice's) is flipped in turn, every truncation is tried, and meta.json and
 * tombstones are broken in many ways.
 */
class BlockCorruptionTest {
    @TempDir
    Path tmp;

    private Path copy(String which) throws Exception {
        Path src = which.equals("prometheus") ? GoldenPrometheusBlockTest.block() : GoldenSluiceBlockTest.golden();
        Path dst = tmp.resolve(src.getFileName().toString());
        TestDirs.copyTree(src, dst);
        return dst;
    }

    /** Opens and fully verifies; returns the corruption reported, or null if none. */
    private static BlockCorruptionException openAndVerify(Path dir) throws IOException {
        try (BlockReader r = BlockReader.open(dir)) {
            r.verify();
            // The lazy paths must also see the damage verify saw (none here).
            r.select(io.sluice.engine.Matcher.re("__name__", ".+"));
            return null;
        } catch (BlockCorruptionException e) {
            return e;
        }
    }

    private static void flip(Path file, long pos) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(pos);
            int b = f.read();
            f.seek(pos);
            f.write(b ^ 0xFF);
        }
    }

    /** The index's top-level regions as the TOC places them: header, symbols, series, ... TOC. */
    private static long[] regions(Path index) throws IOException {
        byte[] b = Files.readAllBytes(index);
        ByteBuffer toc = ByteBuffer.wrap(b, b.length - IndexDescriptor.TOC_LENGTH, 48);
        long[] r = new long[9];
        r[0] = 0;
        r[1] = toc.getLong(); // symbols
        r[2] = toc.getLong(); // series
        r[3] = toc.getLong(); // label indices
        long labelTable = toc.getLong();
        r[4] = toc.getLong(); // postings
        r[5] = labelTable;
        r[6] = toc.getLong(); // postings table
        r[7] = b.length - IndexDescriptor.TOC_LENGTH;
        r[8] = b.length;
        for (int i = 1; i < r.length; i++) {
            assertTrue(r[i - 1] < r[i], "regions in file order");
        }
        return r;
    }

    private static int region(long[] regions, long pos) {
        for (int i = 0; i < regions.length - 1; i++) {
            if (pos >= regions[i] && pos < regions[i + 1]) {
                return i;
            }
        }
        throw new AssertionError("offset " + pos + " outside the file");
    }

    @ParameterizedTest
    @ValueSource(strings = {"prometheus", "sluice"})
    void everyFlippedIndexByteIsReportedInTheSectionItDamaged(String which) throws Exception {
        Path dir = copy(which);
        Path index = dir.resolve("index");
        long[] regions = regions(index);
        String[] names = {"header", "symbol table", "series", "label indices", "postings", "label offset table",
            "postings offset table", "TOC"};
        long size = Files.size(index);
        for (long pos = 0; pos < size; pos++) {
            flip(index, pos);
            BlockCorruptionException e = openAndVerify(dir);
            long at = pos;
            assertNotNull(e, () -> "flipping index byte " + at + " (" + names[region(regions, at)] + ") went unnoticed");
            assertEquals(index, e.file(), e.getMessage());
            assertEquals(names[region(regions, pos)], names[region(regions, e.offset())],
                () -> "byte " + at + " flipped: " + e.getMessage());
            flip(index, pos);
        }
        assertEquals(null, openAndVerify(dir), "restored");
    }

    @ParameterizedTest
    @ValueSource(strings = {"prometheus", "sluice"})
    void everyFlippedChunkByteIsReportedAtTheChunkItDamaged(String which) throws Exception {
        Path dir = copy(which);
        TreeSet<Long> starts = new TreeSet<>();
        try (BlockReader r = BlockReader.open(dir)) {
            for (int id : r.allSeries()) {
                BlockSeries s = r.series(id);
                for (int c = 0; c < s.chunkCount(); c++) {
                    if (ChunkSegmentDescriptor.segmentIndex(s.chunkRef(c)) == 0) {
                        starts.add(ChunkSegmentDescriptor.offset(s.chunkRef(c)));
                    }
                }
            }
        }
        Path seg = dir.resolve("chunks/000001");
        long size = Files.size(seg);
        for (long pos = 0; pos < size; pos++) {
            flip(seg, pos);
            BlockCorruptionException e = openAndVerify(dir);
            long at = pos;
            assertNotNull(e, () -> "flipping chunk segment byte " + at + " went unnoticed");
            assertEquals(seg, e.file(), e.getMessage());
            if (pos < ChunkSegmentDescriptor.HEADER_SIZE) { // magic, version and padding are all checked
                assertTrue(e.offset() < ChunkSegmentDescriptor.HEADER_SIZE, e.getMessage());
            } else {
                assertEquals((long) starts.floor(pos), e.offset(), () -> "byte " + at + " flipped: " + e.getMessage());
            }
            flip(seg, pos);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"prometheus", "sluice"})
    void everyTruncationOfTheIndexOrAChunkSegmentIsReported(String which) throws Exception {
        Path dir = copy(which);
        for (String name : List.of("index", "chunks/000001")) {
            Path file = dir.resolve(name);
            byte[] whole = Files.readAllBytes(file);
            for (int len = whole.length - 1; len >= 0; len--) {
                try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
                    f.setLength(len);
                }
                BlockCorruptionException e = openAndVerify(dir);
                int at = len;
                assertNotNull(e, () -> name + " truncated to " + at + " bytes went unnoticed");
                assertEquals(file, e.file(), e.getMessage());
                assertTrue(e.offset() >= 0 && e.offset() <= len, () -> "offset " + e.offset() + " for " + at + " bytes");
            }
            Files.write(file, whole);
        }
    }

    @Test
    void brokenMetaJsonIsReportedAtTheParsersOffset() throws Exception {
        Path dir = copy("sluice");
        Path meta = dir.resolve("meta.json");
        String good = Files.readString(meta);
        for (int len = 0; len < good.getBytes(StandardCharsets.UTF_8).length; len++) {
            byte[] cut = java.util.Arrays.copyOf(good.getBytes(StandardCharsets.UTF_8), len);
            Files.write(meta, cut);
            BlockCorruptionException e = assertThrows(BlockCorruptionException.class, () -> BlockReader.open(dir));
            assertEquals(meta, e.file());
            assertTrue(e.offset() >= 0 && e.offset() <= len, e.getMessage());
        }
        String[][] broken = {
            {"\"version\": 1", "\"version\": 2", "version 2"},
            {"\"version\": 1", "\"version\": \"1\"", "version must be an integer"},
            {"\"minTime\": 1700006400000", "\"minTime\": 1.5", "minTime must be an integer"},
            {"\"minTime\": 1700006400000", "\"minTime\": 99999999999999999999", "does not fit"},
            {"\"ulid\": \"01HF84E400KMTGVZMAYTQEFEZ1\"", "\"ulid\": \"01HF84E400KMTGVZMAYTQEFEZ!\"", "invalid ULID"},
            {"\"ulid\": \"01HF84E400KMTGVZMAYTQEFEZ1\",", "", "lacks ulid"},
            {"\"level\": 1", "\"level\": 1, \"level\": 2", "Duplicate field"},
            {"\"stats\": {", "\"stats\": [", "stats must be an object"},
        };
        for (String[] b : broken) {
            String bad = good.replace(b[0], b[1]);
            assertTrue(!bad.equals(good), b[1]);
            Files.writeString(meta, bad);
            BlockCorruptionException e = assertThrows(BlockCorruptionException.class, () -> BlockReader.open(dir), b[1]);
            assertTrue(e.getMessage().contains(b[2]), e.getMessage());
            assertEquals(meta, e.file());
            int at = bad.indexOf(b[1]);
            assertTrue(b[1].isEmpty() || (e.offset() >= at && e.offset() <= at + b[1].length() + 40),
                () -> "offset " + e.offset() + " near " + at + ": " + e.getMessage());
        }
        Files.writeString(meta, good + " {}");
        assertTrue(assertThrows(BlockCorruptionException.class, () -> BlockReader.open(dir)).getMessage()
            .contains("trailing"));
        // Fields Sluice does not know (Prometheus' parents and hints, Thanos' section) are skipped.
        Files.writeString(meta, good.replace("\"version\": 1", "\"thanos\": {\"labels\": {\"a\": \"b\"}},\n\t\"version\": 1")
            .replace("\"level\": 1", "\"level\": 1, \"parents\": [{\"ulid\": \"01HF84E400KMTGVZMAYTQEFEZ1\"}], \"hints\": [\"x\"]"));
        try (BlockReader r = BlockReader.open(dir)) {
            assertEquals(1, r.meta().compactionLevel());
            assertEquals(1, r.meta().compactionParents().size(), "parents are read; missing times are 0, as in Go");
            assertEquals(0, r.meta().compactionParents().get(0).minTime());
        }
        Files.writeString(meta, good.replace("\"level\": 1", "\"level\": 1, \"parents\": [{\"minTime\": 5}]"));
        assertTrue(assertThrows(BlockCorruptionException.class, () -> BlockReader.open(dir)).getMessage()
            .contains("lacks its ulid"));
    }

    @Test
    void damagedTombstonesAreReportedAndMissingOnesReadAsNone() throws Exception {
        Path dir = copy("sluice");
        Path t = dir.resolve("tombstones");
        for (long pos = 0; pos < Files.size(t); pos++) {
            flip(t, pos);
            BlockCorruptionException e = assertThrows(BlockCorruptionException.class, () -> BlockReader.open(dir).close());
            assertEquals(t, e.file());
            flip(t, pos);
        }
        Files.write(t, new byte[] {0x01, 0x30});
        assertEquals(t, assertThrows(BlockCorruptionException.class, () -> BlockReader.open(dir).close()).file());
        Files.delete(t);
        try (BlockReader r = BlockReader.open(dir)) {
            assertTrue(r.tombstones().isEmpty());
        }
    }

    @Test
    void aMissingChunkSegmentOrIndexIsReported() throws Exception {
        Path dir = copy("sluice");
        Files.move(dir.resolve("chunks/000001"), dir.resolve("chunks/000003"));
        BlockCorruptionException e = assertThrows(BlockCorruptionException.class, () -> BlockReader.open(dir));
        assertEquals(dir.resolve("chunks/000001"), e.file());
        assertTrue(e.getMessage().contains("missing"), e.getMessage());
        Files.move(dir.resolve("chunks/000003"), dir.resolve("chunks/000001"));
        Files.delete(dir.resolve("index"));
        assertThrows(NoSuchFileException.class, () -> BlockReader.open(dir));
    }

    @Test
    void referencesOutsideTheFilesAreReportedNotThrownAsIndexErrors() throws Exception {
        Path dir = copy("sluice");
        try (BlockReader r = BlockReader.open(dir)) {
            int first = r.allSeries().first();
            assertEquals(dir.resolve("index"), assertThrows(BlockCorruptionException.class, () -> r.series(0)).file());
            assertThrows(BlockCorruptionException.class, () -> r.series(first + 1));
            assertThrows(BlockCorruptionException.class, () -> r.series(-1));
            assertThrows(BlockCorruptionException.class, () -> r.chunk(ChunkSegmentDescriptor.ref(7, 8)));
            assertThrows(BlockCorruptionException.class, () -> r.chunk(-1L));
            BlockCorruptionException e = assertThrows(BlockCorruptionException.class, () -> r.chunk(ChunkSegmentDescriptor.ref(0, 3)));
            assertEquals(dir.resolve("chunks/000001"), e.file());
            assertEquals(3, e.offset());
            assertThrows(BlockCorruptionException.class, () -> r.chunk(ChunkSegmentDescriptor.ref(0, 1L << 31)));
            assertThrows(BlockCorruptionException.class, () -> r.chunk(ChunkSegmentDescriptor.ref(0, 9)));
        }
    }
}
