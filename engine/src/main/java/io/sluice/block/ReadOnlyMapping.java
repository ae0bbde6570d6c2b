package io.sluice.block;

import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * A whole file mapped read-only: an Agrona {@link UnsafeBuffer} for field access and CRC32C over
 * ranges (through a duplicate of the mapped {@link ByteBuffer}, which the CRC intrinsic needs).
 * The pages are mapped {@code PROT_READ}, so a stray write faults instead of changing a block.
 * {@link #close} unmaps at once ({@link IoUtil#unmap}) instead of waiting for the garbage collector,
 * so a closed reader leaves no mapping, and a deleted block no disk space, behind.
 *
 * <p>Files of 2 GiB and more are refused (one {@code MappedByteBuffer} cannot span them): chunk
 * segments are at most 512 MiB, and an index of that size would hold tens of millions of series.
 *
 * <p>Threading: reads and checksums from any thread; {@link #close} once, after the readers.
 */
final class ReadOnlyMapping implements Closeable {
    private static final ByteBuffer EMPTY = ByteBuffer.allocateDirect(0);

    private final Path path;
    private final ByteBuffer mapped;
    private final UnsafeBuffer buffer;
    private final int size;
    private boolean closed;

    private ReadOnlyMapping(Path path, ByteBuffer mapped, int size) {
        this.path = path;
        this.mapped = mapped;
        this.buffer = new UnsafeBuffer(mapped);
        this.size = size;
    }

    static ReadOnlyMapping map(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size >= Integer.MAX_VALUE) {
                throw new IOException(file + " is " + size + " bytes; files of 2 GiB and more are not supported");
            }
            if (size == 0) {
                return new ReadOnlyMapping(file, EMPTY, 0);
            }
            MappedByteBuffer m = ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
            return new ReadOnlyMapping(file, m, (int) size);
        }
    }

    Path path() {
        return path;
    }

    UnsafeBuffer buffer() {
        return buffer;
    }

    int size() {
        return size;
    }

    /** CRC32C (Castagnoli) of {@code length} bytes from {@code offset}. */
    int crc32c(int offset, int length) {
        ByteBuffer view = mapped.duplicate();
        view.limit(offset + length).position(offset);
        CRC32C crc = new CRC32C();
        crc.update(view);
        return (int) crc.getValue();
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            if (mapped instanceof MappedByteBuffer) {
                IoUtil.unmap((MappedByteBuffer) mapped);
            }
        }
    }
}
