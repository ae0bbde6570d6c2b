/**
 * The Disruptor pipeline: a single-producer ring of preallocated {@link io.sluice.ingest.SampleBatchEvent}s
 * per producer thread ({@link io.sluice.ingest.Lanes}, {@link io.sluice.ingest.Lane}, wired by
 * {@link io.sluice.ingest.IngestRing}), the producers' {@link io.sluice.ingest.RingAppender}, and
 * one {@link io.sluice.ingest.ShardHandler} per shard, which is that shard's single writer, polls
 * every producer's ring, and makes its flush and durability decisions at the end of each batch.
 *
 * <p>Threading: appenders on producer threads, publishing with {@code next(n)}/{@code publish(lo, hi)}
 * on their thread's ring; each handler on its own consumer thread; no lock and no CAS between a
 * producer and a shard.
 *
 * <p><b>Not API.</b> This package is internal to Sluice and changes without notice; applications use
 * {@code io.sluice.engine}.
 */
package io.sluice.ingest;
