package io.sluice.chunk;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

import static io.sluice.chunk.XorChunkDescriptor.DOD14_MAX;
import static io.sluice.chunk.XorChunkDescriptor.DOD14_MIN;
import static io.sluice.chunk.XorChunkDescriptor.DOD17_MAX;
import static io.sluice.chunk.XorChunkDescriptor.DOD17_MIN;
import static io.sluice.chunk.XorChunkDescriptor.DOD20_MAX;
import static io.sluice.chunk.XorChunkDescriptor.DOD20_MIN;
import static io.sluice.chunk.XorChunkDescriptor.HEADER_LENGTH;
import static io.sluice.chunk.XorChunkDescriptor.MAX_LEADING;
import static io.sluice.chunk.XorChunkDescriptor.MAX_SAMPLES;
import static io.sluice.chunk.XorChunkDescriptor.NO_LEADING;

/**
 * One open XOR chunk and its encoder: {@code bytes()[0 .. byteLength())} are at every moment exactly
 * the bytes Prometheus 2.42's {@code XORChunk.Bytes()} would hold after the same appends, header
 * count included (see {@link XorChunkDescriptor} and docs/format/chunks.md). Values are raw IEEE-754
 * bits, so NaN payloads (Prometheus' stale marker among them), -0.0 and infinities are kept exactly.
 *
 * <p>Fields go into the array as big-endian 64-bit words stored at the end's byte, not bit by bit;
 * a sample's timestamp and value fields share one word when they fit in 64 bits. The array keeps
 * spare capacity so that a word never runs past it. Nothing is allocated per sample: the array
 * doubles when it runs short (amortised), and {@link #reset()} reuses it.
 *
 * <p><b>Concurrent readers.</b> The writer guarantees, and a reader thread may rely on, this:
 * <ul>
 *   <li>{@link #append} changes only bits after the current end of the stream: bytes before
 *       {@code bitLength() / 8} are never written again, the last partial byte only gains bits (it
 *       is rewritten with its old bits intact), and later bytes go from zero to their value.
 *       The one exception is the 2-byte sample count at the front, which is rewritten after the
 *       sample's bits.</li>
 *   <li>When the array must grow, the writer copies it into a new array and continues there; it
 *       never writes the old array again. So a reader that got the old array keeps a valid prefix.</li>
 *   <li>{@link #reset()} does overwrite the array in place (it zeroes what was used). A caller that
 *       lets readers copy across a reset must detect it with its own version counter.</li>
 * </ul>
 * {@link #numSamples()}, {@link #bytes()} and the other accessors are plain reads: the caller
 * publishes the sample count with a release store after {@code append} returns, and a reader
 * acquires that count first, then reads {@code bytes()} and decodes that many samples with
 * {@link XorIterator} (an explicit count, since the header may already be ahead of it).
 *
 * <p>Threading: one writer thread; see above for readers.
 */
public final class XorAppender {
    private static final VarHandle BIG_ENDIAN_LONG =
        MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    /**
     * Bytes kept free after the write position before each sample: the largest sample takes 157
     * bits (a 10-byte uvarint and a 77-bit value), and the last word written may reach 9 bytes past
     * its first byte.
     */
    private static final int SPARE = 32;
    private static final int HEADER_BITS = HEADER_LENGTH * 8;

    private byte[] bytes;
    private int bitLength = HEADER_BITS;
    private int byteLength = HEADER_LENGTH;
    private int numSamples;

    private long firstTimestamp;
    private long timestamp;
    private long valueBits;
    private long timestampDelta;
    private int leading = NO_LEADING;
    private int trailing;
    /** The byte at {@code bitLength / 8}: the bits already written into it (0 when the end is on a byte boundary). */
    private int tail;

    /** An empty chunk (two zero header bytes) in an array of at least {@code initialCapacity} bytes. */
    public XorAppender(int initialCapacity) {
        if (initialCapacity < 0) {
            throw new IllegalArgumentException("initialCapacity must be >= 0: " + initialCapacity);
        }
        bytes = new byte[Math.max(initialCapacity, HEADER_LENGTH + SPARE)];
    }

