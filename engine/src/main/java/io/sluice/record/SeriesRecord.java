package io.sluice.record;

import io.sluice.engine.Labels;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.charset.StandardCharsets;

/**
 * A SERIES record body: a series ref and its labels. It precedes, in its shard's WAL, every
 * SAMPLES record that names the ref.
 *
 * <pre>
 *  offset size field
 *   0     1    type = 1
 *   1     1    flags (0)
 *   2     2    label count k (1..64)
 *   4     4    reserved (0)
 *   8     8    series ref
 *  16     ...  k times: name length (u16), name (ASCII), value length (u16), value (UTF-8)
 * </pre>
 *
 * Labels are in name order, as {@link Labels} keeps them. Threading: static, pure.
 */
public final class SeriesRecord {
    public static final int LABEL_COUNT_OFFSET = 2;
    public static final int REF_OFFSET = 8;
    public static final int LABELS_OFFSET = 16;

    private SeriesRecord() {
    }

    /** Body length of the record for {@code labels}. */
    public static int bodyLength(Labels labels) {
        int n = LABELS_OFFSET;
        for (int i = 0; i < labels.size(); i++) {
            n += 2 + labels.name(i).length() + 2 + Utf8.encodedLength(labels.value(i));
        }
        return n;
    }

    /** Writes the body at {@code body}; returns its length. Allocates nothing. */
    public static int write(MutableDirectBuffer buf, int body, long ref, Labels labels) {
        buf.putLong(body, 0L);
        buf.putByte(body, RecordType.SERIES);
        buf.putShort(body + LABEL_COUNT_OFFSET, (short) labels.size());
        buf.putLong(body + REF_OFFSET, ref);
        int p = body + LABELS_OFFSET;
        for (int i = 0; i < labels.size(); i++) {
            String name = labels.name(i); // ASCII: Labels validates names
            int n = buf.putStringWithoutLengthAscii(p + 2, name);
            buf.putShort(p, (short) n);
            p += 2 + n;
            n = Utf8.encode(buf, p + 2, labels.value(i));
            buf.putShort(p, (short) n);
            p += 2 + n;
        }
        return p - body;
    }

    public static long ref(DirectBuffer buf, int body) {
        return buf.getLong(body + REF_OFFSET);
    }

    /**
     * Decodes the labels of a body of {@code length} bytes.
     *
     * @throws IllegalArgumentException if the body is malformed or the labels are invalid
     */
    public static Labels labels(DirectBuffer buf, int body, int length) {
        int count = buf.getShort(body + LABEL_COUNT_OFFSET) & 0xFFFF;
        if (count < 1 || count > Labels.MAX_LABELS) {
            throw new IllegalArgumentException("label count " + count + " out of range");
        }
        String[] names = new String[count];
        String[] values = new String[count];
        int p = body + LABELS_OFFSET;
        int end = body + length;
        for (int i = 0; i < count; i++) {
            names[i] = getString(buf, p, end, StandardCharsets.US_ASCII);
            p += 2 + names[i].length();
            int vlen = stringLength(buf, p, end);
            values[i] = buf.getStringWithoutLengthUtf8(p + 2, vlen);
            p += 2 + vlen;
        }
        if (p != end) {
            throw new IllegalArgumentException("series record has " + (end - p) + " trailing bytes");
        }
        for (int i = 1; i < count; i++) {
            if (names[i - 1].compareTo(names[i]) >= 0) {
                throw new IllegalArgumentException("labels not in strict name order");
            }
        }
        return Labels.of(names, values);
    }

    private static int stringLength(DirectBuffer buf, int p, int end) {
        if (p + 2 > end) {
            throw new IllegalArgumentException("series record truncated at a string length");
        }
        int len = buf.getShort(p) & 0xFFFF;
        if (p + 2 + len > end) {
            throw new IllegalArgumentException("string of " + len + " bytes runs past the record");
        }
        return len;
    }

    private static String getString(DirectBuffer buf, int p, int end, java.nio.charset.Charset cs) {
        int len = stringLength(buf, p, end);
        byte[] b = new byte[len];
        buf.getBytes(p + 2, b);
        return new String(b, cs);
    }
}
