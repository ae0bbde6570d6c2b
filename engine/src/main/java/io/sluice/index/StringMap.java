package io.sluice.index;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.function.BiConsumer;

/**
 * A map from string to value with one writer and any number of lock-free readers. It stands in for
 * a {@code ConcurrentHashMap} in the index, where every series adds up to one new entry per label
 * (the {@code instance} label is new for every series), and is built so that a million entries
 * cost the garbage collector little:
 * <ul>
 *   <li>Entries are appended, in insertion order, to fixed-size pages of keys and of values. The
 *       writer's reference stores are therefore sequential: G1 dirties one card per 128 new
 *       entries, where a hash-ordered reference table dirties a card per entry and keeps its
 *       concurrent refinement threads busy (measured: a third of the CPU at a million entries).</li>
 *   <li>The hash table is a {@link TagSlots} array of {@code (hashCode, entry)}: no references,
 *       no node objects, and probing and resizing never touch the keys except to confirm a hit.</li>
 *   <li>A new map costs a few hundred bytes: the first page holds 8 entries and doubles up to 1,024, so
 *       the many small maps (one per label name per shard) stay small.</li>
 * </ul>
 *
 * <p>Publication: the writer stores a new entry's value and then its key (release) in the pages,
 * then the slot (release), then the entry count (volatile). A resize fills a new table with plain
 * stores and publishes it with a volatile store. A value is replaced with a release store. A reader
 * that finds a slot (acquire) sees its key and value; one that reads the count sees every entry
 * below it. A reader holding a table the writer has since replaced may miss entries added after
 * the replacement, never an earlier one. Keys are never removed.
 *
 * <p>Threading: {@link #add} and {@link #replaceAt} belong to the single writer
 * (asserted by the caller); the other methods are for any thread.
 *
 * @param <V> value type; values are never null
 */
final class StringMap<V> {
    private static final VarHandle REFS = MethodHandles.arrayElementVarHandle(Object[].class);
    private static final int INITIAL_SLOTS = 16;
    private static final int PAGE_BITS = 10;
    private static final int PAGE_SIZE = 1 << PAGE_BITS;
    private static final int PAGE_MASK = PAGE_SIZE - 1;
    /** Capacity of page 0 when the map is new: label names and most labels have few entries. */
    private static final int FIRST_PAGE = 8;

    /** {@link TagSlots}: tag = the key's {@code hashCode()}, entry = the index into the pages. */
    private volatile long[] slots = new long[INITIAL_SLOTS];
    /** Entry e's key is {@code keys[e >>> PAGE_BITS][e & PAGE_MASK]}; values likewise. */
    private volatile Object[][] keys = new Object[1][];
    private volatile Object[][] values = new Object[1][];
    /** Entries published. */
    private volatile int size;

    /** The value of {@code key}, or null. */
    V get(String key) {
        int e = find(slots, key);
        return e < 0 ? null : valueAt(e);
    }

    /** The entry index of {@code key} (for {@link #valueAt} and {@link #replaceAt}), or -1. */
    int indexOf(String key) {
        return find(slots, key);
    }

    /** The value of the entry at {@code index} (from {@link #indexOf}). */
    @SuppressWarnings("unchecked")
    V valueAt(int index) {
        return (V) REFS.getAcquire(values[index >>> PAGE_BITS], index & PAGE_MASK);
    }

    /** Writer only: replaces the value of the entry at {@code index} (from {@link #indexOf}). */
    void replaceAt(int index, V value) {
        REFS.setRelease(values[index >>> PAGE_BITS], index & PAGE_MASK, value);
    }

    /** The entry index of {@code key} in {@code t}, or -1. */
    private int find(long[] t, String key) {
        int h = key.hashCode();
        int mask = t.length - 1;
        for (int i = TagSlots.start(h, mask); ; i = (i + 1) & mask) {
            long slot = (long) TagSlots.SLOTS.getAcquire(t, i);
            if (slot == 0) {
                return -1;
            }
            if (TagSlots.tag(slot) == h) {
                int e = TagSlots.entry(slot);
                Object k = REFS.getAcquire(keys[e >>> PAGE_BITS], e & PAGE_MASK);
                if (k == key || k.equals(key)) {
                    return e;
                }
            }
        }
    }

    /** Writer only: adds {@code key}, which {@link #indexOf} or {@link #get} has just reported absent. */
    void add(String key, V value) {
        int e = size;
        if (e == Integer.MAX_VALUE - 1) {
            throw new IllegalStateException("a label has 2^31-2 values in one shard");
        }
        int page = e >>> PAGE_BITS;
        Object[][] k = keys;
        Object[][] v = values;
        if (page == k.length) { // grow the page directories; readers keep the old ones, which hold all they need
            k = Arrays.copyOf(k, 2 * page);
            v = Arrays.copyOf(v, 2 * page);
            values = v; // volatile stores, before the slot's release below
            keys = k;
        }
        if (k[page] == null) {
            int capacity = page == 0 ? FIRST_PAGE : PAGE_SIZE;
            k[page] = new Object[capacity];
            v[page] = new Object[capacity];
        } else if (page == 0 && e == k[0].length) {
            // Page 0 starts small (most labels have few values) and doubles up to PAGE_SIZE. A reader
            // still holding the old copy reads the same keys and no older values than it may see.
            v[0] = Arrays.copyOf(v[0], 2 * e);
            k[0] = Arrays.copyOf(k[0], 2 * e);
        }
        v[page][e & PAGE_MASK] = value;
        REFS.setRelease(k[page], e & PAGE_MASK, key);
        long[] t = slots;
        long[] after = TagSlots.add(t, e + 1, TagSlots.slot(key.hashCode(), e));
        if (after != t) {
            slots = after; // volatile store publishes the grown table
        }
        size = e + 1;
    }

    /** Number of keys (those the writer completed). */
    int size() {
        return size;
    }

    /** Calls {@code action} for every entry published so far, in insertion order. */
    @SuppressWarnings("unchecked")
    void forEach(BiConsumer<String, V> action) {
        int n = size; // volatile load first: the entries below it and their pages are visible
        Object[][] k = keys;
        Object[][] v = values;
        for (int e = 0; e < n; e++) {
            action.accept((String) k[e >>> PAGE_BITS][e & PAGE_MASK], (V) REFS.getAcquire(v[e >>> PAGE_BITS], e & PAGE_MASK));
        }
    }
}
