/**
 * Series identity: {@link io.sluice.index.SeriesRegistry} maps label sets to series refs and back,
 * for all shards, resolving by full label comparison behind a 64-bit hash.
 *
 * <p>Threading: lookups are lock-free from any thread; creating a series locks its shard's table;
 * replay restores one shard per thread.
 */
package io.sluice.index;
