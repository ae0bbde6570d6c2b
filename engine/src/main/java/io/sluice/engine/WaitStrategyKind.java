package io.sluice.engine;

/**
 * How a shard handler waits for the next event. On a machine with few cores a spinning handler
 * takes CPU from the producers, so the default backs off to blocking. docs/benchmarks.md has the
 * measurements for each choice.
 */
public enum WaitStrategyKind {
    /** Spin briefly, then yield, then block on a lock until signalled. The default. */
    BACKOFF,
    /** Block on a lock until signalled; every publish pays for a signal. */
    BLOCKING,
    /** Spin, then yield, then sleep in short parks; producers never pay for a signal. */
    SLEEPING,
    /** Spin, then yield forever: low latency, one core per handler. */
    YIELDING,
    /** Spin forever: lowest latency, needs a dedicated core per handler. */
    BUSY_SPIN
}
