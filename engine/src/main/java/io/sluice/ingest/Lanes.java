package io.sluice.ingest;

import com.lmax.disruptor.EventFactory;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.Sequence;
import io.sluice.engine.WaitStrategyKind;
import io.sluice.wal.Platform;

import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;

/**
 * A ring per producer ({@link Lane}), polled by a fixed set of consumer threads: the ingest path's
 * shape. Every producer claims and publishes on its own single-producer ring, so producers share
 * no cache line and no CAS; each consumer thread sweeps every lane in turn, takes what each has
 * published (at most one ring's worth per sweep), and ends the sweep as one batch. A sequence handed
 * to callers names its lane in its low {@link #LANE_BITS} bits, so that "durable up to this
 * sequence" is a question about one lane (docs/architecture.md, "Ring per producer", has the
 * measurements behind the shape).
 *
 * <p><b>Waiting.</b> A consumer with nothing to take waits as its {@link WaitStrategyKind} says:
 * spinning, then yielding, then parking. A consumer about to park counts itself in a shared
 * counter (an atomic increment, a full fence), looks at every lane once more, and then keeps looking
 * for {@link #VISIBILITY_NANOS} before it parks; a publisher, after its publish (a release store),
 * reads the counter, with no fence, and unparks the consumers if it is not zero
 * ({@link #afterPublish}). A publisher that read zero read it before the increment was visible, so its
 * publish had already left its thread (a store waits in the processor's store buffer, which drains
 * in far less than {@link #VISIBILITY_NANOS}; a thread switch drains it too) and the consumer's
 * last look sees it: no wake-up is lost, and a publish that finds nobody asleep costs one read of a
 * line that changes only when a consumer parks. The fence a publisher would otherwise need was a
 * fifth of a one-sample commit's cost (docs/benchmarks.md). Strategies whose consumers never park on
 * a wake-up ({@code SLEEPING}, {@code YIELDING}, {@code BUSY_SPIN}) skip the read. Parks are also
 * bounded ({@link #MAX_PARK_NANOS}), and each idle turn calls {@link Consumer#idle}, which is where
 * a consumer does work that is due by the clock (an interval force). A yield that stalls (another
 * thread had the CPU) turns the next yields into short timed sleeps for a while ({@link #NAP_NANOS}).
 *
 * <p>A lane belongs to a producer thread ({@link #acquire}): the Disruptor's single-producer ring
 * is one thread's, and a thread's appenders publish one after another anyway. Once its thread has
 * ended and all of it is durable, a new thread's lane may take its index; its sequences continue the
 * old one's. So the number of lanes is the largest number of producer threads alive at once, at most
 * {@link #MAX_LANES}; an appender that is never closed costs no lane.
 *
 * <p>Threading: {@link #acquire}, {@link #release} and {@link #lane} from any thread; a lane's ring
 * from its appender's thread; {@link Consumer} methods on their consumer's thread.
 *
 * @param <E> the event type
 */
