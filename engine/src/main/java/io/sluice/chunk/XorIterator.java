package io.sluice.chunk;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

import static io.sluice.chunk.XorChunkDescriptor.HEADER_LENGTH;
import static io.sluice.chunk.XorChunkDescriptor.MAX_SAMPLES;

/**
 * Decodes an XOR chunk (docs/format/chunks.md) from a {@code byte[]} or from an Agrona
 * {@link DirectBuffer}, which may wrap off-heap or memory-mapped bytes. Reusable: {@code reset}
 * points it at another chunk, and neither {@code reset} nor {@link #next()} allocates.
 *
 * <p>The number of samples to decode is the chunk's header, or an explicit count given to
 * {@code reset}: a reader of a chunk that is still being appended passes the count the writer
 * published, which the header may already have passed (see {@link XorAppender}). Bits are read as
 * big-endian 64-bit words, never past {@code offset + length}.
 *
 * <p>Bad input never escapes as anything but {@link ChunkFormatException} (a field running past
 * {@code length}, a varint over 64 bits, a leading-zero count plus significant bits over 64), thrown
 * by {@code reset} (a chunk shorter than its header) or {@code next}; after one, {@code next} returns
 * false until the next {@code reset}. Every sample consumes at least two bits and the count is at most
 * 65,535, so decoding always ends. Prometheus' own decoder accepts a value window wider than 64 bits
 * and silently yields an unchanged value; this one rejects it, since no encoder writes it.
 *
 * <p>Threading: one thread at a time.
 */
public final class XorIterator {
    /** Bit positions are ints: a chunk longer than this is refused (real chunks are a few hundred bytes). */
    public static final int MAX_LENGTH = Integer.MAX_VALUE >>> 3;

    private final UnsafeBuffer heapView = new UnsafeBuffer(new byte[0]);
    private DirectBuffer buffer = heapView;
    private int offset;
    private int length;
    private int limitBits;
    private int position;

    private int total;
    private int read;
    private long timestamp;
    private long timestampDelta;
    private long valueBits;
    private int leading;
    private int trailing;

    /** Decodes the chunk in {@code chunk[offset .. offset + length)}, as many samples as its header says. */
    public void reset(byte[] chunk, int offset, int length) {
        checkBounds(chunk.length, offset, length);
        heapView.wrap(chunk);
        start(heapView, offset, length, -1);
    }

    /** Decodes the first {@code numSamples} samples of the chunk in {@code chunk[offset .. offset + length)}. */
    public void reset(byte[] chunk, int offset, int length, int numSamples) {
        checkCount(numSamples);
        checkBounds(chunk.length, offset, length);
        heapView.wrap(chunk);
        start(heapView, offset, length, numSamples);
    }

    /** Decodes the chunk in {@code chunk[offset .. offset + length)}, as many samples as its header says. */
    public void reset(DirectBuffer chunk, int offset, int length) {
        checkBounds(chunk.capacity(), offset, length);
        start(chunk, offset, length, -1);
    }

    /** Decodes the first {@code numSamples} samples of the chunk in {@code chunk[offset .. offset + length)}. */
    public void reset(DirectBuffer chunk, int offset, int length, int numSamples) {
        checkCount(numSamples);
        checkBounds(chunk.capacity(), offset, length);
        start(chunk, offset, length, numSamples);
    }

    /** The number of samples this pass decodes: the header's, or the explicit count. */
    public int numSamples() {
        return total;
    }

    /**
     * Decodes the next sample.
     *
     * @return false when all samples were read
     * @throws ChunkFormatException if the chunk is malformed or shorter than its samples need
     */
    public boolean next() {
        int i = read;
        if (i >= total) {
            return false;
        }
        if (i >= 2) {
            readDeltaOfDeltaAndValue();
        } else if (i == 0) {
            long zigZag = readUvarint("first timestamp");
            timestamp = (zigZag >>> 1) ^ -(zigZag & 1);
            valueBits = readBits(64, "first value");
        } else {
            timestampDelta = readUvarint("second timestamp's delta");
            timestamp += timestampDelta;
            readValue(position, 0, 0);
        }
        read = i + 1;
        return true;
    }

