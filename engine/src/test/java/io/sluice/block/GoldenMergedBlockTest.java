package io.sluice.block;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The block Prometheus 2.42's compactor merged from three promtool blocks (golden/prometheus-merged,
 * see its README): Sluice reads its meta, parents included, and writes it back byte for byte, and
 * {@link BlockMerger} over the same parents writes every file of it byte for byte.
 */
class GoldenMergedBlockTest {
    static final String MERGED = "01M8S603T9B6KNG7753YQJKBF2";
    static final String[] PARENTS = {"01M8S5Y7GJN0B4XFSPPNHMTPNG", "01M8S5Y7GXHTS0NZSHN8F1G2FK",
        "01M8S5Y7H7F881N6YHDS95XCY4"};

    @TempDir
    Path tmp;

    static Path golden() throws Exception {
        return Paths.get(GoldenMergedBlockTest.class.getResource("/golden/prometheus-merged/README.md").toURI()).getParent();
    }

    @Test
    void readsTheMergedMetaWithItsParentsAndWritesItBackByteForByte() throws Exception {
        Path file = golden().resolve(MERGED).resolve(BlockMeta.FILE_NAME);
        byte[] json = Files.readAllBytes(file);
        BlockMeta meta = MetaJson.read(file, json);
        assertEquals(2, meta.compactionLevel());
        assertEquals(3, meta.compactionParents().size());
        for (int i = 0; i < PARENTS.length; i++) {
            assertEquals(PARENTS[i], meta.compactionParents().get(i).ulid().toString());
            assertEquals(PARENTS[i], meta.compactionSources().get(i).toString());
        }
        assertEquals(1700013600000L, meta.compactionParents().get(1).minTime());
        assertEquals(1700020785001L, meta.compactionParents().get(1).maxTime());
        assertEquals(3600, meta.numSamples());
        assertArrayEquals(json, MetaJson.write(meta));
    }

    @Test
    void mergingTheParentsWritesPrometheusMergedBlockByteForByte() throws Exception {
        List<BlockReader> parents = new ArrayList<>();
        List<BlockMeta> metas = new ArrayList<>();
        try {
            for (String p : PARENTS) {
                BlockReader r = BlockReader.open(golden().resolve("parents").resolve(p));
                parents.add(r);
                metas.add(r.meta());
            }
            BlockMeta meta = BlockWriter.write(tmp, metas.get(0).minTime(), metas.get(2).maxTime(),
                new BlockMerger(parents, () -> false),
                BlockWriter.Options.defaults().withUlid(Ulid.parse(MERGED)).withParents(metas)).orElseThrow();
            assertEquals(MERGED, meta.ulid().toString());
        } finally {
            for (BlockReader r : parents) {
                r.close();
            }
        }
        Path want = golden().resolve(MERGED);
        Path got = tmp.resolve(MERGED);
        List<Path> files;
        try (Stream<Path> s = Files.walk(want)) {
            files = s.filter(Files::isRegularFile).map(want::relativize).sorted().toList();
        }
        try (Stream<Path> s = Files.walk(got)) {
            assertEquals(files, s.filter(Files::isRegularFile).map(got::relativize).sorted().toList());
        }
        assertEquals(4, files.size(), "meta.json, index, chunks/000001, tombstones: " + files);
        for (Path f : files) {
            assertArrayEquals(Files.readAllBytes(want.resolve(f)), Files.readAllBytes(got.resolve(f)), f.toString());
        }
    }
}
