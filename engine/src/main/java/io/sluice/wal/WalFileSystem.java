package io.sluice.wal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Every file operation the WAL performs goes through this facade, after QuestDB's
 * {@code FilesFacade}, so that tests can inject a full disk, a failing fsync or a failing
 * directory sync and check that Sluice reports it and loses nothing it acknowledged.
 *
 * <p>Threading: implementations must be thread-safe; shards call it from their own threads.
 */
public interface WalFileSystem {
    /** Creates {@code dir} and its parents if missing. */
    void createDirectories(Path dir) throws IOException;

    /** The regular files directly inside {@code dir}, in no particular order. */
    List<Path> list(Path dir) throws IOException;

    /** Length of a file in bytes. */
    long size(Path file) throws IOException;

    /**
     * Creates a new file of exactly {@code size} bytes whose blocks are reserved on disk, so that a
     * store through the mapping can never fail for lack of space (a sparse file would SIGBUS).
     * Fails if the file exists.
     */
    void preallocate(Path file, long size) throws IOException;

    /**
     * Like {@link #preallocate}, but every block is also written (zeros with write(2)), so that the
     * first store through a mapping neither allocates a block nor converts an unwritten extent
     * (PostgreSQL's {@code wal_init_zero}). Used for WAL segments that cannot be recycled yet. The
     * default preallocates only.
     */
    default void preallocateWritten(Path file, long size) throws IOException {
        preallocate(file, size);
    }

    /** Maps an existing file of {@code size} bytes read-write. */
    SegmentMapping map(Path file, long size) throws IOException;

    /** Forces the mapped file's dirty pages to the device (fdatasync). */
    void force(SegmentMapping mapping) throws IOException;

    /**
     * Forces bytes {@code [from, to)} of the mapped file to the device and leaves its other dirty
     * pages in the page cache: a ranged fdatasync ({@code msync(MS_SYNC)} over the range's pages,
     * which Linux carries out as {@code vfs_fsync_range}: the range's pages, then the file system's
     * journal and a device flush). For a recycled segment's header, whose file still holds its
     * previous life's unwritten pages (docs/format/wal.md, "Recycled segments"). The default, and
     * any platform without the call, forces the whole file.
     */
    default void forceRange(SegmentMapping mapping, long from, long to) throws IOException {
        force(mapping);
    }

    /**
     * Starts writeback of the dirty pages of bytes {@code [from, to)} of the mapped file
     * ({@code sync_file_range(SYNC_FILE_RANGE_WRITE)}) without waiting for the I/O: not durability
     * (no wait, no device flush, no metadata); it leaves the next {@link #force} less to do. For
     * spreading writeback into short steps (RocksDB's {@code bytes_per_sync}). The default, and any
     * platform without the call, does nothing.
     *
     * @return whether writeback was started (false: not available here, or an empty range)
     */
    default boolean writeBack(SegmentMapping mapping, long from, long to) throws IOException {
        return false;
    }

    /** Forces a directory, so that a file created or renamed in it survives an OS crash. */
    void syncDirectory(Path dir) throws IOException;

    /** Atomically renames {@code from} to {@code to}. */
    void rename(Path from, Path to) throws IOException;

    /** Deletes a file if it exists. */
    void delete(Path file) throws IOException;
}