    public long timestamp() {
        return timestamp;
    }

    /** The value's raw IEEE-754 bits, exactly as stored (NaN payloads included). */
    public long valueBits() {
        return valueBits;
    }

    public double value() {
        return Double.longBitsToDouble(valueBits);
    }

    private void start(DirectBuffer chunk, int chunkOffset, int chunkLength, int count) {
        if (chunkLength > MAX_LENGTH) {
            throw new IllegalArgumentException("chunk longer than " + MAX_LENGTH + " bytes: " + chunkLength);
        }
        buffer = chunk;
        offset = chunkOffset;
        length = chunkLength;
        limitBits = chunkLength << 3;
        position = HEADER_LENGTH * 8;
        read = 0;
        timestamp = 0;
        timestampDelta = 0;
        valueBits = 0;
        // Not XorAppender's "none yet" marker: Prometheus' iterator starts from 0/0, so a '10' window
        // before any '11' (which a resumed Prometheus appender can write) means all 64 bits.
        leading = 0;
        trailing = 0;
        if (chunkLength < HEADER_LENGTH) {
            total = 0;
            throw new ChunkFormatException(0, "chunk of " + chunkLength + " bytes is shorter than its 2-byte header");
        }
        total = count >= 0 ? count : ((chunk.getByte(chunkOffset) & 0xFF) << 8) | (chunk.getByte(chunkOffset + 1) & 0xFF);
    }

    /**
     * A sample after the second: its delta of delta, then its value, both from one window when they
     * fit in it (they usually do: a 1- to 24-bit dod leaves at least 33 bits).
     */
    private void readDeltaOfDeltaAndValue() {
        int at = position;
        long window = window(at);
        int ones = Long.numberOfLeadingZeros(~window);
        long dod;
        int used;
        if (ones == 0) {
            dod = 0;
            used = 1;
        } else if (ones == 1) {
            dod = signed((window << 2) >>> 50, 14);
            used = 16;
        } else if (ones == 2) {
            dod = signed((window << 3) >>> 47, 17);
            used = 20;
        } else if (ones == 3) {
            dod = signed((window << 4) >>> 44, 20);
            used = 24;
        } else {
            if (limitBits - at < 4) {
                throw truncated(at, "timestamp's delta of delta");
            }
            position = at + 4;
            dod = readBits(64, "timestamp's 64-bit delta of delta");
            timestampDelta += dod;
            timestamp += timestampDelta;
            readValue(position, 0, 0);
            return;
        }
        if (used > limitBits - at) {
            throw truncated(at, "timestamp's delta of delta");
        }
        timestampDelta += dod;
        timestamp += timestampDelta;
        readValue(at + used, window << used, 64 - (at & 7) - used);
    }

    /** A bucket's {@code bits}-wide field as Prometheus reads it: values above 2^(bits-1) are negative. */
    private static long signed(long field, int bits) {
        return field > (1L << (bits - 1)) ? field - (1L << bits) : field;
    }

