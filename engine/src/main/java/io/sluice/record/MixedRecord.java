package io.sluice.record;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * A MIXED record body (format version 2): samples of several series in arrival order, one entry
 * each. It is what scrape-shaped traffic (one sample for each of many series, then the next
 * scrape) turns into: a SAMPLES record per one-sample run costs 40 bytes and a checksum per sample,
 * a MIXED entry 24 bytes, with one checksum per record.
 *
 * <pre>
 *  offset     size field
 *   0         1    type = 3
 *   1         1    flags (0)
 *   2         2    reserved (0)
 *   4         4    count n (&gt;= 1)
 *   8+24i     8    series ref of entry i
 *  16+24i     8    timestamp of entry i
 *  24+24i     8    value of entry i, IEEE-754 bits (NaN payloads preserved)
 * </pre>
 *
 * Per series, entries keep the SAMPLES rule: timestamps strictly increase across the whole log.
 *
 * <p>Threading: static, pure; the caller owns the buffer.
 */
public final class MixedRecord {
    public static final int COUNT_OFFSET = 4;
    public static final int ENTRIES_OFFSET = 8;
    public static final int ENTRY_LENGTH = 24;
    /** Offsets inside an entry. */
    public static final int ENTRY_REF = 0;
    public static final int ENTRY_TIMESTAMP = 8;
    public static final int ENTRY_VALUE = 16;

    private MixedRecord() {
    }

    /** Body length of a record holding {@code count} entries. */
    public static int bodyLength(int count) {
        return ENTRIES_OFFSET + count * ENTRY_LENGTH;
    }

    /** Writes the fixed part; entries follow at {@link #entryOffset}. */
    public static void writeHeader(MutableDirectBuffer buf, int body, int count) {
        buf.putLong(body, RecordType.MIXED & 0xFFL); // type, flags, reserved zeroed in one store
        buf.putInt(body + COUNT_OFFSET, count);
    }

    /** Offset of entry {@code i} in a body that starts at {@code body}. */
    public static int entryOffset(int body, int i) {
        return body + ENTRIES_OFFSET + i * ENTRY_LENGTH;
    }

    public static int count(DirectBuffer buf, int body) {
        return buf.getInt(body + COUNT_OFFSET);
    }

    public static long ref(DirectBuffer buf, int body, int i) {
        return buf.getLong(entryOffset(body, i) + ENTRY_REF);
    }

    public static long timestamp(DirectBuffer buf, int body, int i) {
        return buf.getLong(entryOffset(body, i) + ENTRY_TIMESTAMP);
    }

    public static double value(DirectBuffer buf, int body, int i) {
        return Double.longBitsToDouble(buf.getLong(entryOffset(body, i) + ENTRY_VALUE));
    }
}
