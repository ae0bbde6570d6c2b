package io.sluice.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Writes zeros into a file with write(2), so that its blocks are allocated and written (no hole, no
 * unwritten extent for a later store through a mapping to convert): how segments are prepared where
 * {@code fallocate} is not available, and how the benchmarks prepare the files they measure against.
 *
 * <p>It writes {@value Courtesy#STEP_BYTES} bytes per call and pauses between calls ({@link Courtesy}). On a
 * two-core machine the thread that prepares a segment shares a core with the shard writer or a
 * producer, and a kernel under {@code PREEMPT_NONE} gives the core back only between system calls
 * or at the copy loop's reschedule points once a wake-up asks for it: one 1 MiB write kept the core
 * for 1.5 to 4 ms (docs/benchmarks.md, "Where the tail comes from"). 64 KiB is tens of
 * microseconds of copying.
 *
 * <p>Threading: stateless.
 */
public final class ZeroFill {
    private ZeroFill() {
    }

    /** Writes {@code size} zero bytes from position 0 of {@code ch}, pausing between writes; does not force. */
    public static void write(FileChannel ch, long size) throws IOException {
        ByteBuffer zeros = ByteBuffer.allocateDirect((int) Math.min(Courtesy.STEP_BYTES, Math.max(1, size)));
        long pos = 0;
        while (pos < size) {
            zeros.clear();
            zeros.limit((int) Math.min(zeros.capacity(), size - pos));
            pos += ch.write(zeros, pos);
            Courtesy.pause();
        }
    }
}
