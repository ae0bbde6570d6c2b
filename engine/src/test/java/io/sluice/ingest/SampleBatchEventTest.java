package io.sluice.ingest;

import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SampleBatchEventTest {
    private static final sun.misc.Unsafe UNSAFE;

    static {
        try {
            Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            UNSAFE = (sun.misc.Unsafe) f.get(null);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * The hot fields lie between at least 56 bytes of padding on either side, on this JVM, and take
     * no more than a cache line's worth of bytes (so at most two lines).
     */
    @Test
    @SuppressWarnings("deprecation") // objectFieldOffset: the only way to see the layout without a tool
    void hotFieldsArePaddedOnBothSides() {
        long hotFirst = Long.MAX_VALUE;
        long hotEnd = Long.MIN_VALUE;
        for (Field f : SampleBatchEventFields.class.getDeclaredFields()) {
            long at = UNSAFE.objectFieldOffset(f);
            hotFirst = Math.min(hotFirst, at);
            hotEnd = Math.max(hotEnd, at + size(f.getType()));
        }
        long padBeforeFirst = Long.MAX_VALUE;
        long padBeforeEnd = Long.MIN_VALUE;
        for (Field f : SampleBatchEventPad.class.getDeclaredFields()) {
            long at = UNSAFE.objectFieldOffset(f);
            padBeforeFirst = Math.min(padBeforeFirst, at);
            padBeforeEnd = Math.max(padBeforeEnd, at + size(f.getType()));
        }
        long padAfterFirst = Long.MAX_VALUE;
        long padAfterEnd = Long.MIN_VALUE;
        for (Field f : SampleBatchEvent.class.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers()) || !f.getName().startsWith("q")) {
                continue;
            }
            long at = UNSAFE.objectFieldOffset(f);
            padAfterFirst = Math.min(padAfterFirst, at);
            padAfterEnd = Math.max(padAfterEnd, at + 8);
        }
        String layout = "pad " + padBeforeFirst + ".." + padBeforeEnd + ", hot " + hotFirst + ".." + hotEnd
            + ", pad " + padAfterFirst + ".." + padAfterEnd;
        assertTrue(padBeforeEnd <= hotFirst && padBeforeEnd - padBeforeFirst >= 56, layout);
        assertTrue(hotEnd <= padAfterFirst && padAfterEnd - padAfterFirst >= 56, layout);
        assertTrue(hotEnd - hotFirst <= 64, "the hot fields fit in two cache lines at worst: " + layout);
    }

    private static int size(Class<?> type) {
        return type == long.class || type == double.class ? 8 : 4; // ints and compressed references
    }

    @Test
    void oneSampleGoesToTheSlotsFieldsAndMoreToItsArrays() {
        SampleBatchEvent e = new SampleBatchEvent(64);
        int[] ids = {7, 8, 9, 10};
        long[] ts = {100, 200, 300, 400};
        double[] vs = {1.5, 2.5, 3.5, 4.5};

        e.fill(3, ids, ts, vs, 2, 1, 42);
        assertEquals(3, e.shard);
        assertEquals(1, e.count);
        assertEquals(42, e.originNanos);
        assertEquals(9, e.id);
        assertEquals(300, e.timestamp);
        assertEquals(3.5, e.value);

        e.fill(1, ids, ts, vs, 1, 3, 43);
        assertEquals(1, e.shard);
        assertEquals(3, e.count);
        assertEquals(43, e.originNanos);
        assertArrayEquals(new int[] {8, 9, 10}, java.util.Arrays.copyOf(e.localIds, 3));
        assertArrayEquals(new long[] {200, 300, 400}, java.util.Arrays.copyOf(e.timestamps, 3));
        assertArrayEquals(new double[] {2.5, 3.5, 4.5}, java.util.Arrays.copyOf(e.values, 3));

        e.empty();
        assertEquals(SampleBatchEvent.EMPTY, e.shard);
        assertEquals(0, e.count);
    }
}
