package io.sluice.chunk;

import org.agrona.UnsafeApi;

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
 * One open XOR chunk and its encoder, writing into memory outside the Java heap: the chunk's bytes
 * at {@code [address, address + byteLength())} are at every moment exactly the bytes Prometheus
 * 2.42's {@code XORChunk.Bytes()} would hold after the same appends, header count included (see
 * {@link XorChunkDescriptor} and docs/format/chunks.md). Values are raw IEEE-754 bits, so NaN
 * payloads (Prometheus' stale marker among them), -0.0 and infinities are kept exactly.
 *
 * <p>Subclasses own the memory: {@link #grow} must move the chunk to a region of at least the
 * requested capacity (through {@link #moveTo}). The head's series state extends this class, so a
 * series costs one Java object, whatever its samples; {@link XorAppender} is the stand-alone form.
 *
 * <p>Fields go into memory as big-endian 64-bit words stored at the end's byte, not bit by bit;
 * a sample's timestamp and value fields share one word when they fit in 64 bits. The region keeps
 * {@link #SPARE} bytes of slack so that a word never runs past it. Nothing is allocated per sample.
 *
 * <p><b>Concurrent readers.</b> {@link #append} changes only bits after the current end of the
 * stream (earlier bytes are never written again; the last partial byte is rewritten with its old
 * bits intact) and the 2-byte sample count at the front. {@link #reset()} and {@link #grow} rewrite
 * or move the chunk: a caller that lets other threads copy the bytes must guard those with its own
 * version counter and publish the sample count it wants readers to decode.
 *
 * <p>Threading: one writer thread.
 */
public abstract class XorEncoder {
    /**
     * Bytes kept free after the write position before each sample: the largest sample takes 157
     * bits (a 10-byte uvarint and a 77-bit value), and the last word written may reach 9 bytes past
     * its first byte.
     */
    public static final int SPARE = 32;
    private static final int HEADER_BITS = HEADER_LENGTH * 8;

    private long address;
    private int capacity;
    private int bitLength = HEADER_BITS;
    private int byteLength = HEADER_LENGTH;
    private int numSamples;

    private long firstTimestamp;
    private long timestamp;
    private long valueBits;
    private long timestampDelta;
    private byte leading = (byte) NO_LEADING;
    private byte trailing;
    /** The byte at {@code bitLength / 8}: the bits already written into it (0 when the end is on a byte boundary). */
    private byte tail;

    /** An encoder without memory yet: the first append calls {@link #grow}. */
    protected XorEncoder() {
    }

    /**
     * Moves the chunk to a region of at least {@code minCapacity} bytes: allocate it, copy the
     * first {@link #byteLength()} bytes from {@link #address()}, call {@link #moveTo}, then release
     * the old region (if any).
     */
    protected abstract void grow(int minCapacity);

    /** Switches to the region at {@code newAddress} of {@code newCapacity} bytes, which holds the chunk. */
    protected final void moveTo(long newAddress, int newCapacity) {
        address = newAddress;
        capacity = newCapacity;
    }

    /** Address of the chunk's first byte (0 before the first {@link #grow}). */
    public final long address() {
        return address;
    }

    /** Bytes of the region holding the chunk. */
    public final int capacity() {
        return capacity;
    }

    /**
     * Starts a new empty chunk in the same region, zeroing the bytes the previous chunk used. This
     * overwrites bytes a reader may be copying (see the class comment).
     */
    public final void reset() {
        if (address != 0) {
            UnsafeApi.setMemory(address, byteLength, (byte) 0);
        }
        bitLength = HEADER_BITS;
        byteLength = HEADER_LENGTH;
        numSamples = 0;
        firstTimestamp = 0;
        timestamp = 0;
        valueBits = 0;
        timestampDelta = 0;
        leading = (byte) NO_LEADING;
        trailing = 0;
        tail = 0;
    }

    /**
     * Appends a sample. Any timestamp order is encoded (Prometheus' head only ever appends strictly
     * increasing ones; the encoding itself handles any delta).
     *
     * @throws IllegalStateException if the chunk already holds {@link XorChunkDescriptor#MAX_SAMPLES}
     */
    public final void append(long t, long bits) {
        int n = numSamples;
        if (n == MAX_SAMPLES) {
            throw new IllegalStateException("XOR chunk is full: " + MAX_SAMPLES + " samples");
        }
        if (capacity - (bitLength >>> 3) < SPARE) {
            grow(Math.max(capacity * 2, (bitLength >>> 3) + 2 * SPARE));
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
        UnsafeApi.putByte(address, (byte) (count >>> 8));
        UnsafeApi.putByte(address + 1, (byte) count);
        numSamples = count;
    }

    /** Length of the chunk in bytes: the 2-byte header and the bit stream, padded as Prometheus pads it. */
    public final int byteLength() {
        return byteLength;
    }

    /** Bits written so far, the 16 header bits included. */
    public final int bitLength() {
        return bitLength;
    }

    /** Samples in the chunk. */
    public final int numSamples() {
        return numSamples;
    }

    /** The chunk's first timestamp (its minT); meaningful once {@link #numSamples()} is at least 1. */
    public final long firstTimestamp() {
        return firstTimestamp;
    }

    /** The last appended timestamp (the chunk's maxT); meaningful once a sample was appended. */
    public final long lastTimestamp() {
        return timestamp;
    }

    /** The last appended value's raw bits; meaningful once a sample was appended. */
    public final long lastValueBits() {
        return valueBits;
    }

    /** Copies the chunk's first {@code length} bytes to {@code dst} at {@code offset}. */
    public final void copyTo(byte[] dst, int offset, int length) {
        if (length < 0 || length > capacity || offset < 0 || offset + length > dst.length) {
            throw new IndexOutOfBoundsException("copy of " + length + " bytes of a chunk region of " + capacity
                + " into " + dst.length + " at " + offset);
        }
        UnsafeApi.copyMemory(null, address, dst, UnsafeApi.arrayBaseOffset(byte[].class) + offset, length);
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
        if (lead >= (leading & 0xFF) && trail >= trailing) {
            // '10': the XOR fits the previous window of leading and trailing zeros.
            significant = 64 - (leading & 0xFF) - trailing;
            head = 0b10L;
            headWidth = 2;
        } else {
            leading = (byte) lead;
            trailing = (byte) trail;
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
     * the field, and zeros after it, plus one spill byte when the field and the end's bit offset
     * together pass 64 bits. A plain store, not a read-modify-write: a load of the word just stored
     * would wait for the store to drain (no store-to-load forwarding across differently aligned words).
     */
    private void writeBits(long value, int n) {
        int at = bitLength;
        int index = at >>> 3;
        int shift = at & 7;
        long top = value << (64 - n);
        long word = ((long) (tail & 0xFF) << 56) | (top >>> shift);
        UnsafeApi.putLongUnaligned(null, address + index, word, true);
        int end = at + n;
        int endIndex = end >>> 3;
        if (endIndex < index + 8) {
            tail = (byte) (word >>> (56 - ((endIndex - index) << 3))); // bits past the end are 0
        } else {
            byte spill = shift + n > 64 ? (byte) (top << (8 - shift)) : 0;
            UnsafeApi.putByte(address + index + 8, spill);
            tail = spill;
        }
        bitLength = end;
    }
}
