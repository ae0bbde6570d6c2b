package io.sluice.engine;

/**
 * Where a Sluice directory's samples live, and what they take: the head (each series' open chunk
 * off the heap and its full chunks in memory-mapped head-chunk files), the WAL (recovery only), and
 * the blocks (history, in the Prometheus TSDB block format). {@code inspect --json} reports these
 * fields.
 *
 * @param headSamples    samples held by the head (open and full chunks), from its lower bound on
 * @param headChunks     chunks held by the head, open ones included
 * @param headChunkBytes encoded bytes of those chunks (XOR chunk bytes, without file framing)
 * @param walBytes       bytes of WAL files (segments, checkpoints and spare segments waiting to be recycled) on disk
 * @param blocks         blocks visible to readers
 * @param blockSamples   samples in those blocks (from their meta.json)
 * @param blockBytes     bytes of every file of those blocks
 * @param blockMinTime   first timestamp the blocks cover, or {@link Long#MAX_VALUE} without blocks
 * @param blockMaxTime   end (exclusive) of what the blocks cover, or {@link Long#MIN_VALUE} without blocks
 * @param compactions    head ranges compacted into blocks since the engine opened
 * @param merges         merges of blocks into a larger one since the engine opened
 * @param compactionNanos wall time spent cutting and merging blocks since the engine opened
 * @param compactionCpuNanos CPU time the compacting thread spent on it (0 where the JVM cannot tell)
 * @param compactionFailures compactions or merges that failed (and are retried) since the engine opened
 * @param urgentCompactionCpuNanos of {@code compactionCpuNanos}, what compaction spent at normal
 *                       priority because the head was over {@link SluiceConfig#compactionDebtBytes()};
 *                       the rest ran at background priority
 */
public record StorageStats(long headSamples, long headChunks, long headChunkBytes, long walBytes, int blocks,
                           long blockSamples, long blockBytes, long blockMinTime, long blockMaxTime,
                           long compactions, long merges, long compactionNanos, long compactionCpuNanos,
                           long compactionFailures, long urgentCompactionCpuNanos) {
}
