package io.sluice.wal;

import org.agrona.concurrent.UnsafeBuffer;

import java.io.Closeable;
import java.nio.ByteBuffer;

/**
 * A segment file mapped into memory, read-write. Two views share the same bytes: an Agrona
 * {@link UnsafeBuffer} for field access (little-endian, with ordered stores for the commit point)
 * and a direct {@link ByteBuffer} for {@link java.util.zip.CRC32C}, whose intrinsic needs one.
 *
 * <p>Threading: the mapping may be read by any thread; only the shard writer writes.
 * {@link #byteBuffer()}'s position and limit are mutable, so each thread that checksums needs its
 * own {@link #duplicateByteBuffer()}.
 */
public interface SegmentMapping extends Closeable {
    /** Field access to the whole file. */
    UnsafeBuffer buffer();

    /** The writer's checksum view (position and limit are the writer's scratch). */
    ByteBuffer byteBuffer();

    /** A fresh view for a reader thread's checksums. */
    ByteBuffer duplicateByteBuffer();

    /** Mapped length in bytes, equal to the file's length. */
    long size();

    /** The mapped file, as it was named when it was mapped. */
    java.nio.file.Path file();

    /** Unmaps; the views must not be used afterwards. */
    @Override
    void close();
}
