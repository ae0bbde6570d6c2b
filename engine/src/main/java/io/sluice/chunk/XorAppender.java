package io.sluice.chunk;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A stand-alone {@link XorEncoder}: one open XOR chunk in a direct buffer this object owns (freed
 * with it by the garbage collector). For tests, tools and blocks built outside the head; the head's
 * series extend {@link XorEncoder} themselves.
 *
 * <p>Threading: one thread.
 */
public final class XorAppender extends XorEncoder {
    private ByteBuffer buffer;

    /** An empty chunk in a region of at least {@code initialCapacity} bytes. */
    public XorAppender(int initialCapacity) {
        if (initialCapacity < 0) {
            throw new IllegalArgumentException("initialCapacity must be >= 0: " + initialCapacity);
        }
        grow(Math.max(initialCapacity, XorChunkDescriptor.HEADER_LENGTH + SPARE));
    }

    @Override
    protected void grow(int minCapacity) {
        ByteBuffer larger = ByteBuffer.allocateDirect(minCapacity);
        long to = org.agrona.BufferUtil.address(larger);
        if (address() != 0) {
            org.agrona.UnsafeApi.copyMemory(address(), to, byteLength());
        }
        buffer = larger;
        moveTo(to, minCapacity);
    }

    /** A copy of the chunk's bytes: exactly {@link #byteLength()} long. */
    public byte[] bytes() {
        byte[] out = new byte[byteLength()];
        copyTo(out, 0, out.length);
        return out;
    }

    /** A copy of the chunk's region, {@link #capacity()} bytes (past {@link #byteLength()}: zeros or stale bytes). */
    public byte[] region() {
        byte[] out = new byte[capacity()];
        copyTo(out, 0, out.length);
        return out;
    }

    @Override
    public String toString() {
        return "XorAppender[" + numSamples() + " samples, " + byteLength() + " bytes, "
            + Arrays.toString(bytes()) + "]";
    }
}
