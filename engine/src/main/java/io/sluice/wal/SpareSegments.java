package io.sluice.wal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * One shard's pool of retired WAL segments waiting to be recycled (PostgreSQL's {@code wal_recycle}):
 * truncation renames a segment it no longer needs to {@code <old base>.free} instead of deleting it,
 * and the {@link SegmentPreparer} turns a spare into the next segment ({@link SegmentFiles#recycle}).
 * A recycled segment's blocks are allocated and written, so the writer's stores into it never
 * allocate a block or convert an unwritten extent (docs/format/wal.md, "Recycled segments").
 *
 * <p>The pool holds at most {@link #capacity()} files, the segments one truncation retires
 * ({@code walTruncateSegments}, at least {@link #MIN_CAPACITY}); truncation deletes what does not fit. Spares
 * are not part of the log: replay ignores them, and {@link #scan} re-adopts them on open (a spare of
 * another size, left by a different segment-size setting, is deleted).
 *
 * <p>Threading: {@link #retire} runs on the retention thread, {@link #take} on the preparer thread
 * (or the shard writer); the pool is a concurrent deque.
 */
public final class SpareSegments {
    /** Suffix of a spare segment file, after the 20-digit base position it had when it was retired. */
    public static final String SUFFIX = ".free";
    /**
     * The least capacity. A truncation retires every sealed segment once there are
     * {@code walTruncateSegments} of them (default 2) and the next roll-overs recycle them, so a pool
     * of that many recycles every segment in steady state; the capacity caps the disk a shard keeps
     * beyond its live segments.
     */
    public static final int MIN_CAPACITY = 2;

    private static final System.Logger LOG = System.getLogger("io.sluice.wal");

    private final ConcurrentLinkedDeque<Path> spares = new ConcurrentLinkedDeque<>();
    private final long segmentSize;
    private final int capacity;

    private SpareSegments(long segmentSize, int capacity) {
        this.segmentSize = segmentSize;
        this.capacity = Math.max(MIN_CAPACITY, capacity);
    }

    /**
     * The spares a previous session left in {@code dir}: files of the segment size are kept (up to
     * the capacity, {@code max(MIN_CAPACITY, capacity)}), others deleted.
     */
    public static SpareSegments scan(WalFileSystem fs, Path dir, long segmentSize, int capacity) throws IOException {
        SpareSegments pool = new SpareSegments(segmentSize, capacity);
        for (Path f : fs.list(dir)) {
            String name = f.getFileName().toString();
            if (!name.endsWith(SUFFIX)) {
                continue;
            }
            if (parseFileName(name) >= 0 && fs.size(f) == segmentSize && pool.spares.size() < pool.capacity) {
                pool.spares.add(f);
            } else {
                LOG.log(System.Logger.Level.INFO, "deleting spare segment {0}: not of the segment size {1}, or"
                    + " beyond the {2} kept", f, segmentSize, pool.capacity);
                fs.delete(f);
            }
        }
        return pool;
    }

    /** The file name of a spare retired from base position {@code base}. */
    public static String fileName(long base) {
        return String.format("%020d%s", base, SUFFIX);
    }

    /** The base position a spare's name records, or -1 if {@code name} is not a spare's name. */
    public static long parseFileName(String name) {
        return SegmentDescriptor.parseFileName(name, SUFFIX);
    }

    /**
     * Retires a segment truncation no longer needs, already unmapped: renamed into the pool, or
     * deleted if the pool is full or the segment is not of the pool's size. The caller forces the
     * directory afterwards.
     */
    public void retire(WalFileSystem fs, WalSegment gone) throws IOException {
        if (spares.size() >= capacity || gone.size() != segmentSize) {
            fs.delete(gone.path());
            return;
        }
        Path spare = gone.path().resolveSibling(fileName(gone.basePosition()));
        fs.rename(gone.path(), spare);
        spares.add(spare);
    }

    /** A spare to recycle, or null; the caller owns the file from now on. */
    public Path take() {
        return spares.pollFirst();
    }

    /** Spares in the pool now. */
    public int count() {
        return spares.size();
    }

    /** The most spares this pool keeps. */
    public int capacity() {
        return capacity;
    }

    /** The size of the segments this pool recycles. */
    public long segmentSize() {
        return segmentSize;
    }
}
