package io.sluice.index;

import io.sluice.engine.Labels;

/**
 * One shard's map from label set to local id: a {@link TagSlots} array whose slots hold the low 32
 * bits of the label hash and the local id. A tag hit is confirmed by comparing the labels
 * themselves (looked up by id in the {@link IdSource}), so label sets whose hashes collide still
 * get two ids.
 *
 * <p>There is no entry object: a series costs 8 bytes of slot at the table's fullest and 16 at its
 * emptiest, probing reads one array (a creation misses the cache once, in a table half the size
 * that 64-bit hashes would need), and a resize re-places slots without touching the labels.
 *
 * <p>Threading: {@link #find} is lock-free and may run on any thread. {@link #findOrInsert} and
 * {@link #insert} take this table's monitor. The labels of an id are stored (with release) before
 * its slot is published with a release store, so a reader that sees the slot sees the labels. A
 * reader that raced a resize may miss a fresh entry; {@link #findOrInsert} re-checks under the
 * monitor, so no label set is ever inserted twice.
 */
final class SeriesTable {
    private static final int INITIAL_SLOTS = 1024;

    private final IdSource ids;
    /** {@link TagSlots}: tag = the low 32 bits of the label hash, entry = the local id. */
    private volatile long[] slots = new long[INITIAL_SLOTS];
    private int size;

    SeriesTable(IdSource ids) {
        this.ids = ids;
    }

    /** The local id of {@code labels}, or -1. Lock-free. */
    int find(long hash, Labels labels) {
        long[] s = slots;
        int tag = (int) hash;
        int mask = s.length - 1;
        for (int i = TagSlots.start(tag, mask); ; i = (i + 1) & mask) {
            long slot = (long) TagSlots.SLOTS.getAcquire(s, i);
            if (slot == 0) {
                return -1;
            }
            if (TagSlots.tag(slot) == tag) {
                int id = TagSlots.entry(slot);
                Labels stored = ids.labels(id);
                if (stored != null && stored.sameLabelsAs(labels)) {
                    return id;
                }
            }
        }
    }

    /** The local id of {@code labels}, inserting it with {@code ids.next()} if absent. */
    synchronized int findOrInsert(long hash, Labels labels) {
        int id = find(hash, labels);
        if (id >= 0) {
            return id;
        }
        id = ids.next(labels);
        put(hash, id);
        return id;
    }

    /** Inserts an entry known to be absent (replay); its labels are stored under {@code localId} already. */
    synchronized void insert(long hash, int localId) {
        put(hash, localId);
    }

    synchronized int size() {
        return size;
    }

    private void put(long hash, int id) {
        long[] s = slots;
        long[] after = TagSlots.add(s, size + 1, TagSlots.slot((int) hash, id));
        if (after != s) {
            slots = after; // volatile store publishes the grown table
        }
        size++;
    }

    /** The shard's id space: fresh ids while the table's monitor is held, and the labels of an id. */
    interface IdSource {
        /** Stores {@code labels} under a fresh id (visible to {@link #labels} before it returns) and returns the id. */
        int next(Labels labels);

        /** The labels stored under {@code id}, or null. */
        Labels labels(int id);
    }
}
