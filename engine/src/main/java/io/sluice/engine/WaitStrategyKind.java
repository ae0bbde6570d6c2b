package io.sluice.engine;

/**
 * How a shard handler waits for the next event. On a machine with few cores a spinning handler
 * takes CPU from the producers, so the default backs off to blocking. docs/benchmarks.md has the
 * measurements for each choice.
 */
public enum WaitStrategyKind {
    /** Spin briefly, then yield, then block on a lock until signalled. The default. */
    BACKOFF,
    /**
     * As {@link #BACKOFF}, but the blocking phase parks the handler and a publish reads a counter of
     * sleeping handlers instead of swapping a flag: cheaper per commit for one-sample commits, with a
     * worse latency tail under an offered load (docs/benchmarks.md, "Wait strategies").
     */
    BACKOFF_PARK,
    /** Block on a lock until signalled; every publish pays for a signal. */
    BLOCKING,
    /** Spin, then yield, then sleep in short parks; producers never pay for a signal. */
    SLEEPING,
    /** Spin, then yield forever: low latency, one core per handler. */
    YIELDING,
    /** Spin forever: lowest latency, needs a dedicated core per handler. */
    BUSY_SPIN
}
