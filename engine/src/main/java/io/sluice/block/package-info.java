/**
 * Blocks: immutable directories in the Prometheus TSDB block format, byte for byte
 * (docs/format/blocks.md), so that {@code promtool} and Prometheus read Sluice's blocks and Sluice
 * reads theirs. {@link io.sluice.block.BlockWriter} streams a {@link io.sluice.block.BlockSource}
 * (series in {@link io.sluice.block.LabelOrder}, each with its chunks) into
 * {@code <blocksDir>/<ULID>/} through a temporary directory and a rename;
 * {@link io.sluice.block.BlockReader} maps a block read-only and decodes it lazily, in place: series
 * by reference, chunks by reference, postings, and PromQL matchers over the index. Damage is
 * reported as a {@link io.sluice.block.BlockCorruptionException} naming the file and byte offset.
 *
 * <p>The layout constants live in {@link io.sluice.block.IndexDescriptor},
 * {@link io.sluice.block.ChunkSegmentDescriptor} and {@link io.sluice.block.TombstonesDescriptor}.
 *
 * <p>Threading: a {@code BlockWriter.write} call runs on its caller's thread (calls for different
 * blocks may run concurrently); a {@code BlockReader} may be read by any number of threads at once
 * and is closed once, after its readers are done; value types are immutable.
 */
package io.sluice.block;
