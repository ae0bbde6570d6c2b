package io.sluice.record;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * A SAMPLES record body: one series and a run of its samples in timestamp order.
 *
 * <pre>
 *  offset     size field
 *   0         1    type = 2
 *   1         1    flags (0)
 *   2         2    reserved (0)
 *   4         4    count n (&gt;= 1)
 *   8         8    series ref
 *  16+16i     8    timestamp of sample i (epoch ms by convention; any long)
 *  24+16i     8    value of sample i, IEEE-754 bits (NaN payloads preserved)
 * </pre>
 *
 * Threading: static, pure; the caller owns the buffer.
 */
public final class SamplesRecord {
    public static final int COUNT_OFFSET = 4;
    public static final int REF_OFFSET = 8;
    public static final int SAMPLES_OFFSET = 16;
    public static final int SAMPLE_LENGTH = 16;

    private SamplesRecord() {
    }

    /** Body length of a record holding {@code count} samples. */
    public static int bodyLength(int count) {
        return SAMPLES_OFFSET + count * SAMPLE_LENGTH;
    }

    /** Writes the fixed part; samples follow at {@link #sampleOffset}. */
    public static void writeHeader(MutableDirectBuffer buf, int body, long ref, int count) {
        buf.putLong(body, RecordType.SAMPLES & 0xFFL); // type, flags, reserved zeroed in one store
        buf.putInt(body + COUNT_OFFSET, count);
        buf.putLong(body + REF_OFFSET, ref);
    }

    /** Offset of sample {@code i} in a body that starts at {@code body}. */
    public static int sampleOffset(int body, int i) {
        return body + SAMPLES_OFFSET + i * SAMPLE_LENGTH;
    }

    public static int count(DirectBuffer buf, int body) {
        return buf.getInt(body + COUNT_OFFSET);
    }

    public static long ref(DirectBuffer buf, int body) {
        return buf.getLong(body + REF_OFFSET);
    }

    public static long timestamp(DirectBuffer buf, int body, int i) {
        return buf.getLong(sampleOffset(body, i));
    }

    public static double value(DirectBuffer buf, int body, int i) {
        return Double.longBitsToDouble(buf.getLong(sampleOffset(body, i) + 8));
    }
}
