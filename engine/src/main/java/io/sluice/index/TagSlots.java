package io.sluice.index;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The slot array shared by {@link SeriesTable} and {@link StringMap}: open addressing with linear
 * probing over a {@code long[]} whose slots hold {@code (tag << 32) | (entry + 1)}, 0 marking an
 * empty slot, at most half full. The tag is 32 bits of the key's hash; the entry is an index the
 * owner resolves to confirm a tag hit (a series id, a map entry). The owner publishes: a slot added
 * to a live array is stored with release, a grown array is filled with plain stores and handed back
 * for the owner to publish with a volatile store.
 */
final class TagSlots {
    static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(long[].class);

    private TagSlots() {
    }

    /** The slot for {@code entry} under {@code tag}. */
    static long slot(int tag, int entry) {
        return ((long) tag << 32) | (entry + 1L);
    }

    /** The tag of a non-empty slot. */
    static int tag(long slot) {
        return (int) (slot >>> 32);
    }

    /** The entry of a non-empty slot. */
    static int entry(long slot) {
        return (int) slot - 1;
    }

    /** The first slot index of {@code tag}'s probe sequence; probe on with {@code (i + 1) & mask}. Fibonacci hashing. */
    static int start(int tag, int mask) {
        return (tag * 0x9E3779B1) >>> Integer.numberOfLeadingZeros(mask);
    }

    /**
     * Adds {@code slot}, which holds the {@code count}-th entry, and returns the array that holds it:
     * {@code t} itself (the slot stored with release) if it stays at most half full, else a grown copy
     * that the caller must publish.
     */
    static long[] add(long[] t, int count, long slot) {
        if (count * 2 <= t.length) {
            SLOTS.setRelease(t, free(t, tag(slot)), slot);
            return t;
        }
        long[] grown = new long[t.length * 2];
        for (long s : t) {
            if (s != 0) {
                grown[free(grown, tag(s))] = s; // unpublished yet: plain stores
            }
        }
        grown[free(grown, tag(slot))] = slot;
        return grown;
    }

    /** The first empty slot on {@code tag}'s probe sequence. */
    private static int free(long[] t, int tag) {
        int mask = t.length - 1;
        int i = start(tag, mask);
        while (t[i] != 0) {
            i = (i + 1) & mask;
        }
        return i;
    }
}
