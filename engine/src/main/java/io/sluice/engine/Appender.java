package io.sluice.engine;

/**
 * Stages samples on one producer thread and publishes them to the ring on commit.
 *
 * <p>Get one per producer thread from {@link Sluice#appender()}; an appender must not be shared
 * (checked with assertions). {@link #add(long, long, double)} with a cached ref copies three
 * primitives into a preallocated staging area: no allocation, no lock. A staging area holds
 * {@link SluiceConfig#eventCapacity()} samples per shard; when one fills, {@code add} publishes it
 * at once (blocking like {@link #commit()} if the ring is full), so a commit is not atomic.
 *
 * <p>A sample older than its series' newest sample, or with the same timestamp and another value,
 * is rejected by the shard and counted (see {@link EngineMetrics}); an exact duplicate is counted
 * and dropped. NaN and infinities are stored as given.
 */
public interface Appender extends AutoCloseable {
    /**
     * Stages a sample of a series whose ref came from {@link Sluice#series(Labels)}.
     *
     * @throws IllegalArgumentException if {@code ref} names no series of this engine
     * @throws IllegalStateException    if the engine is closed, or {@link SluiceFailedException} if it failed
     */
    void add(long ref, long timestamp, double value);

    /**
     * Stages a sample, resolving (or creating) the series from its labels on every call, as
     * Prometheus' {@code Append} with a zero ref does. Returns the ref, so callers can cache it.
     *
     * @throws IllegalArgumentException if the labels' series record cannot fit in a segment
     * @throws IllegalStateException    if the engine is closed, or {@link SluiceFailedException} if it failed
     */
    long add(Labels labels, long timestamp, double value);

    /**
     * Publishes the staged samples, blocking while the ring is full.
     *
     * @return the sequence of the last event this appender published (it names the ring of the
     *     publishing thread, and grows with each commit of that thread); pass it to
     *     {@link Sluice#awaitDurable(long)}. -1 if it never published.
     * @throws IllegalStateException if the engine is closed, or {@link SluiceFailedException} if it failed
     */
    long commit();

    /**
     * As {@link #commit()}, but latency is measured from {@code originNanos} ({@link System#nanoTime()}
     * scale), e.g. when the samples were scheduled. Open-loop load uses this to avoid coordinated
     * omission.
     *
     * @throws IllegalStateException if the engine is closed, or {@link SluiceFailedException} if it failed
     */
    long commit(long originNanos);

    /**
     * Publishes the staged samples if the ring has room for all of them now; otherwise keeps them
     * staged, counts the rejection and returns false.
     *
     * @throws IllegalStateException if the engine is closed, or {@link SluiceFailedException} if it failed
     */
    boolean tryCommit();

    /**
     * Commits, then waits until everything committed so far is durable under the engine's mode.
     *
     * @return the sequence waited for, as {@link #commit()} returns it
     * @throws IllegalStateException if the engine is closed, or {@link SluiceFailedException} if it failed
     * @throws InterruptedException  if the thread is interrupted while waiting
     */
    long commitDurable() throws InterruptedException;

    /** Samples staged and not yet published. */
    int staged();

    /** The sequence of the last event this appender published, or -1. */
    long lastSequence();

    /**
     * Commits what is staged and releases the appender. Idempotent. Staged samples are never dropped
     * silently: if the engine was closed (or failed) before they could be committed, they are
     * discarded and this throws, saying how many.
     *
     * @throws IllegalStateException if samples were staged and the engine is closed, or
     *                               {@link SluiceFailedException} if it failed
     */
    @Override
    void close();
}
