package io.sluice.index;

import org.roaringbitmap.RoaringBitmap;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.List;

/**
 * The shard-local ids of the series that carry one label pair. A posting is either a single id
 * (labels such as {@code instance} are unique per series: one small object each) or a
 * {@link Growing} posting: frozen {@link RoaringBitmap} chunks that are never modified after
 * publication, plus a fixed-capacity tail of ids added since, whose length the writer publishes
 * with a release store.
 *
 * <p>The writer appends to the tail in place. When the tail is full it builds a <em>new</em>
 * posting and publishes that instead, so a reader holding an old posting still reads a
 * consistent, older set. The frozen part is split into chunks of 65,536 ids (one RoaringBitmap
 * container each), and a fold copies only the chunks the tail's ids fall into: ids are assigned in
 * creation order, so that is usually the last chunk alone, and a fold costs a few bytes per added
 * id however large the posting is.
 *
 * <p>Threading: {@link #tryAppend} and {@link #withAdded} belong to the shard's writer; the rest
 * are for any thread.
 */
abstract class Posting {
    /** A posting holding only {@code id}. */
    static Posting of(int id) {
        return new Single(id);
    }

    /** Writer only: appends in place if there is room; false if {@link #withAdded} is needed. */
    abstract boolean tryAppend(int id);

    /** Writer only: a new posting with this one's ids and {@code id}. */
    abstract Posting withAdded(int id);

    /** Ids published so far. */
    abstract int cardinality();

    /** Adds the ids published so far to {@code into}. */
    abstract void orInto(RoaringBitmap into);

    /**
     * For a union of many postings: adds this posting's frozen chunks to {@code parts} (they are
     * immutable, so they may be read as they are) and its loose ids to {@code loose}.
     */
    abstract void collect(List<RoaringBitmap> parts, RoaringBitmap loose);

    /** Removes the ids published so far from {@code from}. */
    abstract void andNotFrom(RoaringBitmap from);

    /** Whether this posting and {@code set} share an id. */
    abstract boolean intersects(RoaringBitmap set);

    /** The published tail length now (acquire); pass it to {@link #and} to read this moment's set later. */
    abstract int published();

    /**
     * {@code set} ∩ (this posting as it was when {@link #published()} returned {@code published}),
     * as a fresh bitmap; costs in proportion to {@code set}, not to this posting.
     */
    abstract RoaringBitmap and(RoaringBitmap set, int published);

    /** A fresh bitmap of the ids published so far. */
    final RoaringBitmap toBitmap() {
        return snapshot(published());
    }

    /** A fresh bitmap of this posting as it was when {@link #published()} returned {@code published}. */
    abstract RoaringBitmap snapshot(int published);

    /** One id; immutable. */
    static final class Single extends Posting {
        private final int id;

        Single(int id) {
            this.id = id;
        }

        @Override
        boolean tryAppend(int other) {
            return false;
        }

        @Override
        Posting withAdded(int other) {
            int[] tail = new int[4];
            tail[0] = id;
            tail[1] = other;
            return new Growing(null, 0, tail, 2);
        }

        @Override
        int cardinality() {
            return 1;
        }

        @Override
        void orInto(RoaringBitmap into) {
            into.add(id);
        }

        @Override
        void andNotFrom(RoaringBitmap from) {
            from.remove(id);
        }

        @Override
        void collect(List<RoaringBitmap> parts, RoaringBitmap loose) {
            loose.add(id);
        }

        @Override
        boolean intersects(RoaringBitmap set) {
            return set.contains(id);
        }

        @Override
        int published() {
            return 1;
        }

        @Override
        RoaringBitmap snapshot(int published) {
            return RoaringBitmap.bitmapOf(id);
        }

        @Override
        RoaringBitmap and(RoaringBitmap set, int published) {
            RoaringBitmap out = new RoaringBitmap();
            if (set.contains(id)) {
                out.add(id);
            }
            return out;
        }
    }

    /** Frozen chunks plus an append-only tail. */
    static final class Growing extends Posting {
        private static final VarHandle COUNT;
        /** Below this many ids a posting is only an int array: no bitmap objects. */
        private static final int SMALL = 32;
        private static final int MIN_TAIL = 16;
        private static final int MAX_TAIL = 4096;
        private static final int CHUNK_BITS = 16;

