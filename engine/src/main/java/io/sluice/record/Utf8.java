package io.sluice.record;

import org.agrona.MutableDirectBuffer;

/**
 * UTF-8 length and encoding of a {@link String} straight into a buffer, without the {@code byte[]}
 * that {@link String#getBytes} allocates: a SERIES record is written for every series that
 * truncation carries into a checkpoint (each one, every second roll), and those arrays made the
 * young collections of a steady write load. The bytes are exactly those of
 * {@code s.getBytes(StandardCharsets.UTF_8)}, an unpaired surrogate included (one {@code '?'}).
 *
 * <p>Threading: static, pure.
 */
public final class Utf8 {
    private Utf8() {
    }

    /** The number of bytes {@code s} takes in UTF-8. */
    public static int encodedLength(String s) {
        int n = s.length();
        int bytes = n;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                continue;
            }
            if (c < 0x800) {
                bytes += 1;
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                bytes += 2; // four bytes for the pair's two chars
                i++;
            } else if (!Character.isSurrogate(c)) {
                bytes += 2;
            } // an unpaired surrogate is one '?'
        }
        return bytes;
    }

    /** Writes {@code s} in UTF-8 at {@code index}; returns the number of bytes written. */
    public static int encode(MutableDirectBuffer buf, int index, String s) {
        int p = index;
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                buf.putByte(p++, (byte) c);
            } else if (c < 0x800) {
                buf.putByte(p++, (byte) (0xC0 | (c >> 6)));
                buf.putByte(p++, (byte) (0x80 | (c & 0x3F)));
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                buf.putByte(p++, (byte) (0xF0 | (cp >> 18)));
                buf.putByte(p++, (byte) (0x80 | ((cp >> 12) & 0x3F)));
                buf.putByte(p++, (byte) (0x80 | ((cp >> 6) & 0x3F)));
                buf.putByte(p++, (byte) (0x80 | (cp & 0x3F)));
            } else if (Character.isSurrogate(c)) {
                buf.putByte(p++, (byte) '?');
            } else {
                buf.putByte(p++, (byte) (0xE0 | (c >> 12)));
                buf.putByte(p++, (byte) (0x80 | ((c >> 6) & 0x3F)));
                buf.putByte(p++, (byte) (0x80 | (c & 0x3F)));
            }
        }
        return p - index;
    }
}
