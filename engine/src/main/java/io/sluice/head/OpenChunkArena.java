package io.sluice.head;

import org.agrona.BufferUtil;
import org.agrona.UnsafeApi;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Off-heap memory for one shard's open chunks: slots of power-of-two sizes (64 B to 8 KiB) carved
 * from 1 MiB pages, with a free list per size. A series' open chunk moves to a larger slot when it
 * grows and back to a smaller one when a cut leaves it oversized, so memory follows what the open
 * chunks hold.
 *
 * <p>Pages are never returned before {@link #close()}, and every page has {@link #MAX_SLOT} bytes of
 * slack after its last slot: a reader that copies a slot with a stale address or capacity (and then
 * discards the copy because the series' version changed) never touches unmapped memory.
 *
 * <p>Threading: allocation and release on the shard's writer only; {@link #close()} once no reader
 * is left. Readers only read memory through addresses the writer published.
 */
public final class OpenChunkArena implements AutoCloseable {
    /** Smallest slot: the 2-byte header, a first sample (up to 18 bytes) and the encoder's spare. */
    static final int MIN_SLOT = 64;
    /** Largest slot: a 240-sample chunk of the worst samples takes under 5 KiB. */
    static final int MAX_SLOT = 8192;
    private static final int CLASSES = Integer.numberOfTrailingZeros(MAX_SLOT) - Integer.numberOfTrailingZeros(MIN_SLOT) + 1;
    static final int PAGE = 1 << 20;

    private final List<ByteBuffer> pages = new ArrayList<>();
    private long pageAddress;
    private int pageUsed = PAGE;
    private final long[][] free = new long[CLASSES][];
    private final int[] freeCount = new int[CLASSES];
    private long slotBytes;
    private boolean closed;

    public OpenChunkArena() {
        for (int c = 0; c < CLASSES; c++) {
            free[c] = new long[64];
        }
    }

    /** The slot size that holds {@code bytes}: a power of two from {@link #MIN_SLOT} to {@link #MAX_SLOT}. */
    static int slotSize(int bytes) {
        if (bytes > MAX_SLOT) {
            throw new IllegalArgumentException("an open chunk of " + bytes + " bytes exceeds the largest slot, "
                + MAX_SLOT);
        }
        return Math.max(MIN_SLOT, Integer.highestOneBit(Math.max(1, bytes - 1)) << 1);
    }

    private static int sizeClass(int slotSize) {
        return Integer.numberOfTrailingZeros(slotSize) - Integer.numberOfTrailingZeros(MIN_SLOT);
    }

    /** A zeroed slot of {@code size} bytes (a {@link #slotSize}); its address. Writer only. */
    long allocate(int size) {
        int c = sizeClass(size);
        long address;
        if (freeCount[c] > 0) {
            address = free[c][--freeCount[c]];
        } else {
            if (pageUsed + size > PAGE) {
                ByteBuffer page = ByteBuffer.allocateDirect(PAGE + MAX_SLOT); // slack: see the class comment
                pages.add(page);
                pageAddress = BufferUtil.address(page);
                pageUsed = 0;
            }
            address = pageAddress + pageUsed;
            pageUsed += size;
        }
        UnsafeApi.setMemory(address, size, (byte) 0);
        slotBytes += size;
        return address;
    }

    /** Returns a slot; its memory may be handed out again at once. Writer only. */
    void release(long address, int size) {
        int c = sizeClass(size);
        if (freeCount[c] == free[c].length) {
            free[c] = java.util.Arrays.copyOf(free[c], free[c].length * 2);
        }
        free[c][freeCount[c]++] = address;
        slotBytes -= size;
    }

    /** Bytes of slots in use (the open chunks' reserved memory). */
    public long slotBytes() {
        return slotBytes;
    }

    /** Bytes of off-heap pages allocated. */
    public long reservedBytes() {
        return (long) pages.size() * (PAGE + MAX_SLOT);
    }

    /** Drops every page (their memory is freed with the buffers). Call once no reader can be inside. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            pages.clear();
        }
    }
}