    /**
     * Starts a new empty chunk in the same array, zeroing only the bytes the previous chunk used.
     * This overwrites bytes a reader may be copying (see the class comment).
     */
    public void reset() {
        Arrays.fill(bytes, 0, byteLength, (byte) 0);
        bitLength = HEADER_BITS;
        byteLength = HEADER_LENGTH;
        numSamples = 0;
        firstTimestamp = 0;
        timestamp = 0;
        valueBits = 0;
        timestampDelta = 0;
        leading = NO_LEADING;
        trailing = 0;
        tail = 0;
    }

    /**
     * Appends a sample. Any timestamp order is encoded (Prometheus' head only ever appends strictly
     * increasing ones; the encoding itself handles any delta).
     *
     * @throws IllegalStateException if the chunk already holds {@link XorChunkDescriptor#MAX_SAMPLES}
     */
    public void append(long t, long bits) {
        int n = numSamples;
        if (n == MAX_SAMPLES) {
            throw new IllegalStateException("XOR chunk is full: " + MAX_SAMPLES + " samples");
        }
        if (bytes.length - (bitLength >>> 3) < SPARE) {
            grow();
        }
        boolean endsWithWholeBytes;
        if (n >= 2) {
            long delta = t - timestamp;
            long dod = delta - timestampDelta;
            long dodField;
            int dodWidth;
            if (dod == 0) {
                dodField = 0;
                dodWidth = 1;
            } else if (dod >= DOD14_MIN && dod <= DOD14_MAX) {
                dodField = (0b10L << 14) | (dod & 0x3FFFL);
                dodWidth = 16;
            } else if (dod >= DOD17_MIN && dod <= DOD17_MAX) {
                dodField = (0b110L << 17) | (dod & 0x1FFFFL);
                dodWidth = 20;
            } else if (dod >= DOD20_MIN && dod <= DOD20_MAX) {
                dodField = (0b1110L << 20) | (dod & 0xFFFFFL);
                dodWidth = 24;
            } else {
                writeBits(0b1111L, 4);
                dodField = dod;
                dodWidth = 64;
            }
            endsWithWholeBytes = writeValue(dodField, dodWidth, bits);
            timestampDelta = delta;
        } else if (n == 0) {
            writeUvarint((t << 1) ^ (t >> 63));
            writeBits(bits, 64);
            endsWithWholeBytes = true;
            firstTimestamp = t;
        } else {
            long delta = t - timestamp;
            writeUvarint(delta);
            endsWithWholeBytes = writeValue(0, 0, bits);
            timestampDelta = delta;
        }
        // Prometheus' bstream appends a fresh byte after every whole byte it writes, so a sample
        // whose last field is a multiple of 8 bits leaves one empty byte at the end of the chunk.
        byteLength = endsWithWholeBytes ? (bitLength >>> 3) + 1 : (bitLength + 7) >>> 3;
        timestamp = t;
        valueBits = bits;
        int count = n + 1;
        bytes[0] = (byte) (count >>> 8);
        bytes[1] = (byte) count;
        numSamples = count;
    }

    /**
     * The array holding the chunk; only {@code [0, byteLength())} is the chunk. It is replaced by a
     * larger one when the chunk grows: fetch it again after appending.
     */
    public byte[] bytes() {
        return bytes;
    }

    /** Length of the chunk in bytes: the 2-byte header and the bit stream, padded as Prometheus pads it. */
    public int byteLength() {
        return byteLength;
    }

    /** Bits written so far, the 16 header bits included. */
    public int bitLength() {
        return bitLength;
    }

    public int numSamples() {
        return numSamples;
    }

    /** The chunk's first timestamp (its minT); meaningful once {@link #numSamples()} is at least 1. */
    public long firstTimestamp() {
        return firstTimestamp;
    }

    /** The last appended timestamp (the chunk's maxT); meaningful once a sample was appended. */
    public long lastTimestamp() {
        return timestamp;
    }

