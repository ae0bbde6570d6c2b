/**
 * The Disruptor pipeline: the ring of preallocated {@link io.sluice.ingest.SampleBatchEvent}s
 * ({@link io.sluice.ingest.IngestRing}), the producers' {@link io.sluice.ingest.RingAppender}, and
 * one {@link io.sluice.ingest.ShardHandler} per shard, which is that shard's single writer and makes
 * its flush and durability decisions at the end of each batch.
 *
 * <p>Threading: appenders on producer threads, publishing with {@code next(n)}/{@code publish(lo, hi)};
 * each handler on its own processor thread; no lock between a producer and a shard.
 *
 * <p><b>Not API.</b> This package is internal to Sluice and changes without notice; applications use
 * {@code io.sluice.engine}.
 */
package io.sluice.ingest;
