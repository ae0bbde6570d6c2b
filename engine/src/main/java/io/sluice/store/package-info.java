/**
 * The in-memory series store of each shard ({@link io.sluice.store.ShardStore}): per series, the
 * newest sample (for the out-of-order check) and the positions of its SAMPLES records in the mapped
 * WAL, which are its append-only chunks; range reads decode those records in place.
 *
 * <p>Threading: one writer per shard (its handler, or replay before it); readers on any thread see a
 * published prefix of each series and never a torn sample.
 *
 * <p><b>Not API.</b> This package is internal to Sluice and changes without notice; applications use
 * {@code io.sluice.engine}.
 */
package io.sluice.store;