    /** The last appended value's raw bits; meaningful once a sample was appended. */
    public long lastValueBits() {
        return valueBits;
    }

    private void grow() {
        // Copy, then switch: a reader holding the old array keeps a valid prefix.
        byte[] larger = new byte[Math.max(bytes.length * 2, (bitLength >>> 3) + 2 * SPARE)];
        System.arraycopy(bytes, 0, larger, 0, byteLength);
        bytes = larger;
    }

    /**
     * Writes the field {@code prefix} ({@code prefixWidth} bits, 0..64: the timestamp's, if any) and
     * then the value's XOR field, in one word when they fit together; returns whether the value's
     * last field (as Prometheus writes it) was a whole number of bytes.
     */
    private boolean writeValue(long prefix, int prefixWidth, long bits) {
        long xor = bits ^ valueBits;
        if (xor == 0) {
            writeTwo(prefix, prefixWidth, 0, 1);
            return false;
        }
        int lead = Math.min(Long.numberOfLeadingZeros(xor), MAX_LEADING);
        int trail = Long.numberOfTrailingZeros(xor);
        int significant;
        long head;
        int headWidth;
        // No window yet (leading == NO_LEADING, 0xFF) needs no test of its own: lead is at most 31.
        if (lead >= leading && trail >= trailing) {
            // '10': the XOR fits the previous window of leading and trailing zeros.
            significant = 64 - leading - trailing;
            head = 0b10L;
            headWidth = 2;
        } else {
            leading = lead;
            trailing = trail;
            significant = 64 - lead - trail;
            // '11', 5 bits of leading zeros, 6 bits of significant bits (64 is written as 0).
            head = (0b11L << 11) | ((long) lead << 6) | (significant & 63);
            headWidth = 13;
        }
        long field = xor >>> trailing;
        if (headWidth + significant <= 64) {
            writeTwo(prefix, prefixWidth, (head << significant) | field, headWidth + significant);
        } else {
            writeTwo(prefix, prefixWidth, head, headWidth);
            writeBits(field, significant);
        }
        return (significant & 7) == 0;
    }

    /** Writes {@code a} ({@code na} bits, 0..64) then {@code b} ({@code nb} bits, 1..64): one word when they fit. */
    private void writeTwo(long a, int na, long b, int nb) {
        if (na + nb <= 64) {
            writeBits(na == 0 ? b : (a << nb) | b, na + nb);
        } else {
            writeBits(a, na);
            writeBits(b, nb);
        }
    }

    /** Byte-aligned unsigned LEB128, as Go's {@code binary.PutUvarint}; at most 10 bytes. */
    private void writeUvarint(long v) {
        long rest = v;
        while ((rest & ~0x7FL) != 0) {
            writeBits((rest & 0x7F) | 0x80, 8);
            rest >>>= 7;
        }
        writeBits(rest, 8);
    }

    /**
     * Writes the low {@code n} bits of {@code value} (1..64, higher bits zero) after the current end:
     * one big-endian word stored at the end's byte, holding that byte's earlier bits ({@code tail}),
     * the field, and zeros after it (bytes past the end are zero anyway), plus one spill byte when the
     * field and the end's bit offset together pass 64 bits. A plain store, not a read-modify-write: a
     * load of the word just stored would wait for the store to drain (no store-to-load forwarding
     * across differently aligned words).
     */
    private void writeBits(long value, int n) {
        int at = bitLength;
        int index = at >>> 3;
        int shift = at & 7;
        long top = value << (64 - n);
        long word = ((long) tail << 56) | (top >>> shift);
        BIG_ENDIAN_LONG.set(bytes, index, word);
        int end = at + n;
        int endIndex = end >>> 3;
        if (endIndex < index + 8) {
            tail = (int) (word >>> (56 - ((endIndex - index) << 3))) & 0xFF; // bits past the end are 0
        } else {
            int spill = shift + n > 64 ? (int) (top << (8 - shift)) & 0xFF : 0;
            bytes[index + 8] = (byte) spill;
            tail = spill;
        }
        bitLength = end;
    }
}
