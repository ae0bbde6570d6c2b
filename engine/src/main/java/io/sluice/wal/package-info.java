/**
 * Segments, framing and replay of each shard's write-ahead log (docs/format/wal.md): the header
 * ({@link io.sluice.wal.SegmentDescriptor}), frames ({@link io.sluice.wal.FrameDescriptor}), the
 * append side ({@link io.sluice.wal.ShardWal}), replay with torn-tail handling and repair
 * ({@link io.sluice.wal.ShardLogReader}), retention's series checkpoints
 * ({@link io.sluice.wal.Checkpoints}), and the file-system facade every file operation goes through
 * ({@link io.sluice.wal.WalFileSystem}).
 *
 * <p>Threading: a shard's log has one writer, its handler thread (asserted in {@code ShardWal});
 * committed frames may be read by any thread; replay runs one thread per shard; next segments are
 * created on the preparer thread, and retention's file work (checkpoint, deletions, unmapping) runs
 * on the retention thread.
 *
 * <p><b>Not API.</b> This package is internal to Sluice and changes without notice; applications use
 * {@code io.sluice.engine}. {@link io.sluice.wal.WalFileSystem} is also an SPI for tests (fault injection), set through
 * {@code SluiceConfig.Builder.fileSystem}.
 */
package io.sluice.wal;
