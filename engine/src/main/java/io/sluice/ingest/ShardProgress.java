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

    volatile long minTime = Long.MAX_VALUE;
    volatile long maxTime = Long.MIN_VALUE;

    /** The oldest sample appended to the shard's head (a lower bound), or {@link Long#MAX_VALUE}. */
    public long minTime() {
        return minTime;
    }

    /** The newest sample appended to the shard's head, or {@link Long#MIN_VALUE}. */
    public long maxTime() {
        return maxTime;
    }

    /** Replay's figures, before the handler starts. */
    public void times(long min, long max) {
        minTime = min;
        maxTime = max;
    }
}
