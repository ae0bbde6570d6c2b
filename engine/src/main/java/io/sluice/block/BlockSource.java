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
}
