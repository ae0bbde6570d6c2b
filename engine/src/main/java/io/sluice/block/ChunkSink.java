package io.sluice.block;

import org.agrona.DirectBuffer;

import java.io.IOException;

/**
 * Receives the chunks of one series from a {@link BlockSource}. The bytes are copied into the chunk
 * segment file before the call returns, so the caller may reuse its buffer at once.
 *
 * <p>Threading: the writer's thread only.
 */
@FunctionalInterface
public interface ChunkSink {
    /**
     * One chunk.
     *
     * @param minT     time of its first sample
     * @param maxT     time of its last sample
     * @param encoding {@link ChunkSegmentDescriptor#ENCODING_XOR} or {@link ChunkSegmentDescriptor#ENCODING_HISTOGRAM}
     * @param buf      holds the chunk's data: for both encodings a big-endian uint16 sample count first
     * @param offset   where the data starts in {@code buf}
     * @param length   bytes of data
     * @throws IllegalArgumentException if the chunk lies outside the block's {@code [minT, maxT)}, does
     *                                  not follow the series' previous chunk, has an unknown encoding, or
     *                                  is shorter than its sample count or claims no sample
     */
    void chunk(long minT, long maxT, byte encoding, DirectBuffer buf, int offset, int length) throws IOException;
}
