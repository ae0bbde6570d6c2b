package io.sluice.block;

import org.agrona.DirectBuffer;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Writes chunks into {@code chunks/000001}, {@code 000002}, ... and hands back their references.
 * Segments are cut exactly where Prometheus' {@code chunks.Writer.WriteChunks} cuts them for the
 * same series (it is called once per series with all its chunks), so that equal input gives equal
 * files: each chunk counts as {@code 5 + 1 + length + 4} bytes (the widest length field), the first
 * chunks of a series move to a new segment when they would overflow the current one, and later ones
 * when the chunks since the last cut would overflow a fresh segment.
 *
 * <p>Threading: one thread.
 */
final class ChunkSegmentWriter implements Closeable {
    private static final int BUFFER = 1 << 20;

    private final Path dir;
    private final long segmentSize;
    private FileOutput out;
    private int segments;
    private final byte[] scratch = new byte[1];

    // Prometheus' batching state for the series being written.
    private long seriesStartPos;
    private long batchSize;
    private boolean firstBatch;
    private int chunkInSeries;

    ChunkSegmentWriter(Path dir, long segmentSize) {
        this.dir = dir;
        this.segmentSize = segmentSize;
    }

    /** Starts the chunks of the next series. */
    void startSeries() {
        seriesStartPos = out == null ? 0 : out.position();
        batchSize = 0;
        firstBatch = true;
        chunkInSeries = 0;
    }

    /** Writes one chunk of the current series and returns its reference. */
    long write(byte encoding, DirectBuffer data, int offset, int length) throws IOException {
        long chunkSize = ChunkSegmentDescriptor.MAX_LENGTH_FIELD + 1 + (long) length + ChunkSegmentDescriptor.CRC_SIZE;
        batchSize += chunkSize;
        boolean cut = chunkInSeries != 0 && batchSize + ChunkSegmentDescriptor.HEADER_SIZE > segmentSize;
        if (firstBatch && seriesStartPos > ChunkSegmentDescriptor.HEADER_SIZE) {
            cut = batchSize + seriesStartPos > segmentSize;
            if (cut) {
                firstBatch = false;
            }
        }
        if (cut) {
            batchSize = chunkSize;
        }
        chunkInSeries++;
        if (out == null || cut) {
            cut();
        }
        long ref = ChunkSegmentDescriptor.ref(segments - 1, out.position());
        out.writeUvarint(length);
        out.startCrc();
        scratch[0] = encoding;
        out.writeBytes(scratch);
        out.writeBytes(data, offset, length);
        int crc = out.stopCrc();
        out.writeBE32(crc);
        return ref;
    }

    private void cut() throws IOException {
        if (out != null) {
            out.finish();
        }
        out = new FileOutput(dir.resolve(ChunkSegmentDescriptor.fileName(segments)), BUFFER);
        segments++;
        out.writeBE32(ChunkSegmentDescriptor.MAGIC);
        out.writeByte(ChunkSegmentDescriptor.VERSION);
        out.writeByte(0);
        out.writeByte(0);
        out.writeByte(0);
    }

    /** Segment files written so far. */
    int segments() {
        return segments;
    }

    /** Flushes and forces the last segment. */
    void finish() throws IOException {
        if (out != null) {
            out.finish();
        }
    }

    @Override
    public void close() throws IOException {
        if (out != null) {
            out.close();
        }
    }
}
