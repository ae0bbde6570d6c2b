package io.sluice.ingest;

import com.lmax.disruptor.AlertException;
import com.lmax.disruptor.Sequence;
import com.lmax.disruptor.SequenceBarrier;
import com.lmax.disruptor.WaitStrategy;

import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The blocking phase of the {@code BACKOFF_PARK} wait strategy: a handler with nothing to do parks,
 * and a publish unparks it, but a publish that finds no handler asleep costs one plain read.
 *
 * <p>Disruptor's {@code LiteBlockingWaitStrategy} makes every publish swap a flag with an atomic
 * instruction, whether or not a handler sleeps; at one sample per commit that swap was 37 % of the
 * producer's time (async-profiler, docs/benchmarks.md). Here a sleeping handler counts itself in
 * {@link #sleepers} with an atomic increment (a full fence) and then re-reads the cursor before it
 * parks; a publisher reads {@link #sleepers} after its claim, which on a multi-producer ring is a
 * CAS on the cursor (also a full fence). Of two such fenced store-then-load pairs one always sees
 * the other's store, so either the handler sees the new cursor or the publisher sees the sleeper
 * and unparks it: no wake-up is lost on the engine's (multi-producer) ring. The park is also
 * bounded ({@link #MAX_PARK_NANOS}), so on a ring whose claim is not a fence a lost wake-up would
 * cost at most that.
 *
 * <p>Threading: any number of waiting handler threads and publishing threads.
 */
public final class ParkingWaitStrategy implements WaitStrategy {
    /** Longest single park: a safety net, not the wake-up path. */
    static final long MAX_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final AtomicInteger sleepers = new AtomicInteger();
    /** Every thread that ever waited here (the engine's shard handlers): few, and fixed. */
    private final CopyOnWriteArrayList<Thread> waiters = new CopyOnWriteArrayList<>();

    @Override
    public long waitFor(long sequence, Sequence cursor, Sequence dependentSequence, SequenceBarrier barrier)
        throws AlertException, InterruptedException {
        if (cursor.get() < sequence) {
            waiters.addIfAbsent(Thread.currentThread()); // reads the snapshot first; locks only the first time
            sleepers.incrementAndGet();
            try {
                while (cursor.get() < sequence) {
                    barrier.checkAlert();
                    LockSupport.parkNanos(this, MAX_PARK_NANOS);
                    if (Thread.interrupted()) {
                        throw new InterruptedException();
                    }
                }
            } finally {
                sleepers.decrementAndGet();
            }
        }
        long available;
        while ((available = dependentSequence.get()) < sequence) {
            barrier.checkAlert();
            Thread.onSpinWait();
        }
        return available;
    }

    @Override
    public void signalAllWhenBlocking() {
        if (sleepers.get() > 0) {
            for (Thread t : waiters) {
                LockSupport.unpark(t); // a handler that is not parked keeps the permit: one spare loop
            }
        }
    }

    @Override
    public String toString() {
        return "ParkingWaitStrategy{sleepers=" + sleepers.get() + "}";
    }
}
