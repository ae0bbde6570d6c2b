package io.sluice.chunk;

/**
 * When the head starts a new chunk for a series: Prometheus 2.42's rule ({@code tsdb/head_append.go},
 * {@code memSeries.appendPreprocessor}, {@code computeChunkEndTime}, {@code cutNewHeadChunk}; and
 * {@code rangeForTimestamp} in {@code tsdb/db.go}), as pure functions, so that Sluice's chunks
 * start and end at the same samples as Prometheus' would. A series keeps one long, {@code nextAt}:
 * the timestamp at which its open chunk must end. For each in-order sample {@code t}, the head does:
 *
 * <pre>{@code
 * nextAt = ChunkCutRule.nextAtBeforeAppend(n, chunkMinT, chunkMaxT, nextAt, t, chunkRange);
 * if (ChunkCutRule.cutBeforeAppend(n, nextAt, t)) {
 *     // seal the open chunk, open an empty one
 *     nextAt = ChunkCutRule.rangeForTimestamp(t, chunkRange);
 * }
 * // append t to the open chunk
 * }</pre>
 *
 * where {@code n} is the open chunk's sample count before {@code t}. So {@code nextAt} is set at a
 * chunk's first sample to the end of the {@code chunkRange}-aligned window holding it, re-predicted
 * once when the chunk holds {@link #SAMPLES_PER_CHUNK}/4 samples (so that the rest of the window
 * splits into chunks of about {@link #SAMPLES_PER_CHUNK} samples at the rate seen so far), and a
 * chunk is cut at {@code t >= nextAt} or when it already holds 2 × {@link #SAMPLES_PER_CHUNK}
 * samples (the rate went up after the prediction). Arithmetic is Go's: truncating integer division
 * and two's-complement wrap-around.
 *
 * <p>Threading: static and pure.
 */
public final class ChunkCutRule {
    /** Prometheus' target number of samples per chunk (fixed at 120 in 2.42). */
    public static final int SAMPLES_PER_CHUNK = 120;
    /** Prometheus' default chunk range: the head block's 2 h, in milliseconds. */
    public static final long DEFAULT_CHUNK_RANGE = 7_200_000L;

    private ChunkCutRule() {
    }

    /** The end of the {@code width}-aligned window holding {@code t}: {@code (t / width) * width + width}. */
    public static long rangeForTimestamp(long t, long width) {
        return (t / width) * width + width;
    }

    /**
     * Predicts where a chunk that started at {@code start} and reached {@code cur} with a quarter of
     * its samples should end, so that the rest of {@code [start, max)} splits into equal chunks;
     * {@code max} when fewer than two such chunks fit.
     */
    public static long computeChunkEndTime(long start, long cur, long max) {
        long n = (max - start) / ((cur - start + 1) * 4);
        if (n <= 1) {
            return max;
        }
        return start + (max - start) / n;
    }

    /**
     * The series' {@code nextAt} in force when sample {@code t} arrives: recomputed from {@code t}
     * when the open chunk is empty, re-predicted when it holds exactly
     * {@link #SAMPLES_PER_CHUNK}/4 samples, else unchanged.
     *
     * @param numSamples the open chunk's samples before {@code t}
     * @param chunkMinT  the open chunk's first timestamp (ignored when it is empty)
     * @param chunkMaxT  the open chunk's last timestamp (ignored when it is empty)
     * @param nextAt     the series' current {@code nextAt}
     */
    public static long nextAtBeforeAppend(int numSamples, long chunkMinT, long chunkMaxT, long nextAt, long t,
                                          long chunkRange) {
        if (numSamples == 0) {
            return rangeForTimestamp(t, chunkRange);
        }
        if (numSamples == SAMPLES_PER_CHUNK / 4) {
            return computeChunkEndTime(chunkMinT, chunkMaxT, nextAt);
        }
        return nextAt;
    }

    /**
     * Whether sample {@code t} starts a new chunk: the open chunk has samples and {@code t} reached
     * {@code nextAt} (as returned by {@link #nextAtBeforeAppend}), or the chunk already holds
     * 2 × {@link #SAMPLES_PER_CHUNK} samples. After a cut, the series' {@code nextAt} becomes
     * {@link #rangeForTimestamp rangeForTimestamp(t, chunkRange)}.
     */
    public static boolean cutBeforeAppend(int numSamples, long nextAt, long t) {
        // Prometheus also "cuts" an empty chunk when t >= nextAt (only possible when the window end
        // overflows), replacing it with another empty one: the same as not cutting.
        return numSamples > 0 && (t >= nextAt || numSamples >= 2 * SAMPLES_PER_CHUNK);
    }
}
