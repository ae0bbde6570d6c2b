package io.sluice.ingest;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * Wakes threads waiting for durability. Handlers call {@link #signal()} after they advance a
 * durable sequence; it costs one volatile read unless someone is waiting.
 *
 * <p>Threading: any thread.
 */
public final class DurableSignal {
    private final AtomicInteger waiters = new AtomicInteger();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();

    public void signal() {
        if (waiters.get() > 0) {
            lock.lock();
            try {
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /**
     * Waits until {@code done} holds. Re-checks at least every millisecond, so a missed signal
     * costs at most that.
     *
     * @return true if done, false on timeout
     */
    public boolean await(BooleanSupplier done, long timeoutNanos) throws InterruptedException {
        if (done.getAsBoolean()) {
            return true;
        }
        for (int i = 0; i < 64; i++) {
            Thread.onSpinWait();
            if (done.getAsBoolean()) {
                return true;
            }
        }
        long deadline = System.nanoTime() + timeoutNanos;
        waiters.incrementAndGet();
        lock.lock();
        try {
            while (!done.getAsBoolean()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                changed.await(Math.min(left, TimeUnit.MILLISECONDS.toNanos(1)), TimeUnit.NANOSECONDS);
            }
            return true;
        } finally {
            lock.unlock();
            waiters.decrementAndGet();
        }
    }
}
