package io.sluice.block;

import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A bounds-checked reading position in a mapped file, with Go's encodings: big-endian fixed-width
 * integers and {@code encoding/binary} varints. Every read past the limit, and every malformed
 * varint, is a {@link BlockCorruptionException} at the offending offset, never an
 * {@link IndexOutOfBoundsException}.
 *
 * <p>Threading: one thread (cheap to create per read).
 */
final class Cursor {
    private final Path file;
    private final UnsafeBuffer b;
    private int pos;
    private int limit;

    Cursor(ReadOnlyMapping m, int pos, int limit) {
        this.file = m.path();
        this.b = m.buffer();
        this.pos = pos;
        this.limit = limit;
    }

    int position() {
        return pos;
    }

    int limit() {
        return limit;
    }

    int remaining() {
        return limit - pos;
    }

    void position(int pos) {
        this.pos = pos;
    }

    void limit(int limit) {
        this.limit = limit;
    }

    private void need(int n, String what) throws BlockCorruptionException {
        if (n > limit - pos) {
            throw corrupt("truncated " + what + ": needs " + n + " bytes, only " + Math.max(0, limit - pos)
                + " remain before offset " + limit);
        }
    }

    int u8(String what) throws BlockCorruptionException {
        need(1, what);
        return b.getByte(pos++) & 0xFF;
    }

    int be32(String what) throws BlockCorruptionException {
        need(4, what);
        int v = b.getInt(pos, ByteOrder.BIG_ENDIAN);
        pos += 4;
        return v;
    }

    long be64(String what) throws BlockCorruptionException {
        need(8, what);
        long v = b.getLong(pos, ByteOrder.BIG_ENDIAN);
        pos += 8;
        return v;
    }

    void skip(int n, String what) throws BlockCorruptionException {
        need(n, what);
        pos += n;
    }

    /** Go's {@code binary.Uvarint}: at most 10 bytes, and the 10th at most 1. */
    long uvarint(String what) throws BlockCorruptionException {
        return uvarint(what, 10);
    }

    /** A uvarint of at most {@code maxBytes} bytes. */
    long uvarint(String what, int maxBytes) throws BlockCorruptionException {
        int start = pos;
        long x = 0;
        int shift = 0;
        for (int i = 0; ; i++) {
            if (pos >= limit) {
                pos = start;
                throw corrupt("truncated varint (" + what + ")");
            }
            if (i == maxBytes) {
                pos = start;
                throw corrupt("varint longer than " + maxBytes + " bytes (" + what + ")");
            }
            int c = b.getByte(pos++) & 0xFF;
            if (c < 0x80) {
                if (i == 9 && c > 1) {
                    pos = start;
                    throw corrupt("varint overflows 64 bits (" + what + ")");
                }
                return x | (long) c << shift;
            }
            x |= (long) (c & 0x7F) << shift;
            shift += 7;
        }
    }

    /** Go's {@code binary.Varint}: zig-zag over a uvarint. */
    long varint(String what) throws BlockCorruptionException {
        long ux = uvarint(what);
        return ux >>> 1 ^ -(ux & 1);
    }

    /** A uvarint that must be a non-negative int no larger than {@code max}. */
    int uvarintInt(String what, long max) throws BlockCorruptionException {
        int start = pos;
        long v = uvarint(what);
        if (v < 0 || v > max) {
            pos = start;
            throw corrupt(what + " is " + Long.toUnsignedString(v) + ", more than " + max);
        }
        return (int) v;
    }

    /** Reads a uvarint length and skips that many bytes; returns the offset of the first of them. */
    int uvarintBytes(String what) throws BlockCorruptionException {
        int len = uvarintInt(what + " length", Integer.MAX_VALUE);
        need(len, what);
        int at = pos;
        pos += len;
        return at;
    }

    /** A strictly checked UTF-8 string of {@code length} bytes at {@code offset}. */
    String utf8(int offset, int length, String what) throws BlockCorruptionException {
        byte[] bytes = new byte[length];
        b.getBytes(offset, bytes);
        int bad = Utf8.firstInvalid(bytes);
        if (bad >= 0) {
            throw new BlockCorruptionException(file, offset + bad, what + " is not valid UTF-8");
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** A uvarint length and that many bytes of UTF-8. */
    String uvarintString(String what) throws BlockCorruptionException {
        int at = uvarintBytes(what);
        return utf8(at, pos - at, what);
    }

    BlockCorruptionException corrupt(String reason) {
        return new BlockCorruptionException(file, pos, reason);
    }

    BlockCorruptionException corruptAt(long offset, String reason) {
        return new BlockCorruptionException(file, offset, reason);
    }
}
