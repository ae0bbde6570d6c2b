package io.sluice.block;

import io.sluice.engine.Labels;

import java.io.IOException;

/**
 * What {@link BlockWriter} writes: the series of a block in {@link LabelOrder}, each with its chunks.
 * The engine's head compaction implements it over the head; tests implement it over lists.
 *
 * <p>Contract: {@link #labels(int)} is called twice per series (once while chunks are written, once
 * while the index is) and must return equal label sets both times; {@link #chunks(int, ChunkSink)}
 * is called once per series, in index order, and hands the sink that series' chunks in time order.
 * A series that hands over no chunk is left out of the block.
 *
 * <p>Threading: called on the writer's thread only.
 */
public interface BlockSource {
    /** Number of series, each with an index {@code 0 <= i < seriesCount()}. */
    int seriesCount();

    /** The labels of series {@code i}; strictly ascending in {@link LabelOrder} as {@code i} grows. */
    Labels labels(int i);

    /** Hands {@code sink} every chunk of series {@code i} that lies in the block's time range, oldest first. */
    void chunks(int i, ChunkSink sink) throws IOException;

    /**
     * The index's symbol table, if the source knows it before the series are written: every name and
     * value of every series that will have chunks (others may be there too), strictly ascending in
     * {@link LabelOrder}. Then the writer streams, holding one series' chunk metas at a time instead
     * of the whole block's. Null (the default) lets the writer collect the symbols of the series that
     * turn out to have chunks, which is what a block cut from a head needs to match promtool's bytes.
     */
    default String[] symbols() {
        return null;
    }
}
