/**
 * Series identity and the inverted index: {@link io.sluice.index.SeriesRegistry} maps label sets to
 * series refs and back, for all shards, resolving by full label comparison behind a 64-bit hash;
 * {@link io.sluice.index.PostingsShard} is one shard's postings (label name → value → RoaringBitmap
 * of shard-local ids) and evaluates PromQL matchers over them.
 *
 * <p>Threading: registry lookups are lock-free from any thread; creating a series locks its shard's
 * table; replay restores one shard per thread. A {@code PostingsShard} is written only by its
 * shard's writer (replay, then the shard handler) and read by any thread without locks.
 *
 * <p><b>Not API.</b> This package is internal to Sluice and changes without notice; applications use
 * {@code io.sluice.engine}. {@link io.sluice.index.LabelsHasher} is also an SPI for tests, set through
 * {@code SluiceConfig.Builder.hasher}.
 */
package io.sluice.index;
