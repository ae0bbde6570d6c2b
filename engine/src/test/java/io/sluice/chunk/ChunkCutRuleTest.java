package io.sluice.chunk;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cut rule against the worked examples of Prometheus 2.42's own tests: {@code TestRangeForTimestamp}
 * (tsdb/db_test.go), {@code TestComputeChunkEndTime}, {@code TestMemSeries_append} and
 * {@code TestMemSeries_append_atVariableRate} (tsdb/head_test.go).
 */
class ChunkCutRuleTest {
    @ParameterizedTest(name = "rangeForTimestamp({0}, {1}) = {2}")
    @CsvSource({"0, 5, 5", "1, 5, 5", "5, 5, 10", "6, 5, 10", "13, 5, 15", "95, 5, 100"})
    void rangeForTimestampIsTheEndOfTheAlignedWindow(long t, long width, long expected) {
        assertEquals(expected, ChunkCutRule.rangeForTimestamp(t, width));
    }

    @ParameterizedTest(name = "computeChunkEndTime({0}, {1}, {2}) = {3}")
    @CsvSource({
        "0, 250, 1000, 1000",   // one chunk fits: the window's end
        "100, 200, 1000, 550",  // two chunks fit: halfway
        "0, 500, 1000, 1000",   // zero chunks fit (and no division by zero)
        "100, 100, 1000, 104",  // cur == start: 225 chunks of 4 ms
    })
    void computeChunkEndTimeSplitsTheRestOfTheWindowEvenly(long start, long cur, long max, long expected) {
        assertEquals(expected, ChunkCutRule.computeChunkEndTime(start, cur, max));
    }

    @Test
    void defaultsAreTwoHoursAndOneHundredTwentySamples() {
        assertEquals(2 * 60 * 60 * 1000L, ChunkCutRule.DEFAULT_CHUNK_RANGE);
        assertEquals(120, ChunkCutRule.SAMPLES_PER_CHUNK);
    }

    @Test
    void anEmptyChunkTakesItsNextAtFromTheSampleAndIsNeverCut() {
        assertEquals(1000, ChunkCutRule.nextAtBeforeAppend(0, 0, 0, 123, 998, 500));
        assertFalse(ChunkCutRule.cutBeforeAppend(0, 1000, 998));
        assertFalse(ChunkCutRule.cutBeforeAppend(0, Long.MIN_VALUE, Long.MAX_VALUE));
    }

    @Test
    void theNextAtIsRepredictedOnlyAtAQuarterOfTheTargetSamples() {
        assertEquals(777, ChunkCutRule.nextAtBeforeAppend(29, 0, 100, 777, 101, 1000));
        assertEquals(ChunkCutRule.computeChunkEndTime(100, 200, 1000), ChunkCutRule.nextAtBeforeAppend(30, 100, 200, 1000, 201, 1000));
        assertEquals(777, ChunkCutRule.nextAtBeforeAppend(31, 0, 100, 777, 101, 1000));
    }

    @Test
    void aChunkIsCutAtItsNextAtOrAtTwiceTheTargetSamples() {
        assertFalse(ChunkCutRule.cutBeforeAppend(1, 1000, 999));
        assertTrue(ChunkCutRule.cutBeforeAppend(1, 1000, 1000));
        assertFalse(ChunkCutRule.cutBeforeAppend(239, 1000, 999));
        assertTrue(ChunkCutRule.cutBeforeAppend(240, 1000, 999));
    }

    /** TestMemSeries_append: chunk range 500, samples at the end of a window and on its boundary. */
    @Test
    void cutsOnTheChunkRangeBoundaryAndFillsTheNextRangeWithChunksOfAboutTheTarget() {
        HeadSeriesModel s = new HeadSeriesModel(500);
        assertTrue(s.append(998, 1));
        assertTrue(s.lastAppendCreatedChunk(), "first sample created chunk");
        assertTrue(s.append(999, 2));
        assertFalse(s.lastAppendCreatedChunk(), "second sample should use same chunk");
        assertTrue(s.append(1000, 3));
        assertTrue(s.lastAppendCreatedChunk(), "expected new chunk on boundary");
        assertTrue(s.append(1001, 4));
        assertFalse(s.lastAppendCreatedChunk(), "second sample should use same chunk");

        List<HeadSeriesModel.Chunk> chunks = s.chunks();
        assertEquals(2, chunks.size());
        assertEquals(998, chunks.get(0).minT());
        assertEquals(999, chunks.get(0).maxT());
        assertEquals(1000, chunks.get(1).minT());
        assertEquals(1001, chunks.get(1).maxT());

        for (int i = 1; i < 1000; i++) {
            assertTrue(s.append(1001 + i, i));
        }
        chunks = s.chunks();
        assertTrue(chunks.size() > 7, "expected intermediate chunks, got " + chunks.size());
        for (HeadSeriesModel.Chunk c : chunks.subList(1, chunks.size() - 1)) {
            assertTrue(c.numSamples() > 100, "unexpected small chunk of " + c.numSamples());
        }
    }

    /** TestMemSeries_append_atVariableRate: a slow start fixes nextAt at the window end; then 1 ms samples. */
    @Test
    void cutsAtTwiceTheTargetWhenTheRateRisesAfterThePrediction() {
        long range = ChunkCutRule.DEFAULT_CHUNK_RANGE;
        HeadSeriesModel s = new HeadSeriesModel(range);
        long slowRate = range * 2 / ChunkCutRule.SAMPLES_PER_CHUNK;
        long t = 0;
        int appended = 0;
        for (int i = 0; i < ChunkCutRule.SAMPLES_PER_CHUNK / 4; i++) {
            assertTrue(s.append(t, i));
            t += slowRate;
            appended++;
        }
        assertEquals(range, s.nextAt(), "after a quarter of the samples at a slow rate, the chunk ends at the range end");
        for (int i = 0; i < 65_535; i++) {
            assertTrue(s.append(t, i));
            t++;
            appended++;
        }
        assertTrue(s.append(range, 0));
        assertTrue(s.lastAppendCreatedChunk(), "the sample at the range end starts a chunk");
        List<HeadSeriesModel.Chunk> chunks = s.chunks();
        int inChunks = 0;
        for (HeadSeriesModel.Chunk c : chunks.subList(0, chunks.size() - 1)) {
            assertTrue(c.numSamples() <= 2 * ChunkCutRule.SAMPLES_PER_CHUNK, "chunk of " + c.numSamples());
            inChunks += c.numSamples();
        }
        assertEquals(appended, inChunks);
        assertEquals(2 * ChunkCutRule.SAMPLES_PER_CHUNK, chunks.get(0).numSamples());
    }

    @Test
    void divisionTruncatesTowardZeroForNegativeTimestampsAsGoDoes() {
        assertEquals(5, ChunkCutRule.rangeForTimestamp(-1, 5));
        assertEquals(0, ChunkCutRule.rangeForTimestamp(-5, 5));
        assertEquals(0, ChunkCutRule.rangeForTimestamp(-6, 5));
        assertEquals(-5, ChunkCutRule.rangeForTimestamp(-10, 5));
    }
}
