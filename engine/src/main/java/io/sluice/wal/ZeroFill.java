package io.sluice.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Writes zeros into a file with write(2), so that its blocks are allocated and written (no hole, no
 * unwritten extent for a later store through a mapping to convert): how segments are prepared where
 * {@code fallocate} is not available, and how the benchmarks prepare the files they measure against.
 *
 * <p>Threading: stateless.
 */
public final class ZeroFill {
    private static final int CHUNK = 1 << 20;

    private ZeroFill() {
    }

    /** Writes {@code size} zero bytes from position 0 of {@code ch} (1 MiB per write); does not force. */
    public static void write(FileChannel ch, long size) throws IOException {
        ByteBuffer zeros = ByteBuffer.allocateDirect((int) Math.min(CHUNK, Math.max(1, size)));
        long pos = 0;
        while (pos < size) {
            zeros.clear();
            zeros.limit((int) Math.min(zeros.capacity(), size - pos));
            pos += ch.write(zeros, pos);
        }
    }
}