    /**
     * A value XOR at bit {@code at}. {@code window} holds the bits from {@code at} on, of which the
     * first {@code valid} are the chunk's; with fewer than 13 (the longest control) it is reloaded.
     */
    private void readValue(int at, long window, int valid) {
        long w = window;
        int v = valid;
        if (v < 13) {
            w = window(at);
            v = 64 - (at & 7);
        }
        if (w >= 0) {
            // '0': the value repeats.
            if (limitBits - at < 1) {
                throw truncated(at, "value");
            }
            position = at + 1;
            return;
        }
        int control;
        int significant;
        if ((w << 1) >= 0) {
            // '10': the previous window of leading and trailing zeros.
            control = 2;
            significant = 64 - leading - trailing;
        } else {
            // '11': a new window.
            int lead = (int) ((w << 2) >>> 59);
            int sig = (int) ((w << 7) >>> 58);
            significant = sig == 0 ? 64 : sig;
            if (lead + significant > 64) {
                throw malformed(at, "value window of " + lead + " leading zeros and " + significant
                    + " significant bits exceeds 64 bits");
            }
            leading = lead;
            trailing = 64 - lead - significant;
            control = 13;
        }
        long xor;
        if (control + significant <= v) {
            if (control + significant > limitBits - at) {
                throw truncated(at, "value");
            }
            xor = (w << control) >>> (64 - significant);
            position = at + control + significant;
        } else {
            if (control > limitBits - at) {
                throw truncated(at, "value");
            }
            position = at + control;
            xor = readBits(significant, "value");
        }
        valueBits ^= xor << trailing;
    }

    /** Unsigned LEB128 at a byte boundary, with Go's {@code binary.ReadUvarint} overflow rule. */
    private long readUvarint(String what) {
        int at = position;
        int index = at >>> 3;
        long value = 0;
        for (int i = 0; i < 10; i++) {
            if (index + i >= length) {
                throw truncated(at, what);
            }
            int b = buffer.getByte(offset + index + i) & 0xFF;
            if (b < 0x80) {
                if (i == 9 && b > 1) {
                    break;
                }
                position = (index + i + 1) << 3;
                return value | ((long) b << (7 * i));
            }
            value |= (long) (b & 0x7F) << (7 * i);
        }
        throw malformed(at, what + ": varint overflows 64 bits");
    }

    /** Reads {@code n} bits (1..64) as an unsigned number. */
    private long readBits(int n, String what) {
        int at = position;
        if (n > limitBits - at) {
            throw truncated(at, what);
        }
        long value;
        if (n <= 57) {
            value = window(at) >>> (64 - n);
        } else {
            int high = n - 32;
            value = (window(at) >>> (64 - high)) << 32 | window(at + high) >>> 32;
        }
        position = at + n;
        return value;
    }

    /**
     * The 64 bits from bit {@code at} on, of which at least 57 are the chunk's (the rest of the word
     * is shifted in as zeros), with zeros past the end of the chunk.
     */
    private long window(int at) {
        int index = at >>> 3;
        long word;
        if (index + 8 <= length) {
            word = buffer.getLong(offset + index, ByteOrder.BIG_ENDIAN);
        } else if (index < length && length >= 8) {
            // The chunk's last 8 bytes, shifted so that byte `index` comes first and zeros follow the end.
            word = buffer.getLong(offset + length - 8, ByteOrder.BIG_ENDIAN) << ((index + 8 - length) << 3);
        } else {
            word = 0;
            for (int i = index; i < length; i++) {
                word |= (buffer.getByte(offset + i) & 0xFFL) << ((7 - (i - index)) << 3);
            }
        }
        return word << (at & 7);
    }

    private ChunkFormatException truncated(int at, String what) {
        return malformed(at, what + " runs past the end of the " + length + "-byte chunk");
    }

    /** Ends this pass ({@code next} returns false from now on) and describes the bad field at bit {@code at}. */
    private ChunkFormatException malformed(int at, String reason) {
        total = read;
        return new ChunkFormatException(at >>> 3, reason);
    }

    private static void checkCount(int numSamples) {
        if (numSamples < 0 || numSamples > MAX_SAMPLES) {
            throw new IllegalArgumentException("numSamples must be 0.." + MAX_SAMPLES + ": " + numSamples);
        }
    }

    private static void checkBounds(int capacity, int offset, int length) {
        if (offset < 0 || length < 0 || (long) offset + length > capacity) {
            throw new IllegalArgumentException("chunk [" + offset + ", " + offset + " + " + length
                + ") is outside the buffer's " + capacity + " bytes");
        }
    }
}
