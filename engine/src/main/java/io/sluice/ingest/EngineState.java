package io.sluice.ingest;

import io.sluice.engine.SluiceFailedException;

import java.util.concurrent.atomic.AtomicReference;

/**
 * Whether the engine still accepts writes, and the first failure if it does not. Producers check
 * it on every call with one volatile read.
 *
 * <p>Threading: any thread.
 */
public final class EngineState {
    private static final System.Logger LOG = System.getLogger("io.sluice.engine");
    private static final int OPEN = 0;
    private static final int CLOSING = 1;
    private static final int FAILED = 2;

    private volatile int status = OPEN;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    /** Throws if writes are no longer accepted. */
    public void checkWritable() {
        if (status != OPEN) {
            throwNotWritable();
        }
    }

    private void throwNotWritable() {
        Throwable f = failure.get();
        while (f == null && status == FAILED) {
            Thread.onSpinWait(); // fail() publishes the status first; the cause follows within nanoseconds
            f = failure.get();
        }
        if (f != null) {
            throw new SluiceFailedException("Sluice failed and accepts no more writes: " + f, f);
        }
        throw new IllegalStateException("Sluice is closed");
    }

    /**
     * While a producer waits for ring capacity: throws if a shard failed. Closing does not interrupt
     * it, because close waits for announced publishers and the handlers keep draining.
     */
    public void checkWritableOrFailed() {
        checkNotFailed();
    }

    /** Throws {@link SluiceFailedException} if a shard failed. */
    public void checkNotFailed() {
        Throwable f = failure.get();
        if (f != null) {
            throw new SluiceFailedException("Sluice failed and accepts no more writes: " + f, f);
        }
    }

    /**
     * Records the first failure; later ones are attached to it as suppressed. The status is written
     * before the cause, so a thread that has seen the cause (say in {@code awaitDurable}) is sure to
     * be refused by {@link #checkWritable()} too.
     */
    public void fail(Throwable cause) {
        status = FAILED;
        if (failure.compareAndSet(null, cause)) {
            LOG.log(System.Logger.Level.ERROR, "Sluice failed; it accepts no more writes", cause);
        } else if (failure.get() != cause) {
            failure.get().addSuppressed(cause);
        }
    }

    /** Marks the engine closing: new writes are refused. */
    public void close() {
        if (status == OPEN) {
            status = CLOSING;
        }
    }

    public boolean isOpen() {
        return status == OPEN;
    }

    public Throwable failure() {
        return failure.get();
    }
}
