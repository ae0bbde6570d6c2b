package io.sluice.block;

import io.sluice.engine.Labels;

/**
 * One series of a block's index: its id (its offset in the index divided by 16), its labels, and
 * the metadata of its chunks in time order: each chunk's first and last sample time and its
 * reference into the chunk segments ({@link BlockReader#chunk(long)}).
 *
 * <p>Threading: immutable.
 */
public final class BlockSeries {
    static final long[] NO_CHUNKS = new long[0];

    private final int id;
    private final Labels labels;
    /** {@code minT, maxT, ref} per chunk. */
    private final long[] chunks;

    BlockSeries(int id, Labels labels, long[] chunks) {
        this.id = id;
        this.labels = labels;
        this.chunks = chunks;
    }

    /** The series id: its offset in the index divided by 16, an unsigned int. */
    public int id() {
        return id;
    }

    /** The series' labels; null if it was read with {@link BlockReader#chunkMetas}. */
    public Labels labels() {
        return labels;
    }

    /** Number of chunks. */
    public int chunkCount() {
        return chunks.length / 3;
    }

    /** Time of the first sample of chunk {@code i}. */
    public long chunkMinTime(int i) {
        return chunks[3 * i];
    }

    /** Time of the last sample of chunk {@code i}. */
    public long chunkMaxTime(int i) {
        return chunks[3 * i + 1];
    }

    /** Reference of chunk {@code i}: {@code segment index << 32 | offset}. */
    public long chunkRef(int i) {
        return chunks[3 * i + 2];
    }

    @Override
    public String toString() {
        return "series " + Integer.toUnsignedString(id) + " " + labels + " (" + chunkCount() + " chunks)";
    }
}
