package io.sluice.head;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The head's lower time bounds, shared by every shard of an engine. Once a time range is compacted
 * into a block, the head no longer accepts samples before its end ({@link #appendMinValid()}), and
 * once the block is visible, reads take that range from the block and only what is at or after
 * {@link #readMinValid()} from the head, so no sample is counted twice. Both only move forward, the
 * append bound first.
 *
 * <p>Threading: any thread; the compactor (and replay) move them.
 */
public final class HeadBounds {
    private static final VarHandle APPEND;
    private static final VarHandle READ;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            APPEND = l.findVarHandle(HeadBounds.class, "appendMinValid", long.class);
            READ = l.findVarHandle(HeadBounds.class, "readMinValid", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") // through APPEND
    private volatile long appendMinValid = Long.MIN_VALUE;
    @SuppressWarnings("unused") // through READ
    private volatile long readMinValid = Long.MIN_VALUE;

    /** Samples before this are out of bounds: their range is (being) compacted into a block. */
    public long appendMinValid() {
        return (long) APPEND.getAcquire(this);
    }

    /** The head answers reads from this time on; blocks answer before it. */
    public long readMinValid() {
        return (long) READ.getAcquire(this);
    }

    /** Moves the append bound forward to {@code t} (never back). */
    public void raiseAppendMinValid(long t) {
        while (true) {
            long cur = (long) APPEND.getVolatile(this);
            if (t <= cur || APPEND.compareAndSet(this, cur, t)) {
                return;
            }
        }
    }

    /** Moves the read bound (and the append bound) forward to {@code t} (never back). */
    public void raiseReadMinValid(long t) {
        raiseAppendMinValid(t);
        while (true) {
            long cur = (long) READ.getVolatile(this);
            if (t <= cur || READ.compareAndSet(this, cur, t)) {
                return;
            }
        }
    }
}
