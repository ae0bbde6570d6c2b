package io.sluice.chunk;

import java.util.Arrays;

/**
 * A deliberately slow model of Prometheus 2.42's XOR appender for tests: it writes one bit or one
 * byte at a time and keeps bstream's own bookkeeping (the number of free bits in the last byte, a
 * new byte appended whenever a write finds none free and after every whole byte), so it reproduces
 * the stream's length, trailing empty byte included, by construction rather than by formula.
 * {@link XorAppender} must agree with it on any input.
 */
final class BitByBitXorModel {
    private byte[] stream = new byte[64];
    private int length = 2;
    private int free;

    private int count;
    private long t;
    private long bits;
    private long delta;
    private int leading = 0xFF;
    private int trailing;

    void append(long timestamp, long valueBits) {
        if (count == 0) {
            uvarint((timestamp << 1) ^ (timestamp >> 63));
            write(valueBits, 64);
        } else if (count == 1) {
            delta = timestamp - t;
            uvarint(delta);
            value(valueBits);
        } else {
            long d = timestamp - t;
            long dod = d - delta;
            if (dod == 0) {
                bit(false);
            } else if (dod >= -8191 && dod <= 8192) {
                write(0b10, 2);
                write(dod, 14);
            } else if (dod >= -65535 && dod <= 65536) {
                write(0b110, 3);
                write(dod, 17);
            } else if (dod >= -524287 && dod <= 524288) {
                write(0b1110, 4);
                write(dod, 20);
            } else {
                write(0b1111, 4);
                write(dod, 64);
            }
            value(valueBits);
            delta = d;
        }
        t = timestamp;
        bits = valueBits;
        count++;
        stream[0] = (byte) (count >>> 8);
        stream[1] = (byte) count;
    }

    byte[] bytes() {
        return Arrays.copyOf(stream, length);
    }

    private void value(long v) {
        long xor = v ^ bits;
        if (xor == 0) {
            bit(false);
            return;
        }
        bit(true);
        int lead = Math.min(31, Long.numberOfLeadingZeros(xor));
        int trail = Long.numberOfTrailingZeros(xor);
        if (leading != 0xFF && lead >= leading && trail >= trailing) {
            bit(false);
            write(xor >>> trailing, 64 - leading - trailing);
            return;
        }
        leading = lead;
        trailing = trail;
        bit(true);
        write(lead, 5);
        int significant = 64 - lead - trail;
        write(significant, 6); // 64 does not fit: its low 6 bits, 0, are written
        write(xor >>> trail, significant);
    }

    private void uvarint(long v) {
        while ((v & ~0x7FL) != 0) {
            wholeByte((int) (v & 0x7F) | 0x80);
            v >>>= 7;
        }
        wholeByte((int) v);
    }

    /** The low {@code n} bits of {@code v}, most significant first: whole bytes, then single bits. */
    private void write(long v, int n) {
        long rest = v << (64 - n);
        int left = n;
        for (; left >= 8; left -= 8) {
            wholeByte((int) (rest >>> 56));
            rest <<= 8;
        }
        for (; left > 0; left--) {
            bit(rest < 0);
            rest <<= 1;
        }
    }

    private void bit(boolean one) {
        if (free == 0) {
            appendByte();
            free = 8;
        }
        if (one) {
            stream[length - 1] |= (byte) (1 << (free - 1));
        }
        free--;
    }

    private void wholeByte(int b) {
        if (free == 0) {
            appendByte();
            free = 8;
        }
        stream[length - 1] |= (byte) ((b & 0xFF) >>> (8 - free));
        appendByte();
        stream[length - 1] = (byte) (b << free);
    }

    private void appendByte() {
        if (length == stream.length) {
            stream = Arrays.copyOf(stream, length * 2);
        }
        stream[length++] = 0;
    }
}