public final class Lanes<E> {
    /** Bits of a sequence that name its lane. */
    public static final int LANE_BITS = 12;
    /** Lanes (appenders open at once) at most. */
    public static final int MAX_LANES = 1 << LANE_BITS;
    /** Longest single park of an idle consumer: a safety net and the idle call's period, not the wake-up path. */
    static final long MAX_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    /** Spin this long before yielding (the phased strategies). */
    static final long SPIN_NANOS = TimeUnit.MICROSECONDS.toNanos(10);
    /** Then yield this long before parking. */
    static final long YIELD_NANOS = TimeUnit.MICROSECONDS.toNanos(100);
    /** SLEEPING: the park of each idle turn once past spinning and yielding; no publisher wakes it. */
    static final long SLEEP_NANOS = TimeUnit.MICROSECONDS.toNanos(50);
    /**
     * How long a consumer about to park keeps looking at the lanes after counting itself a sleeper: a
     * bound, with a wide margin, on the time a publish takes to become visible to it once its
     * producer has read the sleeper count without a fence (class comment, "Waiting").
     */
    static final long VISIBILITY_NANOS = TimeUnit.MICROSECONDS.toNanos(10);
    /**
     * A yield that returns this much later was a turn handed to another runnable thread on the
     * consumer's CPU: see {@link #NAP_NANOS}.
     */
    static final long YIELD_STALL_NANOS = TimeUnit.MICROSECONDS.toNanos(50);
    /**
     * For {@link #NAP_WINDOW_NANOS} after a stalled yield, the phased strategies' yielding turns
     * sleep this long (plus the kernel's timer slack, about 50 us) instead. A yield hands the CPU to
     * whatever else is runnable on it until that thread's slice ends (a 4 ms tick here), and a
     * thread that only yields stays on its CPU's run queue: once a wake-up has put the consumer on
     * the CPU where a producer spins, every yield hands the producer a whole slice while the other
     * CPU idles (an idle CPU does not pull a task that ran microseconds ago), and a busy background
     * thread keeps the CPU the same way. A timed sleep ends in a wake-up, which looks for an idle
     * CPU and, with the consumer's short slice ({@link #CONSUMER_SLICE_NANOS}), preempts the thread
     * it finds running (docs/benchmarks.md, "Where the tail comes from"). It is not a park awaiting a
     * signal: nobody needs to wake it.
     */
    static final long NAP_NANOS = TimeUnit.MICROSECONDS.toNanos(20);
    /** How long after a stalled yield the yielding turns nap instead ({@link #NAP_NANOS}). */
    static final long NAP_WINDOW_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    /**
     * The scheduling slice each consumer thread asks for ({@link #shortSlice}): with the EEVDF
     * scheduler (Linux 6.12 and later) a thread with a shorter slice than the running one preempts
     * it when it wakes, where a default-slice thread may wait for the other to use up its slice
     * (about 3 ms). A consumer that naps after a stalled yield wakes often; this lets each wake-up
     * take its vCPU back from a normal-priority thread (a segment preparer, a compiler thread) at
     * once. The thread's share of the CPU does not change.
     */
    static final long CONSUMER_SLICE_NANOS = TimeUnit.MICROSECONDS.toNanos(100);
    /**
     * A sweep of a batch after its first that takes fewer events than this is followed by a
     * {@link #LAG_NANOS} wait before the next sweep. A consumer as fast as its producers takes one or
     * two events per sweep, and each sweep reads the cache lines the producer is writing: every
     * commit then passes its line from core to core twice (the producer takes it back to write the
     * next slot), and on this VM that held every ring at about 4 M items/s while a line's passage
     * cost 400 ns. Waiting a microsecond lets the producer fill several lines first, so each line
     * passes once with the slots in it (benchmarks.md, "Batch and per-item commits"). A batch's first
     * sweep, and so a commit at a low rate, never waits.
     *
     * <p>The wait spins while every producer and consumer can have a processor of its own. When they
     * outnumber the processors ({@link #oversubscribed}), the producers that would fill the lines
     * share this consumer's processors, and a spin only takes a microsecond from them: the wait is a
     * {@link Thread#yield()} instead, which hands the processor to a runnable producer at once. On
     * two vCPUs, two producers then ran 0.87 to 1.69 times as fast as with the spin (median 1.15,
     * five pairs) and eight 1.16 to 1.80 times (median 1.69, four pairs): benchmarks.md.
     */
    static final int LAG_BELOW = 16;
    /** See {@link #LAG_BELOW}. */
    static final long LAG_NANOS = 1_000;
    private static final int SYS_SCHED_SETATTR_X86_64 = 314;
    private static final int SYS_SCHED_SETATTR_AARCH64 = 274;

    /** What a consumer thread does with the lanes' events. */
    public interface Consumer<E> {
        /** On the consumer's thread, before anything else; {@code lanes} are the rings it polls. */
        void onStart(Lanes<E> lanes) throws Exception;

        /** One event, in its lane's order. */
        void onEvent(E event) throws Exception;

        /** Every event of {@code lane} up to {@code sequence} (a lane sequence) has gone to {@link #onEvent}. */
        void taken(Lane<E> lane, long sequence) throws Exception;

        /** The end of a sweep that took at least one event. */
        void endOfBatch() throws Exception;

        /** A sweep found nothing (called once per idle turn, so keep it cheap). */
        void idle() throws Exception;

        /** One of the calls above threw: the consumer keeps being called and should skip its work. */
        void fail(Throwable cause);
    }

