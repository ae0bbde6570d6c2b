package io.sluice.index;

import org.roaringbitmap.RoaringBitmap;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The shard-local ids of the series that carry one label pair: a frozen {@link RoaringBitmap}
 * that is never modified after publication, plus a fixed-capacity tail of ids added since, whose
 * length the writer publishes with a release store.
 *
 * <p>The writer appends to the tail in place. When the tail is full it builds a <em>new</em>
 * posting (frozen bitmap = old bitmap + old tail, fresh tail) and publishes that instead, so a
 * reader holding an old posting still reads a consistent, if older, set. The tail capacity grows
 * with the bitmap (about 1/16 of its cardinality, 16..4096), which keeps the cost of the
 * copy-on-fold at a few dozen bytes per added id whatever the posting's size.
 *
 * <p>Threading: {@link #tryAppend} and {@link #withAdded} belong to the shard's writer; the rest
 * are for any thread.
 */
final class Posting {
    private static final VarHandle COUNT;
    /** Below this many ids a posting is only an int array: no bitmap objects for singletons. */
    private static final int SMALL = 32;
    private static final int MIN_TAIL = 16;
    private static final int MAX_TAIL = 4096;

    static {
        try {
            COUNT = MethodHandles.lookup().findVarHandle(Posting.class, "count", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Immutable once this posting is published; null while the posting is small. */
    private final RoaringBitmap frozen;
    private final int frozenCardinality;
    private final int[] tail;
    @SuppressWarnings("unused") // through COUNT
    private int count;

    private Posting(RoaringBitmap frozen, int[] tail, int count) {
        this.frozen = frozen;
        this.frozenCardinality = frozen == null ? 0 : frozen.getCardinality();
        this.tail = tail;
        this.count = count;
    }

    /** A posting holding only {@code id}. */
    static Posting of(int id) {
        int[] tail = new int[2];
        tail[0] = id;
        return new Posting(null, tail, 1);
    }

    /** Writer only: appends in place if the tail has room. */
    boolean tryAppend(int id) {
        int n = (int) COUNT.get(this);
        if (n == tail.length) {
            return false;
        }
        tail[n] = id;
        COUNT.setRelease(this, n + 1);
        return true;
    }

    /** Writer only: a new posting with this one's ids and {@code id}; call when {@link #tryAppend} failed. */
    Posting withAdded(int id) {
        int n = (int) COUNT.get(this);
        int total = frozenCardinality + n;
        if (frozen == null && total < SMALL) {
            int[] grown = new int[Math.min(SMALL, Math.max(4, 2 * n))];
            System.arraycopy(tail, 0, grown, 0, n);
            grown[n] = id;
            return new Posting(null, grown, n + 1);
        }
        RoaringBitmap b = frozen == null ? new RoaringBitmap() : frozen.clone();
        b.addN(tail, 0, n);
        int[] fresh = new int[Math.max(MIN_TAIL, Math.min(MAX_TAIL, total / 16))];
        fresh[0] = id;
        return new Posting(b, fresh, 1);
    }

    /** Ids published so far. Any thread. */
    int cardinality() {
        return frozenCardinality + (int) COUNT.getAcquire(this);
    }

    /** A fresh bitmap of the ids published so far. Any thread. */
    RoaringBitmap toBitmap() {
        int n = (int) COUNT.getAcquire(this);
        RoaringBitmap b = frozen == null ? new RoaringBitmap() : frozen.clone();
        b.addN(tail, 0, n);
        return b;
    }

    /** Adds the ids published so far to {@code into}. Any thread. */
    void orInto(RoaringBitmap into) {
        int n = (int) COUNT.getAcquire(this);
        if (frozen != null) {
            into.or(frozen);
        }
        into.addN(tail, 0, n);
    }

    /** Removes the ids published so far from {@code from}. Any thread. */
    void andNotFrom(RoaringBitmap from) {
        int n = (int) COUNT.getAcquire(this);
        if (frozen != null) {
            from.andNot(frozen);
        }
        for (int i = 0; i < n; i++) {
            from.remove(tail[i]);
        }
    }

    /** Whether this posting and {@code set} share an id. Any thread. */
    boolean intersects(RoaringBitmap set) {
        if (frozen != null && RoaringBitmap.intersects(frozen, set)) {
            return true;
        }
        int n = (int) COUNT.getAcquire(this);
        for (int i = 0; i < n; i++) {
            if (set.contains(tail[i])) {
                return true;
            }
        }
        return false;
    }
}
