package io.sluice.block;

import org.agrona.DirectBuffer;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * A new file written front to back through a heap buffer, with Go's integer encodings (big-endian
 * fixed width, {@code encoding/binary} varints), zero padding to an alignment, a running CRC32C
 * over a chosen stretch of bytes, and back-patching of a length written earlier. {@link #finish}
 * forces the file to disk (data and metadata) before closing it, as Prometheus' writers do.
 *
 * <p>Threading: one thread.
 */
final class FileOutput implements Closeable {
    private final Path path;
    private final FileChannel channel;
    private final byte[] buf;
    private final ByteBuffer wrapped;
    private int used;
    /** Bytes written so far, buffered ones included: the file position of the next byte. */
    private long pos;
    private final CRC32C crc = new CRC32C();
    private boolean crcOn;
    /** First buffered byte not yet added to the CRC. */
    private int crcMark;
    private boolean closed;

    FileOutput(Path path, int bufferSize) throws IOException {
        this.path = path;
        this.channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        this.buf = new byte[bufferSize];
        this.wrapped = ByteBuffer.wrap(buf);
    }

    Path path() {
        return path;
    }

    long position() {
        return pos;
    }

    /** Starts a CRC32C over the bytes written from now on. */
    void startCrc() {
        crc.reset();
        crcOn = true;
        crcMark = used;
    }

    /** Ends the CRC started by {@link #startCrc()} and returns it. */
    int stopCrc() {
        crc.update(buf, crcMark, used - crcMark);
        crcOn = false;
        return (int) crc.getValue();
    }

    private void ensure(int n) throws IOException {
        if (buf.length - used < n) {
            flush();
        }
    }

    void flush() throws IOException {
        if (crcOn) {
            crc.update(buf, crcMark, used - crcMark);
        }
        wrapped.clear().limit(used);
        while (wrapped.hasRemaining()) {
            channel.write(wrapped);
        }
        used = 0;
        crcMark = 0;
    }

    void writeByte(int b) throws IOException {
        ensure(1);
        buf[used++] = (byte) b;
        pos++;
    }

    void writeBytes(byte[] b) throws IOException {
        writeBytes(b, 0, b.length);
    }

    void writeBytes(byte[] b, int off, int len) throws IOException {
        while (len > 0) {
            ensure(1);
            int n = Math.min(len, buf.length - used);
            System.arraycopy(b, off, buf, used, n);
            used += n;
            pos += n;
            off += n;
            len -= n;
        }
    }

    void writeBytes(DirectBuffer b, int off, int len) throws IOException {
        while (len > 0) {
            ensure(1);
            int n = Math.min(len, buf.length - used);
            b.getBytes(off, buf, used, n);
            used += n;
            pos += n;
            off += n;
            len -= n;
        }
    }

    void writeBE32(int v) throws IOException {
        ensure(4);
        buf[used] = (byte) (v >>> 24);
        buf[used + 1] = (byte) (v >>> 16);
        buf[used + 2] = (byte) (v >>> 8);
        buf[used + 3] = (byte) v;
        used += 4;
        pos += 4;
    }

    void writeBE64(long v) throws IOException {
        writeBE32((int) (v >>> 32));
        writeBE32((int) v);
    }

    /** Go's {@code binary.PutUvarint}: 7 bits a byte, least significant first. */
    void writeUvarint(long v) throws IOException {
        ensure(10);
        while ((v & ~0x7FL) != 0) {
            buf[used++] = (byte) ((v & 0x7F) | 0x80);
            pos++;
            v >>>= 7;
        }
        buf[used++] = (byte) v;
        pos++;
    }

    /** Go's {@code binary.PutVarint}: zig-zag, then uvarint. */
    void writeVarint(long v) throws IOException {
        writeUvarint(v << 1 ^ v >> 63);
    }

    /** A uvarint length, then the bytes. */
    void writeUvarintBytes(byte[] b) throws IOException {
        writeUvarint(b.length);
        writeBytes(b);
    }

    /** Zero bytes until the position is a multiple of {@code alignment}. */
    void pad(int alignment) throws IOException {
        int r = (int) (pos % alignment);
        if (r != 0) {
            for (int i = r; i < alignment; i++) {
                writeByte(0);
            }
        }
    }

    /** Overwrites four bytes written earlier (a section's length) with a big-endian int. */
    void writeBE32At(long at, int v) throws IOException {
        if (at + 4 > pos) {
            throw new IllegalStateException("back-patch at " + at + " beyond position " + pos);
        }
        flush();
        ByteBuffer b = ByteBuffer.allocate(4).putInt(v).flip();
        long p = at;
        while (b.hasRemaining()) {
            p += channel.write(b, p);
        }
    }

    /** Flushes, forces data and metadata to disk, and closes. */
    void finish() throws IOException {
        flush();
        channel.force(true);
        close();
    }

    @Override
    public void close() throws IOException {
        if (!closed) {
            closed = true;
            channel.close();
        }
    }
}
