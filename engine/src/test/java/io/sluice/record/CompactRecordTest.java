package io.sluice.record;

import io.sluice.engine.SeriesRef;
import io.sluice.testing.TestSeeds;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The COMPACT record body (docs/format/wal.md): encoding, decoding, and every way a body can be malformed. */
class CompactRecordTest {
    private static final int SHARD = 5;

    /** Encodes entries as the shard writer does, later entries as deltas from entry 0. Returns the body length. */
    private static int encode(UnsafeBuffer buf, int[] ids, long[] ts, long[] bits) {
        int p = CompactRecord.writeFirstEntry(buf, CompactRecord.ENTRIES_OFFSET, ids[0], ts[0], bits[0]);
        for (int i = 1; i < ids.length; i++) {
            p = CompactRecord.writeEntry(buf, p, (long) ids[i] - ids[0], ts[i] - ts[0], bits[i]);
        }
        CompactRecord.writeHeader(buf, 0, ids.length);
        return p;
    }

    private static String decode(UnsafeBuffer buf, int length, long[] refs, long[] ts, long[] bits) {
        return CompactRecord.decode(buf, 0, length, SHARD, refs, ts, bits);
    }

    @Test
    void randomEntriesRoundTripBitForBit() {
        long seed = TestSeeds.seed("CompactRecordTest");
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int round = 0; round < 2000; round++) {
            int n = 1 + rnd.nextInt(300);
            int[] ids = new int[n];
            long[] ts = new long[n];
            long[] bits = new long[n];
            for (int i = 0; i < n; i++) {
                ids[i] = rnd.nextInt(4) == 0 ? rnd.nextInt(Integer.MAX_VALUE) : rnd.nextInt(1000);
                switch (rnd.nextInt(4)) {
                    case 0:
                        ts[i] = rnd.nextLong(); // any long, so deltas wrap
                        break;
                    case 1:
                        ts[i] = rnd.nextBoolean() ? Long.MIN_VALUE : Long.MAX_VALUE;
                        break;
                    default:
                        ts[i] = 1_700_000_000_000L + rnd.nextInt(1_000_000);
                }
                bits[i] = rnd.nextInt(8) == 0 ? 0x7ff0000000000002L : rnd.nextLong(); // stale marker, NaNs
            }
            UnsafeBuffer buf = new UnsafeBuffer(new byte[CompactRecord.maxBodyLength(n)]);
            int length = encode(buf, ids, ts, bits);
            assertTrue(length <= CompactRecord.maxBodyLength(n));
            // The whole-record writer (checkpoints) and its sizing agree with the entry writer (the shard writer).
            long[] asRefs = new long[n];
            for (int i = 0; i < n; i++) {
                asRefs[i] = SeriesRef.of(SHARD, ids[i]);
            }
            UnsafeBuffer whole = new UnsafeBuffer(new byte[CompactRecord.maxBodyLength(n)]);
            assertEquals(length, CompactRecord.bodyLength(asRefs, ts, n), "seed " + seed);
            assertEquals(length, CompactRecord.write(whole, 0, asRefs, ts, bits, n), "seed " + seed);
            for (int i = 0; i < length; i++) {
                assertEquals(buf.getByte(i), whole.getByte(i), "seed " + seed + " byte " + i);
            }
            assertTrue(CompactRecord.plausible(buf, 0, length), "seed " + seed);
            long[] refs = new long[n];
            long[] ts2 = new long[n];
            long[] bits2 = new long[n];
            assertNull(decode(buf, length, refs, ts2, bits2), "seed " + seed);
            for (int i = 0; i < n; i++) {
                assertEquals(SeriesRef.of(SHARD, ids[i]), refs[i], "seed " + seed + " entry " + i);
            }
            assertArrayEquals(ts, ts2, "seed " + seed);
            assertArrayEquals(bits, bits2, "seed " + seed);
        }
    }

    @Test
    void smallDeltasTakeTenBytesAnEntry() {
        int n = 100;
        int[] ids = new int[n];
        long[] ts = new long[n];
        long[] bits = new long[n];
        for (int i = 0; i < n; i++) {
            ids[i] = i % 10;          // deltas 0..9: one byte (entry 0: local id 0, one byte)
            ts[i] = 50 + i / 10;      // deltas 0..9: one byte (entry 0: zigzag(50) = 100, one byte)
            bits[i] = Double.doubleToRawLongBits(i);
        }
        UnsafeBuffer buf = new UnsafeBuffer(new byte[CompactRecord.maxBodyLength(n)]);
        assertEquals(CompactRecord.ENTRIES_OFFSET + n * CompactRecord.MIN_ENTRY_LENGTH, encode(buf, ids, ts, bits));
        assertEquals(RecordType.COMPACT, buf.getByte(0));
        assertEquals(n, CompactRecord.count(buf, 0));
        assertEquals(100, buf.getByte(CompactRecord.ENTRIES_OFFSET + 1), "entry 0's timestamp, zigzag");
    }

    @Test
    void everyMalformedBodyIsNamed() {
        int[] ids = {3, 4};
        long[] ts = {10, 20};
        long[] bits = {1, 2};
        UnsafeBuffer buf = new UnsafeBuffer(new byte[256]);
        int length = encode(buf, ids, ts, bits);
        long[] a = new long[4];
        long[] b = new long[4];
        long[] c = new long[4];
        assertNull(decode(buf, length, a, b, c));

        // One byte more or less than the entries take.
        assertNotNull(decode(buf, length + 1, a, b, c));
        assertNotNull(decode(buf, length - 1, a, b, c));
        // A count the length cannot hold.
        buf.putInt(CompactRecord.COUNT_OFFSET, 3);
        assertFalse(CompactRecord.plausible(buf, 0, length));
        assertNotNull(decode(buf, length, a, b, c));
        buf.putInt(CompactRecord.COUNT_OFFSET, 0);
        assertNotNull(decode(buf, length, a, b, c));
        buf.putInt(CompactRecord.COUNT_OFFSET, 2);
        // A local id below zero: entry 1's delta from entry 0's id 3 is -4.
        buf.putByte(CompactRecord.ENTRIES_OFFSET + CompactRecord.MIN_ENTRY_LENGTH, (byte) 7); // zigzag 7 = -4
        assertTrue(decode(buf, length, a, b, c).contains("out of range"));
        buf.putByte(CompactRecord.ENTRIES_OFFSET + CompactRecord.MIN_ENTRY_LENGTH, (byte) 2); // back to +1
        assertNull(decode(buf, length, a, b, c));
        assertEquals(SeriesRef.of(SHARD, 4), a[1]);
        // An entry 0 whose local id does not fit 31 bits.
        UnsafeBuffer wide = new UnsafeBuffer(new byte[64]);
        int end = CompactRecord.writeFirstEntry(wide, CompactRecord.ENTRIES_OFFSET, -1, 0, 0); // 2^32 - 1
        CompactRecord.writeHeader(wide, 0, 1);
        assertTrue(decode(wide, end, a, b, c).contains("out of range"));
        // A varint that never ends (eleven continuation bytes) inside a long enough body.
        UnsafeBuffer endless = new UnsafeBuffer(new byte[64]);
        CompactRecord.writeHeader(endless, 0, 1);
        for (int i = CompactRecord.ENTRIES_OFFSET; i < 64; i++) {
            endless.putByte(i, (byte) 0x80);
        }
        int max = CompactRecord.maxBodyLength(1);
        assertTrue(CompactRecord.plausible(endless, 0, max));
        assertTrue(decode(endless, max, a, b, c).contains("runs past"));
    }
}
