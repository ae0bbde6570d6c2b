package io.sluice.chunk;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The chunks promtool 2.42 wrote from {@code golden/chunks/golden.om} (checked in as
 * {@code chunks.txt}; README.md there says how) are the contract: {@link XorAppender} with
 * {@link ChunkCutRule} must produce every one of them byte for byte and cut at the same samples, and
 * {@link XorIterator} must decode them to the input's samples bit for bit. No promtool is needed.
 *
 * <p>How promtool makes blocks (cmd/promtool/backfill.go, tsdb/blockwriter.go in 2.42): one block per
 * 2 h window of sample time, each from a fresh head that gets only that window's samples, and whose
 * chunk range is twice the block duration (4 h), so that is the range the cut rule sees here.
 */
class XorChunkGoldenTest {
    private static final long BLOCK = 7_200_000L;
    private static final long HEAD_CHUNK_RANGE = 2 * BLOCK;

    @Test
    void appenderWithTheCutRuleReproducesEveryPromtoolChunkByteForByte() {
        Map<String, List<long[]>> samples = GoldenChunks.samples();
        List<GoldenChunks.Chunk> golden = GoldenChunks.load();
        int matched = 0;
        for (Map.Entry<String, List<long[]>> series : samples.entrySet()) {
            Map<Long, HeadSeriesModel> heads = new TreeMap<>();
            for (long[] s : series.getValue()) {
                long window = Math.floorDiv(s[0], BLOCK);
                assertTrue(heads.computeIfAbsent(window, w -> new HeadSeriesModel(HEAD_CHUNK_RANGE)).append(s[0], s[1]),
                    "golden.om holds an out-of-order sample at " + s[0]);
            }
            List<HeadSeriesModel.Chunk> ours = new ArrayList<>();
            heads.values().forEach(h -> ours.addAll(h.chunks()));
            List<GoldenChunks.Chunk> theirs = golden.stream().filter(c -> c.series().equals(series.getKey())).toList();
            assertEquals(theirs.size(), ours.size(), series.getKey() + ": number of chunks (cut points differ)");
            for (int i = 0; i < ours.size(); i++) {
                HeadSeriesModel.Chunk o = ours.get(i);
                GoldenChunks.Chunk g = theirs.get(i);
                String where = series.getKey() + " chunk " + i;
                assertEquals(g.minT(), o.minT(), where + " minT");
                assertEquals(g.maxT(), o.maxT(), where + " maxT");
                assertEquals(g.numSamples(), o.numSamples(), where + " samples");
                assertEquals(HexFormat.of().formatHex(g.data()), HexFormat.of().formatHex(o.bytes()), where + " bytes");
                matched++;
            }
        }
        assertEquals(golden.size(), matched, "every golden chunk belongs to a series of golden.om");
    }

    @Test
    void iteratorDecodesEveryGoldenChunkToTheInputSamplesBitForBit() {
        Map<String, List<long[]>> samples = GoldenChunks.samples();
        XorIterator heap = new XorIterator();
        XorIterator direct = new XorIterator();
        UnsafeBuffer offHeap = new UnsafeBuffer(ByteBuffer.allocateDirect(4096));
        for (Map.Entry<String, List<long[]>> series : samples.entrySet()) {
            List<long[]> expected = series.getValue();
            int next = 0;
            for (GoldenChunks.Chunk c : GoldenChunks.load()) {
                if (!c.series().equals(series.getKey())) {
                    continue;
                }
                offHeap.putBytes(7, c.data());
                heap.reset(c.data(), 0, c.data().length);
                direct.reset(offHeap, 7, c.data().length);
                int n = 0;
                while (heap.next()) {
                    assertTrue(direct.next());
                    long[] want = expected.get(next++);
                    String where = series.getKey() + " sample " + (next - 1);
                    assertEquals(want[0], heap.timestamp(), where + " timestamp");
                    assertEquals(want[1], heap.valueBits(), where + " value bits");
                    assertEquals(want[0], direct.timestamp(), where + " timestamp (direct)");
                    assertEquals(want[1], direct.valueBits(), where + " value bits (direct)");
                    n++;
                }
                assertEquals(c.numSamples(), n);
                assertEquals(false, direct.next());
            }
            assertEquals(expected.size(), next, series.getKey() + ": samples in chunks");
        }
    }

    /** What the golden files prove is only as wide as what they hold: check that they hold it. */
    @Test
    void goldenChunksCoverEveryDodBucketBoundaryAndSpecialValue() {
        Set<Long> dods = new TreeSet<>();
        Set<Long> values = new TreeSet<>();
        boolean fullWidthXor = false;
        boolean clampedLeading = false;
        int singleSampleChunks = 0;
        int chunksEndingInEmptyByte = 0;
        int chunksCutAtTwiceTarget = 0;
        XorIterator it = new XorIterator();
        for (GoldenChunks.Chunk c : GoldenChunks.load()) {
            it.reset(c.data(), 0, c.data().length);
            long prevT = 0;
            long prevDelta = 0;
            long prevBits = 0;
            for (int i = 0; it.next(); i++) {
                if (i >= 2) {
                    dods.add((it.timestamp() - prevT) - prevDelta);
                }
                if (i >= 1) {
                    long xor = it.valueBits() ^ prevBits;
                    fullWidthXor |= xor != 0 && Long.numberOfLeadingZeros(xor) == 0 && Long.numberOfTrailingZeros(xor) == 0;
                    clampedLeading |= xor != 0 && Long.numberOfLeadingZeros(xor) > 31;
                    prevDelta = it.timestamp() - prevT;
                }
                prevT = it.timestamp();
                prevBits = it.valueBits();
                values.add(it.valueBits());
            }
            singleSampleChunks += c.numSamples() == 1 ? 1 : 0;
            chunksEndingInEmptyByte += c.data()[c.data().length - 1] == 0 ? 1 : 0;
            chunksCutAtTwiceTarget += c.numSamples() == 2 * ChunkCutRule.SAMPLES_PER_CHUNK ? 1 : 0;
        }
        for (long dod : new long[] {0, 1, -1, 8191, 8192, -8191, 8193, -8192, 65535, 65536, -65535, 65537, -65536,
            524287, 524288, -524287, 524289, -524288, 1_000_000, -1_000_000}) {
            assertTrue(dods.contains(dod), "a golden chunk encodes the delta of delta " + dod);
        }
        for (double v : new double[] {Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -0.0, 0.0, Double.MIN_VALUE,
            Double.MAX_VALUE}) {
            assertTrue(values.contains(Double.doubleToRawLongBits(v)), "a golden chunk holds " + v);
        }
        assertTrue(values.contains(GoldenChunks.GO_NAN), "a golden chunk holds Go's NaN, 0x7ff8000000000001");
        assertTrue(fullWidthXor, "a value XOR with 64 significant bits (written as 0 in the 6-bit field)");
        assertTrue(clampedLeading, "a value XOR with more than 31 leading zeros (clamped to 31)");
        assertTrue(singleSampleChunks > 0, "a chunk of one sample");
        assertTrue(chunksEndingInEmptyByte > 0, "a chunk ending in the empty byte bstream appends after a whole byte");
        assertTrue(chunksCutAtTwiceTarget > 0, "a chunk cut at 2 x 120 samples");
    }
}
