package io.sluice.head;

/**
 * Layout of a chunk frame's body in a head-chunk file (docs/format/head-chunks.md). Frames use the
 * WAL's framing ({@code length | crc32c | body}, 8-byte aligned, length stored last), and files the
 * WAL segments' 64-byte header with magic {@code SLUICEHC}.
 *
 * <pre>
 *  offset size field
 *   0     1    type 0x10 (CHUNK)
 *   1     1    encoding (1 = XOR, Prometheus' EncXOR)
 *   2     2    sample count (a copy of the XOR chunk's own header, for scans)
 *   4     4    reserved, zero
 *   8     8    series ref
 *  16     8    min time: the chunk's first timestamp
 *  24     8    max time: the chunk's last timestamp
 *  32     8    previous: the chunk-log position of the series' previous chunk, or -1
 *  40     n    chunk data: the Prometheus chunk bytes, header included
 * </pre>
 * All integers little-endian. Threading: constants only.
 */
public final class HeadChunkDescriptor {
    public static final byte TYPE_CHUNK = 0x10;
    public static final int TYPE_OFFSET = 0;
    public static final int ENCODING_OFFSET = 1;
    public static final int SAMPLES_OFFSET = 2;
    public static final int SERIES_REF_OFFSET = 8;
    public static final int MIN_TIME_OFFSET = 16;
    public static final int MAX_TIME_OFFSET = 24;
    public static final int PREVIOUS_OFFSET = 32;
    public static final int DATA_OFFSET = 40;
    /** {@code previous} of a series' first chunk. */
    public static final long NO_PREVIOUS = -1;
    /** Sub-directory of a shard directory that holds its head-chunk files. */
    public static final String DIRECTORY = "head";

    private HeadChunkDescriptor() {
    }

    /** Body length of a chunk frame with {@code dataLength} bytes of chunk data. */
    public static int bodyLength(int dataLength) {
        return DATA_OFFSET + dataLength;
    }
}
