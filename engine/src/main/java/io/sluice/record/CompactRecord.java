package io.sluice.record;

import io.sluice.engine.SeriesRef;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * A COMPACT record body (format version 4): samples of several series of one shard in commit
 * order, like MIXED, with a small fixed part and each entry after the first stored as varint deltas
 * from the first, as Prometheus' WAL stores its sample records. Per-item commits (one sample per
 * commit) and scrape-shaped commits cost 10 to 13 bytes a sample after the first instead of MIXED's
 * 24, and a record of one or two entries 32 or 40 bytes with its frame instead of 40 or 64.
 *
 * <pre>
 *  offset  size  field
 *   0      1     type = 4
 *   1      4     count n (&gt;= 1), little-endian
 *   5      ...   entry 0:  varint localId(ref)
 *                          varint zigzag(timestamp)
 *                          8      value, IEEE-754 bits (NaN payloads preserved)
 *          ...   entry i &gt;= 1:
 *                          varint zigzag(localId(ref) - localId(ref of entry 0)), 64-bit
 *                          varint zigzag(timestamp - timestamp of entry 0), 64-bit, wrapping
 *                          8      value
 * </pre>
 *
 * Varints are unsigned LEB128 (7 bits a byte, low group first, high bit set on every byte but the
 * last; at most 10 bytes, at most 64 bits); zigzag maps {@code v} to {@code (v << 1) ^ (v >> 63)}.
 * Refs are those of the shard whose log holds the record: the shard is not stored. Local ids lie in
 * 0..2^31-1. The entries end exactly at the body's length. Per series, entries keep the SAMPLES
 * rule: timestamps strictly increase across the whole log.
 *
 * <p>Threading: static, pure; the caller owns the buffer.
 */
public final class CompactRecord {
    public static final int COUNT_OFFSET = 1;
    public static final int ENTRIES_OFFSET = 5;
    /** The smallest entry: two one-byte varints and the value. */
    public static final int MIN_ENTRY_LENGTH = 1 + 1 + 8;
    /** The largest entry: two ten-byte varints and the value. */
    public static final int MAX_ENTRY_LENGTH = 10 + 10 + 8;

    private CompactRecord() {
    }

    /** The most bytes a body of {@code count} entries can take: what a writer reserves. */
    public static int maxBodyLength(int count) {
        return ENTRIES_OFFSET + count * MAX_ENTRY_LENGTH;
    }

    /** Writes the fixed part; entries follow from {@link #ENTRIES_OFFSET}. */
    public static void writeHeader(MutableDirectBuffer buf, int body, int count) {
        buf.putByte(body, RecordType.COMPACT);
        buf.putInt(body + COUNT_OFFSET, count);
    }

    /**
     * Writes entry 0 at {@code at}: the local id, the timestamp and the value.
     *
     * @return the offset after it
     */
    public static int writeFirstEntry(MutableDirectBuffer buf, int at, int localId, long timestamp, long valueBits) {
        int p = writeVarint(buf, at, localId & 0xFFFFFFFFL);
        p = writeVarint(buf, p, zigzag(timestamp));
        buf.putLong(p, valueBits);
        return p + 8;
    }

    /**
     * Writes a later entry at {@code at}: its deltas from entry 0, and the value.
     *
     * @return the offset after it
     */
    public static int writeEntry(MutableDirectBuffer buf, int at, long localIdDelta, long timestampDelta,
                                 long valueBits) {
        int p = writeVarint(buf, at, zigzag(localIdDelta));
        p = writeVarint(buf, p, zigzag(timestampDelta));
        buf.putLong(p, valueBits);
        return p + 8;
    }

    /**
     * The body length of a record of the {@code n} entries (refs, timestamps) given, as
     * {@link #write} encodes them.
     */
    public static int bodyLength(long[] refs, long[] timestamps, int n) {
        int length = ENTRIES_OFFSET;
        long id0 = SeriesRef.localId(refs[0]);
        for (int i = 0; i < n; i++) {
            long id = SeriesRef.localId(refs[i]);
            length += i == 0
                ? varintLength(id) + varintLength(zigzag(timestamps[0]))
                : varintLength(zigzag(id - id0)) + varintLength(zigzag(timestamps[i] - timestamps[0]));
            length += 8;
        }
        return length;
    }