    private final int size;
    private final IntFunction<EventFactory<E>> slots;
    private final List<Consumer<E>> consumers;
    private final WaitStrategyKind waitStrategy;
    private final Thread[] threads;
    /** Whether a consumer ever parks waiting for a publish (and so whether publishes must check). */
    private final boolean wakeable;
    private final AtomicInteger sleepers = new AtomicInteger();
    /** {@link #lag} waits so far (tests). */
    private final java.util.concurrent.atomic.LongAdder lags = new java.util.concurrent.atomic.LongAdder();
    /** The waits of {@link #lags} that yielded instead of spinning (oversubscribed). */
    private final java.util.concurrent.atomic.LongAdder lagYields = new java.util.concurrent.atomic.LongAdder();
    /** Processors that lanes and consumers share; tests set it (before {@link #start}). */
    private int processors = Runtime.getRuntime().availableProcessors();
    @SuppressWarnings("unchecked")
    private volatile Lane<E>[] lanes = (Lane<E>[]) new Lane<?>[0];
    private volatile boolean running = true;
    private volatile boolean consumerSlice;
    /** {@link #MAX_PARK_NANOS}, or longer in tests, where a lost wake-up must show. */
    private final long maxParkNanos;

    /**
     * @param size      events per lane (a power of two)
     * @param slots     for each new lane's ring, given its size: the factory of that ring's slots
     *                  (called {@code size} times, in slot order)
     * @param consumers one thread each, named {@code threadPrefix + index}
     */
    public Lanes(int size, IntFunction<EventFactory<E>> slots, WaitStrategyKind waitStrategy,
                 List<? extends Consumer<E>> consumers, String threadPrefix) {
        this(size, slots, waitStrategy, consumers, threadPrefix, MAX_PARK_NANOS);
    }

    /** Tests: {@code maxParkNanos} long, so that a lost wake-up stalls instead of costing a millisecond. */
    Lanes(int size, IntFunction<EventFactory<E>> slots, WaitStrategyKind waitStrategy,
          List<? extends Consumer<E>> consumers, String threadPrefix, long maxParkNanos) {
        this.maxParkNanos = maxParkNanos;
        this.size = size;
        this.slots = slots;
        this.consumers = List.copyOf(consumers);
        this.waitStrategy = waitStrategy;
        this.wakeable = waitStrategy == WaitStrategyKind.BACKOFF || waitStrategy == WaitStrategyKind.BACKOFF_PARK
            || waitStrategy == WaitStrategyKind.BLOCKING;
        this.threads = new Thread[this.consumers.size()];
        for (int c = 0; c < threads.length; c++) {
            int index = c;
            Thread t = new Thread(() -> run(index), threadPrefix + c);
            t.setDaemon(true);
            threads[c] = t;
        }
    }

    /** The {@link #LAG_BELOW} waits the consumers have made. */
    long lags() {
        return lags.sum();
    }

    /** The waits that yielded the processor instead of spinning. */
    long lagYields() {
        return lagYields.sum();
    }

    /** For tests: processors to compare lanes and consumers with (before {@link #start}). */
    void processors(int n) {
        processors = n;
    }

    /** Whether the consumer threads got {@link #CONSUMER_SLICE_NANOS} (false before they start, and off Linux). */
    public boolean shortSliceTaken() {
        return consumerSlice;
    }

    /**
     * Asks the kernel for a {@code sliceNanos} scheduling slice for the calling thread:
     * {@code sched_setattr(0, {SCHED_OTHER, sched_runtime = slice})}, which needs no privilege.
     * Older kernels ignore the slice; anything but Linux on x86-64 or aarch64, or a refusal, leaves
     * the thread as it was.
     *
     * @return whether the call succeeded
     */
    static boolean shortSlice(long sliceNanos) {
        String arch = System.getProperty("os.arch", "");
        int nr = arch.equals("amd64") || arch.equals("x86_64") ? SYS_SCHED_SETATTR_X86_64
            : arch.equals("aarch64") ? SYS_SCHED_SETATTR_AARCH64 : -1;
        if (nr < 0 || !Platform.LINUX) {
            return false;
        }
        try {
            com.sun.jna.Memory attr = new com.sun.jna.Memory(56); // struct sched_attr, SCHED_ATTR_SIZE_VER1
            attr.clear();
            attr.setInt(0, 56);            // size
            attr.setInt(4, 0);             // sched_policy: SCHED_OTHER
            attr.setLong(24, sliceNanos);  // sched_runtime: the slice of a fair task
            return com.sun.jna.Function.getFunction("c", "syscall").invokeInt(new Object[] {(long) nr, 0, attr, 0}) == 0;
        } catch (Throwable t) { // no native access: the default slice
            return false;
        }
    }

    public void start() {
        for (Thread t : threads) {
            t.start();
        }
    }

    /** The sequence callers see for lane sequence {@code sequence} of lane {@code lane}. */
    public static long sequence(int lane, long sequence) {
        return sequence << LANE_BITS | lane;
    }

    /** The lane of a sequence from {@link #sequence}. */
    public static int laneOf(long sequence) {
        return (int) (sequence & (MAX_LANES - 1));
    }

