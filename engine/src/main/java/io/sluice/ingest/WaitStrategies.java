package io.sluice.ingest;

import com.lmax.disruptor.BlockingWaitStrategy;
import com.lmax.disruptor.BusySpinWaitStrategy;
import com.lmax.disruptor.PhasedBackoffWaitStrategy;
import com.lmax.disruptor.SleepingWaitStrategy;
import com.lmax.disruptor.WaitStrategy;
import com.lmax.disruptor.YieldingWaitStrategy;
import io.sluice.engine.WaitStrategyKind;

import java.util.concurrent.TimeUnit;

/** Maps {@link WaitStrategyKind} to Disruptor wait strategies. Threading: static. */
public final class WaitStrategies {
    /** BACKOFF: spin this long before yielding. */
    static final long SPIN_NANOS = TimeUnit.MICROSECONDS.toNanos(10);
    /** BACKOFF: yield this long before blocking. */
    static final long YIELD_NANOS = TimeUnit.MICROSECONDS.toNanos(100);

    private WaitStrategies() {
    }

    public static WaitStrategy create(WaitStrategyKind kind) {
        switch (kind) {
            case BACKOFF:
                return PhasedBackoffWaitStrategy.withLiteLock(SPIN_NANOS, YIELD_NANOS, TimeUnit.NANOSECONDS);
            case BACKOFF_PARK:
                // The same phases, with a blocking phase whose publish side costs a plain read while
                // no handler sleeps (ParkingWaitStrategy).
                return new PhasedBackoffWaitStrategy(SPIN_NANOS, YIELD_NANOS, TimeUnit.NANOSECONDS,
                    new ParkingWaitStrategy());
            case BLOCKING:
                return new BlockingWaitStrategy();
            case SLEEPING:
                return new SleepingWaitStrategy();
            case YIELDING:
                return new YieldingWaitStrategy();
            case BUSY_SPIN:
                return new BusySpinWaitStrategy();
            default:
                throw new IllegalArgumentException(kind.toString());
        }
    }
}
