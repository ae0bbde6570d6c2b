package io.sluice.block;

import org.agrona.DirectBuffer;

import java.nio.ByteOrder;

/**
 * A chunk read in place: its encoding and a view of its data inside the mapped segment file, which
 * begins with the big-endian uint16 sample count for every encoding. Decode it with the chunk
 * package's iterator over {@link #buffer()} from {@link #offset()}. A reusable flyweight:
 * {@link BlockReader#chunk(long, ChunkView)} points it at another chunk without allocating.
 *
 * <p>The view is valid until its {@link BlockReader} is closed; copy the bytes ({@link #bytes()})
 * to keep them longer.
 *
 * <p>Threading: owned by one thread at a time.
 */
public final class ChunkView {
    private long ref;
    private byte encoding;
    private DirectBuffer buffer;
    private int offset;
    private int length;

    /** An empty view, to be filled by {@link BlockReader#chunk(long, ChunkView)}. */
    public ChunkView() {
    }

    void set(long ref, byte encoding, DirectBuffer buffer, int offset, int length) {
        this.ref = ref;
        this.encoding = encoding;
        this.buffer = buffer;
        this.offset = offset;
        this.length = length;
    }

    /** The chunk's reference. */
    public long ref() {
        return ref;
    }

    /** The encoding byte (1 = XOR, 2 = histogram, 3 = float histogram). */
    public byte encoding() {
        return encoding;
    }

    /** The mapped segment file (read-only); the data is at {@link #offset()} for {@link #length()} bytes. */
    public DirectBuffer buffer() {
        return buffer;
    }

    /** Offset of the chunk's data in {@link #buffer()}. */
    public int offset() {
        return offset;
    }

    /** Length of the chunk's data in bytes. */
    public int length() {
        return length;
    }

    /** The sample count from the data's first two bytes. */
    public int sampleCount() {
        return buffer.getShort(offset, ByteOrder.BIG_ENDIAN) & 0xFFFF;
    }

    /** A copy of the data. */
    public byte[] bytes() {
        byte[] b = new byte[length];
        buffer.getBytes(offset, b);
        return b;
    }
}