    /** The lane sequence of a sequence from {@link #sequence}. */
    public static long laneSequence(long sequence) {
        return sequence >>> LANE_BITS;
    }

    /**
     * The calling thread's lane: the one it already has, else one at the index of a retired lane
     * (its sequences continue), else one at a new index.
     *
     * @throws IllegalStateException if {@link #MAX_LANES} producer threads have lanes
     */
    public synchronized Lane<E> acquire() {
        Thread me = Thread.currentThread();
        Lane<E>[] now = lanes;
        for (Lane<E> l : now) {
            if (l.producer() == me) {
                return l;
            }
        }
        for (int i = 0; i < now.length; i++) {
            Lane<E> old = now[i];
            if (old.retired()) {
                Lane<E> l = new Lane<>(i, old.base() + old.ring().getCursor() + 1, me, size, slots.apply(size),
                    consumers.size());
                Lane<E>[] next = now.clone();
                next[i] = l;
                lanes = next;
                return l;
            }
        }
        if (now.length == MAX_LANES) {
            throw new IllegalStateException("more than " + MAX_LANES + " producer threads at once: each thread that"
                + " commits has a ring of its own until it ends");
        }
        Lane<E> l = new Lane<>(now.length, 0, me, size, slots.apply(size), consumers.size());
        Lane<E>[] next = Arrays.copyOf(now, now.length + 1);
        next[now.length] = l;
        lanes = next;
        return l;
    }

    /** Lane {@code index}, or null if there is none. */
    public Lane<E> lane(int index) {
        Lane<E>[] now = lanes;
        return index >= 0 && index < now.length ? now[index] : null;
    }

    /** Every lane so far, in index order. */
    public Lane<E>[] lanes() {
        return lanes;
    }

    public int consumers() {
        return consumers.size();
    }

    /**
     * After a publish by a producer: wakes the consumers if one is parked or about to park. No fence:
     * see the class comment ("Waiting") for why none is needed.
     */
    public void afterPublish() {
        if (wakeable && sleepers.get() > 0) {
            for (Thread t : threads) {
                LockSupport.unpark(t); // a consumer that is not parked keeps the permit: one spare turn
            }
        }
    }

    /** What every lane had published at one moment ({@link #published}). */
    public static final class Published {
        private final Lane<?>[] lanes;
        private final long[] cursors;

        Published(Lane<?>[] lanes, long[] cursors) {
            this.lanes = lanes;
            this.cursors = cursors;
        }

        /** True once every consumer has appended every lane up to what it had published then. */
        public boolean appended() {
            for (int i = 0; i < lanes.length; i++) {
                for (int c = 0; c < lanes[i].consumers(); c++) {
                    if (lanes[i].appended(c) < cursors[i]) {
                        return false;
                    }
                }
            }
            return true;
        }
    }

    /** Every lane's published cursor now. */
    public Published published() {
        Lane<E>[] now = lanes;
        long[] c = new long[now.length];
        for (int i = 0; i < now.length; i++) {
            c[i] = now[i].ring().getCursor();
        }
        return new Published(now, c);
    }

    /**
     * Stops the consumers once each has taken every event published before this call, and waits
     * for their threads.
     *
     * @return false if a thread did not stop within the timeout
     */
    public boolean stop(long timeoutMillis) throws InterruptedException {
        running = false;
        for (Thread t : threads) {
            LockSupport.unpark(t);
        }
        long deadline = System.currentTimeMillis() + timeoutMillis;
        for (Thread t : threads) {
            t.join(Math.max(1, deadline - System.currentTimeMillis()));
            if (t.isAlive()) {
                return false;
            }
        }
        return true;
    }

    private void run(int c) {
        consumerSlice = shortSlice(CONSUMER_SLICE_NANOS);
        Consumer<E> consumer = consumers.get(c);
        try {
            consumer.onStart(this);
        } catch (Throwable t) {
            consumer.fail(t);
        }
        int rotor = 0;
        long idleSince = 0;
        long napUntil = 0;
        while (true) {
            boolean stopping = !running; // read before the sweep: nothing published before stop is left
            // One batch: sweeps while they find events, up to one ring's worth. A producer as fast as
            // this consumer leaves one or two events per sweep; ending a batch there would pay the
            // batch's costs (a record's frame and checksum, latency, positions) for each of them. A
            // sweep that finds nothing ends the batch, so at a lower rate nothing waits for more.
            int work = 0;
            int got;
            int found = 0; // sweeps of this batch that took events
            do {
                got = sweep(c, consumer, rotor++, size - work);
                work += got;
                if (got > 0 && ++found >= 2 && got < LAG_BELOW && work < size) {
                    lag();
                }
            } while (got > 0 && work < size);
            if (work > 0) {
                try {
                    consumer.endOfBatch();
                } catch (Throwable t) {
                    consumer.fail(t);
                }
                idleSince = 0;
                continue;
            }
            if (stopping) {
                return;
            }
            try {
                consumer.idle();
            } catch (Throwable t) {
                consumer.fail(t);
            }
            long now = System.nanoTime();
            if (idleSince == 0) {
                idleSince = now;
            }
            napUntil = waitIdle(c, now - idleSince, now, napUntil);
        }
    }