        static {
            try {
                COUNT = MethodHandles.lookup().findVarHandle(Growing.class, "count", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        /** Chunk k holds ids [k·65536, (k+1)·65536); entries may be null; immutable once published. */
        private final RoaringBitmap[] chunks;
        private final int frozenCardinality;
        private final int[] tail;
        @SuppressWarnings("unused") // through COUNT
        private int count;

        Growing(RoaringBitmap[] chunks, int frozenCardinality, int[] tail, int count) {
            this.chunks = chunks;
            this.frozenCardinality = frozenCardinality;
            this.tail = tail;
            this.count = count;
        }

        @Override
        boolean tryAppend(int id) {
            int n = (int) COUNT.get(this);
            if (n == tail.length) {
                return false;
            }
            tail[n] = id;
            COUNT.setRelease(this, n + 1);
            return true;
        }

        @Override
        Posting withAdded(int id) {
            int n = (int) COUNT.get(this);
            int total = frozenCardinality + n;
            if (chunks == null && total < SMALL) {
                int[] grown = Arrays.copyOf(tail, Math.min(SMALL, 2 * n));
                grown[n] = id;
                return new Growing(null, 0, grown, n + 1);
            }
            int maxChunk = chunks == null ? 0 : chunks.length - 1;
            for (int i = 0; i < n; i++) {
                maxChunk = Math.max(maxChunk, tail[i] >>> CHUNK_BITS);
            }
            RoaringBitmap[] fresh = chunks == null ? new RoaringBitmap[maxChunk + 1]
                : Arrays.copyOf(chunks, Math.max(chunks.length, maxChunk + 1));
            for (int i = 0; i < n; ) {
                int c = tail[i] >>> CHUNK_BITS;
                int j = i + 1;
                while (j < n && tail[j] >>> CHUNK_BITS == c) {
                    j++; // ids usually arrive in creation order: a chunk's ids are then one run
                }
                RoaringBitmap b = fresh[c];
                if (b == null) {
                    b = new RoaringBitmap();
                    fresh[c] = b;
                } else if (chunks != null && c < chunks.length && b == chunks[c]) {
                    b = b.clone(); // copy-on-write of the one chunk; readers keep the old one
                    fresh[c] = b;
                }
                b.addN(tail, i, j - i);
                i = j;
            }
            int[] next = new int[Math.max(MIN_TAIL, Math.min(MAX_TAIL, total / 16))];
            next[0] = id;
            return new Growing(fresh, total, next, 1);
        }

        @Override
        int cardinality() {
            return frozenCardinality + (int) COUNT.getAcquire(this);
        }

        @Override
        void orInto(RoaringBitmap into) {
            int n = (int) COUNT.getAcquire(this);
            if (chunks != null) {
                for (RoaringBitmap c : chunks) {
                    if (c != null) {
                        into.or(c);
                    }
                }
            }
            into.addN(tail, 0, n);
        }

        @Override
        void collect(List<RoaringBitmap> parts, RoaringBitmap loose) {
            int n = (int) COUNT.getAcquire(this);
            if (chunks != null) {
                for (RoaringBitmap c : chunks) {
                    if (c != null) {
                        parts.add(c);
                    }
                }
            }
            loose.addN(tail, 0, n);
        }

        @Override
        void andNotFrom(RoaringBitmap from) {
            int n = (int) COUNT.getAcquire(this);
            if (chunks != null) {
                for (RoaringBitmap c : chunks) {
                    if (c != null) {
                        from.andNot(c);
                    }
                }
            }
            for (int i = 0; i < n; i++) {
                from.remove(tail[i]);
            }
        }

        @Override
        boolean intersects(RoaringBitmap set) {
            if (chunks != null) {
                for (RoaringBitmap c : chunks) {
                    if (c != null && RoaringBitmap.intersects(c, set)) {
                        return true;
                    }
                }
            }
            int n = (int) COUNT.getAcquire(this);
            for (int i = 0; i < n; i++) {
                if (set.contains(tail[i])) {
                    return true;
                }
            }
            return false;
        }

        @Override
        int published() {
            return (int) COUNT.getAcquire(this);
        }

        @Override
        RoaringBitmap snapshot(int published) {
            RoaringBitmap out = new RoaringBitmap();
            if (chunks != null) {
                for (RoaringBitmap c : chunks) {
                    if (c != null) {
                        out.or(c);
                    }
                }
            }
            out.addN(tail, 0, published);
            return out;
        }

        @Override
        RoaringBitmap and(RoaringBitmap set, int published) {
            RoaringBitmap out = new RoaringBitmap();
            if (chunks != null) {
                for (RoaringBitmap c : chunks) {
                    if (c != null) {
                        out.or(RoaringBitmap.and(set, c));
                    }
                }
            }
            for (int i = 0; i < published; i++) {
                if (set.contains(tail[i])) {
                    out.add(tail[i]);
                }
            }
            return out;
        }
    }
}
