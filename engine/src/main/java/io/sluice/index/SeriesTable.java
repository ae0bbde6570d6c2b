package io.sluice.index;

import io.sluice.engine.Labels;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One shard's map from label set to local id: open addressing keyed by the 64-bit label hash,
 * with every hit confirmed by comparing the labels themselves, so two label sets whose hashes
 * collide still get two ids.
 *
 * <p>Threading: {@link #find} is lock-free and may run on any thread. {@link #findOrInsert} and
 * {@link #insert} take this table's monitor. A reader that raced a resize may miss a fresh entry;
 * {@link #findOrInsert} re-checks under the monitor, so no label set is ever inserted twice.
 */
final class SeriesTable {
    private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(Entry[].class);
    private static final int INITIAL_CAPACITY = 1024;

    /** Immutable once published; final fields make a racy read safe. */
    static final class Entry {
        final long hash;
        final Labels labels;
        final int localId;

        Entry(long hash, Labels labels, int localId) {
            this.hash = hash;
            this.labels = labels;
            this.localId = localId;
        }
    }

    private volatile Entry[] slots = new Entry[INITIAL_CAPACITY];
    private int size;

    /** The local id of {@code labels}, or -1. Lock-free. */
    int find(long hash, Labels labels) {
        Entry[] s = slots;
        int mask = s.length - 1;
        for (int i = spread(hash) & mask; ; i = (i + 1) & mask) {
            Entry e = (Entry) SLOTS.getAcquire(s, i);
            if (e == null) {
                return -1;
            }
            if (e.hash == hash && e.labels.sameLabelsAs(labels)) {
                return e.localId;
            }
        }
    }

    /** The local id of {@code labels}, inserting it with {@code idSource.next()} if absent. */
    synchronized int findOrInsert(long hash, Labels labels, IdSource idSource) {
        int id = find(hash, labels);
        if (id >= 0) {
            return id;
        }
        id = idSource.next(labels);
        put(new Entry(hash, labels, id));
        return id;
    }

    /** Inserts an entry known to be absent (replay). */
    synchronized void insert(long hash, Labels labels, int localId) {
        put(new Entry(hash, labels, localId));
    }

    synchronized int size() {
        return size;
    }

    private void put(Entry entry) {
        if ((size + 1) * 2 > slots.length) {
            resize();
        }
        place(slots, entry);
        size++;
    }

    private void resize() {
        Entry[] old = slots;
        Entry[] grown = new Entry[old.length * 2];
        for (Entry e : old) {
            if (e != null) {
                place(grown, e);
            }
        }
        slots = grown;
    }

    private static void place(Entry[] s, Entry entry) {
        int mask = s.length - 1;
        int i = spread(entry.hash) & mask;
        while (s[i] != null) {
            i = (i + 1) & mask;
        }
        SLOTS.setRelease(s, i, entry);
    }

    private static int spread(long hash) {
        long h = hash * 0x9E3779B97F4A7C15L;
        return (int) (h >>> 32) ^ (int) h;
    }

    /** Supplies fresh local ids while the table's monitor is held. */
    interface IdSource {
        int next(Labels labels);
    }
}