    /** Waits {@link #LAG_NANOS} without reading anything a producer writes. */
    private void lag() {
        lags.increment();
        if (oversubscribed()) {
            lagYields.increment();
            Thread.yield();
            return;
        }
        long until = System.nanoTime() + LAG_NANOS;
        while (System.nanoTime() - until < 0) {
            Thread.onSpinWait();
        }
    }

    /** More lanes (producer threads) and consumers than processors: they cannot all run at once. */
    private boolean oversubscribed() {
        return lanes.length + consumers.size() > processors;
    }

    /** Takes what every lane has published (up to {@code budget} events in all), starting at a rotating lane. */
    private int sweep(int c, Consumer<E> consumer, int rotor, int budget) {
        Lane<E>[] now = lanes;
        int n = now.length;
        int work = 0;
        for (int k = 0; k < n && budget > 0; k++) {
            Lane<E> lane = now[Math.floorMod(rotor + k, n)];
            Sequence taken = lane.taken(c);
            long from = taken.get() + 1;
            long to = lane.ring().getCursor();
            if (to < from) {
                continue;
            }
            to = Math.min(to, from + budget - 1);
            RingBuffer<E> ring = lane.ring();
            try {
                for (long s = from; s <= to; s++) {
                    consumer.onEvent(ring.get(s));
                }
                consumer.taken(lane, to);
            } catch (Throwable t) {
                consumer.fail(t);
            }
            taken.set(to); // the consumer has copied what it needs: the producer may reuse the slots
            int got = (int) (to - from + 1);
            work += got;
            budget -= got;
        }
        return work;
    }

    private boolean hasWork(int c) {
        for (Lane<E> lane : lanes) {
            if (lane.hasUntaken(c)) {
                return true;
            }
        }
        return !running;
    }

    /**
     * One idle turn.
     *
     * @param now the clock just read
     * @param napUntil until when idle turns nap instead of yielding ({@link #NAP_NANOS})
     * @return the new napUntil
     */
    private long waitIdle(int c, long idleNanos, long now, long napUntil) {
        switch (waitStrategy) {
            case BUSY_SPIN:
                Thread.onSpinWait();
                return napUntil;
            case YIELDING:
                if (idleNanos < SPIN_NANOS / 10) {
                    Thread.onSpinWait();
                } else {
                    Thread.yield();
                }
                return napUntil;
            case BLOCKING:
                park(c);
                return napUntil;
            default: // BACKOFF, BACKOFF_PARK, SLEEPING
                if (idleNanos < SPIN_NANOS) {
                    Thread.onSpinWait();
                    return napUntil;
                }
                if (idleNanos < SPIN_NANOS + YIELD_NANOS) {
                    if (now - napUntil < 0) {
                        LockSupport.parkNanos(this, NAP_NANOS);
                        return napUntil;
                    }
                    Thread.yield();
                    return System.nanoTime() - now > YIELD_STALL_NANOS ? now + NAP_WINDOW_NANOS : napUntil;
                }
                if (waitStrategy == WaitStrategyKind.SLEEPING) {
                    LockSupport.parkNanos(this, SLEEP_NANOS); // nobody wakes it: a publish costs nothing
                } else {
                    park(c);
                }
                return napUntil;
        }
    }

    private void park(int c) {
        sleepers.incrementAndGet(); // a full fence: publishes from here on see it
        try {
            // A publish whose producer read the counter before the increment was visible may still
            // be on its way out of that producer's store buffer: look until it must have arrived.
            long until = System.nanoTime() + VISIBILITY_NANOS;
            do {
                if (hasWork(c)) {
                    return;
                }
                Thread.onSpinWait();
            } while (System.nanoTime() - until < 0);
            LockSupport.parkNanos(this, maxParkNanos);
        } finally {
            sleepers.decrementAndGet();
        }
    }
}