    /**
     * Writes a whole record of {@code n} entries of one shard at {@code body}.
     *
     * @return its body length ({@link #bodyLength(long[], long[], int)})
     */
    public static int write(MutableDirectBuffer buf, int body, long[] refs, long[] timestamps, long[] valueBits,
                            int n) {
        int id0 = SeriesRef.localId(refs[0]);
        int p = writeFirstEntry(buf, body + ENTRIES_OFFSET, id0, timestamps[0], valueBits[0]);
        for (int i = 1; i < n; i++) {
            p = writeEntry(buf, p, (long) SeriesRef.localId(refs[i]) - id0, timestamps[i] - timestamps[0],
                valueBits[i]);
        }
        writeHeader(buf, body, n);
        return p - body;
    }

    private static int varintLength(long v) {
        return v == 0 ? 1 : (64 - Long.numberOfLeadingZeros(v) + 6) / 7;
    }

    public static int count(DirectBuffer buf, int body) {
        return buf.getInt(body + COUNT_OFFSET);
    }

    /** A cheap shape check (before a checksum): the count against the length's bounds. */
    public static boolean plausible(DirectBuffer buf, int body, int length) {
        if (length < ENTRIES_OFFSET + MIN_ENTRY_LENGTH) {
            return false;
        }
        long count = count(buf, body);
        return count >= 1 && ENTRIES_OFFSET + count * MIN_ENTRY_LENGTH <= length
            && length <= ENTRIES_OFFSET + count * MAX_ENTRY_LENGTH;
    }

    /**
     * Decodes every entry of a body of {@code length} bytes, in the log of {@code shard}, into the
     * arrays (each at least {@link #count} long).
     *
     * @return null if the body is well formed, else why not
     */
    public static String decode(DirectBuffer buf, int body, int length, int shard, long[] refs, long[] timestamps,
                                long[] valueBits) {
        if (!plausible(buf, body, length)) {
            return "compact record of " + length + " bytes claims " + count(buf, body) + " entries";
        }
        int n = count(buf, body);
        int end = body + length;
        int p = body + ENTRIES_OFFSET;
        long[] varint = new long[1];
        long baseId = 0;
        long baseTs = 0;
        for (int i = 0; i < n; i++) {
            p = readVarint(buf, p, end, varint);
            if (p < 0) {
                return "compact entry " + i + ": series runs past the record";
            }
            long id = i == 0 ? varint[0] : baseId + unzigzag(varint[0]);
            if (id < 0 || id > Integer.MAX_VALUE) {
                return "compact entry " + i + ": local id " + (i == 0 ? Long.toUnsignedString(id) : id)
                    + " out of range";
            }
            p = readVarint(buf, p, end, varint);
            if (p < 0 || p + 8 > end) {
                return "compact entry " + i + ": timestamp or value runs past the record";
            }
            long ts = i == 0 ? unzigzag(varint[0]) : baseTs + unzigzag(varint[0]);
            if (i == 0) {
                baseId = id;
                baseTs = ts;
            }
            refs[i] = SeriesRef.of(shard, (int) id);
            timestamps[i] = ts;
            valueBits[i] = buf.getLong(p);
            p += 8;
        }
        if (p != end) {
            return "compact record of " + length + " bytes ends its " + n + " entries at byte " + (p - body);
        }
        return null;
    }

    static long zigzag(long v) {
        return (v << 1) ^ (v >> 63);
    }

    static long unzigzag(long z) {
        return (z >>> 1) ^ -(z & 1);
    }

    private static int writeVarint(MutableDirectBuffer buf, int at, long v) {
        int p = at;
        while ((v & ~0x7FL) != 0) {
            buf.putByte(p++, (byte) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        buf.putByte(p++, (byte) v);
        return p;
    }

    /** Reads a varint at {@code at} (not past {@code end}) into {@code out[0]}; returns the offset after, or -1. */
    private static int readVarint(DirectBuffer buf, int at, int end, long[] out) {
        long v = 0;
        int p = at;
        for (int shift = 0; shift < 70; shift += 7) {
            if (p >= end) {
                return -1;
            }
            byte b = buf.getByte(p++);
            v |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                if (shift == 63 && (b & 0x7F) > 1) {
                    return -1; // more than 64 bits
                }
                out[0] = v;
                return p;
            }
        }
        return -1;
    }
}
