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
    void hotFieldsArePaddedOnBothSides() {
        long[] before = span(SampleBatchEventPad.class, "p");
        long[] hot = span(SampleBatchEventFields.class, "");
        long[] after = span(SampleBatchEvent.class, "q");
        String layout = "pad " + before[0] + ".." + before[1] + ", hot " + hot[0] + ".." + hot[1]
            + ", pad " + after[0] + ".." + after[1];
        assertTrue(before[1] <= hot[0] && before[1] - before[0] >= 56, layout);
        assertTrue(hot[1] <= after[0] && after[1] - after[0] >= 56, layout);
        assertTrue(hot[1] - hot[0] <= 64, "the hot fields fit in two cache lines at worst: " + layout);
    }

    /** The first byte and the end of the instance fields {@code type} declares whose names start with {@code prefix}. */
    @SuppressWarnings("deprecation") // objectFieldOffset: the only way to see the layout without a tool
    private static long[] span(Class<?> type, String prefix) {
        long first = Long.MAX_VALUE;
        long end = Long.MIN_VALUE;
        for (Field f : type.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers()) || !f.getName().startsWith(prefix)) {
                continue;
            }
            long at = UNSAFE.objectFieldOffset(f);
            first = Math.min(first, at);
            end = Math.max(end, at + size(f.getType()));
        }
        return new long[] {first, end};
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
