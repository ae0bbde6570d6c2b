/**
 * The head: each shard's series with their samples in Prometheus XOR chunks. A series appends to its
 * open chunk ({@link io.sluice.head.HeadSeries}, whose bytes live in the shard's off-heap
 * {@link io.sluice.head.OpenChunkArena}); a full chunk goes to the shard's memory-mapped head-chunk
 * log ({@link io.sluice.head.HeadChunkLog}, docs/format/head-chunks.md), and the series keeps only
 * the position of its newest chunk there: each chunk frame points to the series' previous one. So
 * the heap holds a fixed amount per series, nothing per sample and nothing per chunk.
 * {@link io.sluice.head.ShardHead} ties them together and answers range reads.
 *
 * <p>The head never reads the WAL: replay feeds it, as Prometheus' head is fed by its WAL replay.
 *
 * <p>Threading: one writer per shard (replay, then its handler); readers on any thread copy a
 * series' open chunk under the series' version counter (a seqlock: they retry, the writer never
 * waits) and read full chunks from the mapped files under the engine's reader gate.
 *
 * <p><b>Not API.</b> This package is internal to Sluice and changes without notice; applications use
 * {@code io.sluice.engine}.
 */
package io.sluice.head;
