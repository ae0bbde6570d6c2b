/**
 * Counters and latency: per-shard {@link io.sluice.metrics.ShardCounters}, per-shard HdrHistogram
 * recorders ({@link io.sluice.metrics.LatencyRecorders}: publish to appended, publish to durable),
 * and the {@link io.sluice.metrics.MetricsCollector} that merges them into cumulative and
 * per-interval histograms; {@link io.sluice.metrics.QueryMetrics} counts lookups and queries and
 * records query latency (any reader thread).
 *
 * <p>Threading: each recorder and counter set has one writer, its shard handler; the collector
 * thread and {@code Sluice.metrics()} read them without stopping the writers.
 *
 * <p><b>Not API.</b> This package is internal to Sluice and changes without notice; applications use
 * {@code io.sluice.engine}. The exceptions are {@link io.sluice.metrics.IntervalListener} and
 * {@link io.sluice.metrics.Interval}, which {@code Sluice.addIntervalListener} hands to applications.
 */
package io.sluice.metrics;
