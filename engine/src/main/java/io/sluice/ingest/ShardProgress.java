package io.sluice.ingest;

/**
 * How far one shard has got through the ring: the last sequence appended, and the last sequence
 * made durable under the engine's mode. Written by the shard handler; read by anyone waiting.
 */
public final class ShardProgress {
    volatile long appendedSequence = -1;
    volatile long durableSequence = -1;

    public long appendedSequence() {
        return appendedSequence;
    }

    public long durableSequence() {
        return durableSequence;
    }
}
