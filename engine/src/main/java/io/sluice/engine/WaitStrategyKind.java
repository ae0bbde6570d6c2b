package io.sluice.engine;

/**
 * How an idle shard handler waits for the next event. On a machine with few cores a spinning
 * handler takes CPU from the producers, so the default backs off to parking. A parked handler is
 * woken by the next publish that finds it asleep; a publish that finds no handler asleep costs a
 * fence and one read ({@code io.sluice.ingest.Lanes}). docs/benchmarks.md has the measurements for
 * each choice.
 */
public enum WaitStrategyKind {
    /** Spin 10 us, then yield for 100 us, then park until a publish wakes it. The default. */
    BACKOFF,
    /**
     * The same as {@link #BACKOFF} since the ring became a ring per producer (whose parking is what
     * this strategy introduced); kept so that configurations naming it still work.
     */
    BACKOFF_PARK,
    /** Park at once until a publish wakes it: the least CPU, a thread wake-up per idle gap. */
    BLOCKING,
    /** Spin, then yield, then sleep in short parks (50 us) that no publish interrupts; publishes never wake it. */
    SLEEPING,
    /** Spin briefly, then yield forever: low latency, one core per handler. */
    YIELDING,
    /** Spin forever: lowest latency, needs a dedicated core per handler. */
    BUSY_SPIN
}
