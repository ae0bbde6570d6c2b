package io.sluice.ingest;

import com.lmax.disruptor.BusySpinWaitStrategy;
import com.lmax.disruptor.EventFactory;
import com.lmax.disruptor.RingBuffer;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** A ring slot's encoding ({@link SampleBatchEvent}, "Layout"), and that a ring's slots keep to their own words. */
class SampleBatchEventTest {
    @Test
    void oneSampleGoesToTheWordsAndMoreToTheArrays() {
        SampleBatchEvent e = new SampleBatchEvent(64);
        int[] ids = {7, 8, 9, Integer.MAX_VALUE};
        long[] ts = {100, 200, Long.MIN_VALUE, 400};
        double[] vs = {1.5, 2.5, -0.0, Double.NaN};

        e.fill(1023, ids, ts, vs, 2, 1, 42);
        long h = e.header();
        assertEquals(1023, SampleBatchEvent.shard(h), "the largest shard");
        assertEquals(1, SampleBatchEvent.count(h));
        assertEquals(9, SampleBatchEvent.id(h));
        assertEquals(Long.MIN_VALUE, e.timestamp());
        assertEquals(Double.doubleToRawLongBits(-0.0), e.valueBits(), "the value's bits, sign included");
        assertEquals(42, e.originNanos());

        e.fill(0, ids, ts, vs, 3, 1, -5);
        h = e.header();
        assertEquals(0, SampleBatchEvent.shard(h));
        assertEquals(Integer.MAX_VALUE, SampleBatchEvent.id(h), "the largest series id");
        assertEquals(Double.doubleToRawLongBits(Double.NaN), e.valueBits());
        assertEquals(-5, e.originNanos());

        e.fill(5, ids, ts, vs, 1, 3, 43);
        h = e.header();
        assertEquals(5, SampleBatchEvent.shard(h));
        assertEquals(3, SampleBatchEvent.count(h));
        assertEquals(43, e.originNanos());
        assertArrayEquals(new int[] {8, 9, Integer.MAX_VALUE}, Arrays.copyOf(e.localIds(), 3));
        assertArrayEquals(new long[] {200, Long.MIN_VALUE, 400}, Arrays.copyOf(e.timestamps(), 3));
        assertArrayEquals(new double[] {2.5, -0.0, Double.NaN}, Arrays.copyOf(e.values(), 3));

        e.empty();
        h = e.header();
        assertEquals(SampleBatchEvent.EMPTY, SampleBatchEvent.shard(h));
        assertEquals(0, SampleBatchEvent.count(h));
    }

    @Test
    void theLargestEventCountsItsSamples() {
        int capacity = 65_536; // SluiceConfig's largest event
        SampleBatchEvent e = new SampleBatchEvent(capacity);
        int[] ids = new int[capacity];
        long[] ts = new long[capacity];
        double[] vs = new double[capacity];
        Arrays.setAll(ts, i -> i);
        e.fill(17, ids, ts, vs, 0, capacity, 1);
        assertEquals(capacity, SampleBatchEvent.count(e.header()));
        assertEquals(17, SampleBatchEvent.shard(e.header()));
        assertEquals(capacity - 1, e.timestamps()[capacity - 1]);
    }

    /** Every slot of a ring, filled in turn, keeps what was written to it: no two slots share a word. */
    @Test
    void aRingsSlotsEachHaveTheirOwnWords() {
        int size = 64;
        RingBuffer<SampleBatchEvent> ring = RingBuffer.createSingleProducer(SampleBatchEvent.ringSlots(size, 8), size,
            new BusySpinWaitStrategy());
        int[] ids = new int[size + 1];
        long[] ts = new long[size + 1];
        double[] vs = new double[size + 1];
        for (int i = 0; i <= size; i++) {
            ids[i] = 1000 + i;
            ts[i] = 10_000 + i;
            vs[i] = i / 4.0;
        }
        for (int s = 0; s < size; s++) {
            if (s % 3 == 0) { // two samples: this slot's and the next one's
                ring.get(s).fill(s % 7, ids, ts, vs, s, 2, s);
            } else {
                ring.get(s).fill(s % 7, ids, ts, vs, s, 1, s);
            }
        }
        for (int s = 0; s < size; s++) {
            SampleBatchEvent e = ring.get(s);
            long h = e.header();
            assertEquals(s % 7, SampleBatchEvent.shard(h), "slot " + s);
            assertEquals(s, e.originNanos(), "slot " + s);
            if (s % 3 == 0) {
                assertEquals(2, SampleBatchEvent.count(h), "slot " + s);
                assertArrayEquals(new int[] {1000 + s, 1001 + s}, Arrays.copyOf(e.localIds(), 2), "slot " + s);
                assertArrayEquals(new long[] {10_000 + s, 10_001 + s}, Arrays.copyOf(e.timestamps(), 2), "slot " + s);
            } else {
                assertEquals(1, SampleBatchEvent.count(h), "slot " + s);
                assertEquals(1000 + s, SampleBatchEvent.id(h), "slot " + s);
                assertEquals(10_000 + s, e.timestamp(), "slot " + s);
                assertEquals(Double.doubleToRawLongBits(s / 4.0), e.valueBits(), "slot " + s);
            }
        }
    }

    @Test
    void aRingsFactoryMakesOneRingsSlots() {
        EventFactory<SampleBatchEvent> f = SampleBatchEvent.ringSlots(2, 8);
        f.newInstance();
        f.newInstance();
        assertThrows(IllegalStateException.class, f::newInstance);
    }
}
