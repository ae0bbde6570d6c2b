package io.sluice.metrics;

/**
 * Counters of one shard. The shard's handler accumulates them in plain fields during a batch and
 * publishes them here at the end of the batch with volatile stores; any thread may read.
 */
public final class ShardCounters {
    public volatile long records;
    public volatile long bytes;
    public volatile long samples;
    public volatile long seriesCreated;
    public volatile long outOfOrder;
    public volatile long duplicates;
    public volatile long errors;
    public volatile long forces;
    public volatile long durableSamples;
}
