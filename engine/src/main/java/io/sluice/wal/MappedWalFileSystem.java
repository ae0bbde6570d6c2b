package io.sluice.wal;

import io.sluice.engine.ChronicleDefaults;
import net.openhft.chronicle.bytes.MappedBytesStore;
import net.openhft.chronicle.bytes.MappedFile;
import net.openhft.chronicle.bytes.SyncMode;
import net.openhft.chronicle.core.io.ReferenceOwner;
import net.openhft.posix.PosixAPI;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The real file system: chronicle-bytes maps each segment as a single mapping, {@code fallocate(2)}
 * (through Chronicle's posix binding) reserves its blocks, and {@link FileChannel#force} syncs it.
 * Syncing through the channel rather than Chronicle's msync wrapper matters: that wrapper only logs
 * a failed msync, while {@code force} throws, and a failed sync must reach the producer.
 *
 * <p>Threading: stateless, thread-safe.
 */
public final class MappedWalFileSystem implements WalFileSystem {
    /** Shared instance. */
    public static final MappedWalFileSystem INSTANCE = new MappedWalFileSystem();

    private static final int ENOSPC = 28;
    private static final int O_RDWR = 2; // the same on Linux and BSD; Chronicle's OpenFlag has BSD values for the rest

    static {
        ChronicleDefaults.apply();
    }

    private MappedWalFileSystem() {
    }

    @Override
    public void createDirectories(Path dir) throws IOException {
        Files.createDirectories(dir);
    }

    @Override
    public List<Path> list(Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.filter(Files::isRegularFile).forEach(out::add);
        }
        return out;
    }

    @Override
    public long size(Path file) throws IOException {
        return Files.size(file);
    }

    @Override
    public void preallocate(Path file, long size) throws IOException {
        Files.createFile(file);
        if (!fallocate(file, size)) {
            writeZeros(file, size);
        }
        if (Files.size(file) != size) {
            throw new IOException("preallocating " + file + ": size is " + Files.size(file) + ", expected " + size);
        }
    }

    @Override
    public void preallocateWritten(Path file, long size) throws IOException {
        Files.createFile(file);
        writeZeros(file, size);
        if (Files.size(file) != size) {
            throw new IOException("preallocating " + file + ": size is " + Files.size(file) + ", expected " + size);
        }
    }

    /** True if fallocate reserved the blocks; false if it is unavailable here (then we write zeros). */
    private static boolean fallocate(Path file, long size) throws IOException {
        final PosixAPI posix;
        try {
            posix = PosixAPI.posix();
        } catch (Throwable t) {
            return false;
        }
        int fd = posix.open(file.toString(), O_RDWR, 0);
        if (fd < 0) {
            return false;
        }
        try {
            int rc = posix.fallocate(fd, 0, 0, size);
            if (rc == 0) {
                return true;
            }
            int errno = posix.lastError();
            if (errno == ENOSPC) {
                throw new IOException("No space left on device: cannot preallocate " + size + " bytes for " + file);
            }
            return false; // e.g. EOPNOTSUPP on file systems without fallocate
        } finally {
            posix.close(fd);
        }
    }

    private static void writeZeros(Path file, long size) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ZeroFill.write(ch, size);
        }
    }

    @Override
    public SegmentMapping map(Path file, long size) throws IOException {
        long actual = Files.size(file);
        if (actual != size) {
            throw new IOException("refusing to map " + file + ": it is " + actual + " bytes, expected " + size);
        }
        RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw");
        MappedFile mappedFile = null;
        try {
            mappedFile = MappedFile.ofSingle(file.toFile(), size, false);
            MappedBytesStore store = mappedFile.acquireByteStore(ReferenceOwner.INIT, 0);
            store.syncMode(SyncMode.NONE); // we force through the channel; no msync on release
            return new ChronicleMapping(file, raf, mappedFile, store, size);
        } catch (IOException | RuntimeException e) {
            if (mappedFile != null) {
                mappedFile.releaseLast();
            }
            raf.close();
            throw e;
        }
    }

    @Override
    public void force(SegmentMapping mapping) throws IOException {
        ((ChronicleMapping) mapping).channel.force(false);
    }

    /** {@code MS_SYNC} on Linux (BSD's value differs, so the enum of Chronicle's binding is not used). */
    private static final int MS_SYNC = 4;
    private static final long PAGE_MASK = ~(4096L - 1);

    @Override
    public void forceRange(SegmentMapping mapping, long from, long to) throws IOException {
        ChronicleMapping m = (ChronicleMapping) mapping;
        long address = m.buffer.addressOffset();
        long end = Math.min(to, m.size);
        if (!NativeCalls.BOUND || (address & ~PAGE_MASK) != 0 || from < 0 || end <= from) {
            force(mapping); // no native access here: the whole file
            return;
        }
        long start = from & PAGE_MASK;
        try {
            NativeCalls.msync(address + start, end - start, MS_SYNC);
        } catch (com.sun.jna.LastErrorException e) {
            throw new IOException("msync of bytes [" + start + ", " + end + ") of " + m.file + " failed: errno "
                + e.getErrorCode(), e);
        }
    }

    /** Start writeback of the range's dirty pages; do not wait. */
    private static final int SYNC_FILE_RANGE_WRITE = 2;
    private static final int O_RDONLY = 0;
    /** Whether {@code sync_file_range} is there to call: bound, and not refused (ENOSYS). */
    private static volatile boolean syncFileRange = NativeCalls.BOUND;

    /**
     * Through the mapping's own file descriptor and a direct-mapped native call, so that a step
     * allocates nothing (the chunk log is written back in thousands of 64 KiB steps per truncation);
     * where the descriptor cannot be had, the file is opened for the call.
     */
    @Override
    public boolean writeBack(SegmentMapping mapping, long from, long to) throws IOException {
        if (!syncFileRange || to <= from) {
            return false;
        }
        ChronicleMapping m = (ChronicleMapping) mapping;
        int fd = m.fd;
        boolean opened = false;
        if (fd < 0) {
            fd = PosixAPI.posix().open(m.file.toString(), O_RDONLY, 0);
            if (fd < 0) {
                return false; // the force that follows reports what is wrong with the file
            }
            opened = true;
        }
        try {
            if (NativeCalls.sync_file_range(fd, from, to - from, SYNC_FILE_RANGE_WRITE) != 0) {
                syncFileRange = false; // e.g. ENOSYS; the force does the work
                return false;
            }
            return true;
        } finally {
            if (opened) {
                PosixAPI.posix().close(fd);
            }
        }
    }

    @Override
    public void syncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    @Override
    public void rename(Path from, Path to) throws IOException {
        Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    }

    @Override
    public void delete(Path file) throws IOException {
        try {
            Files.delete(file);
        } catch (NoSuchFileException ignored) {
            // already gone: deletion is idempotent
        }
    }

    /** A chronicle-bytes single mapping plus the channel we sync through. */
    private static final class ChronicleMapping implements SegmentMapping {
        final Path file;
        private final RandomAccessFile raf;
        /** The open file's descriptor, or -1 where it cannot be had ({@link NativeCalls#fd}). */
        final int fd;
        final FileChannel channel;
        private final MappedFile mappedFile;
        private final MappedBytesStore store;
        private final ByteBuffer byteBuffer;
        final UnsafeBuffer buffer;
        final long size;
        private boolean closed;

        ChronicleMapping(Path file, RandomAccessFile raf, MappedFile mappedFile, MappedBytesStore store, long size) {
            this.file = file;
            this.raf = raf;
            this.channel = raf.getChannel();
            this.mappedFile = mappedFile;
            this.store = store;
            this.size = size;
            this.fd = NativeCalls.fd(raf);
            this.byteBuffer = store.toTemporaryDirectByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            this.buffer = new UnsafeBuffer(byteBuffer);
        }

        @Override
        public UnsafeBuffer buffer() {
            return buffer;
        }

        @Override
        public ByteBuffer byteBuffer() {
            return byteBuffer;
        }

        @Override
        public ByteBuffer duplicateByteBuffer() {
            return byteBuffer.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        }

        @Override
        public long size() {
            return size;
        }

        @Override
        public Path file() {
            return file;
        }

        @Override
        public synchronized void close() {
            if (closed) {
                return;
            }
            closed = true;
            store.release(ReferenceOwner.INIT);
            // A single MappedFile keeps its own reference to the store, and releasing the file does not
            // drop it: without this the mapping (and a deleted file's disk space) outlives close.
            if (store.refCount() > 0) {
                store.release(mappedFile);
            }
            mappedFile.releaseLast();
            try {
                raf.close();
            } catch (IOException ignored) {
                // nothing was pending on the channel: writes went through the mapping
            }
        }
    }
}
