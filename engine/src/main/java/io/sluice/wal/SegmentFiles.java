package io.sluice.wal;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Creates segment files: preallocated under a temporary name (WAL segments written with zeros,
 * head-chunk files reserved with {@code fallocate}), header written and forced, renamed to the final
 * name, directory forced, and (optionally) every page faulted in by writing to it, so that the
 * writer's first store to a page does not pay for the page fault (on ext4 that measured up to 15 ms
 * for a fallocated extent; docs/architecture.md). {@link #recycle} reuses a retired WAL segment
 * instead of creating one.
 *
 * <p>Threading: static; called by the {@link SegmentPreparer} thread or, when there is none, by
 * the shard writer.
 */
public final class SegmentFiles {
    private SegmentFiles() {
    }

    /** The stride of the pre-fault writes: the smallest page size. */
    static final int PAGE = 4096;

    /**
     * Faults in every page of the segment after its header by writing one zero byte to it, yielding
     * every {@link Courtesy#STEP_BYTES} bytes: on a two-core machine this thread shares
     * a core with the shard writer and must not hold it. One write per page is enough: the write
     * fault makes the kernel zero the page and convert the file system's unwritten extent, which is
     * the cost the writer must not pay; zeroing the whole page again from Java doubled the work
     * (measured: the memset was 15% of all CPU samples in {@code peers --peers sluice},
     * docs/benchmarks.md).
     */
    private static void prefault(SegmentMapping mapping, long size) {
        var buf = mapping.buffer();
        for (long chunk = SegmentDescriptor.HEADER_LENGTH; chunk < size; chunk += Courtesy.STEP_BYTES) {
            long end = Math.min(chunk + Courtesy.STEP_BYTES, size);
            for (long p = (chunk + PAGE - 1) & -PAGE; p < end; p += PAGE) {
                buf.putByte((int) p, (byte) 0);
            }
            Courtesy.pause();
        }
    }

    /**
     * After a failure while creating {@code tmp}: unmaps it (if mapped) and deletes it, adding a
     * failed delete to {@code failure} as suppressed. The caller rethrows {@code failure}.
     */
    static void discard(WalFileSystem fs, Path tmp, SegmentMapping mapping, Exception failure) {
        if (mapping != null) {
            mapping.close();
        }
        try {
            fs.delete(tmp);
        } catch (IOException suppressed) {
            failure.addSuppressed(suppressed);
        }
    }

    static Path path(Path dir, FileKind kind, long basePosition) {
        return dir.resolve(kind.fileName(basePosition));
    }

    static Path tmpPath(Path dir, FileKind kind, long basePosition) {
        return dir.resolve(String.format("%020d%s", basePosition, kind.tmpSuffix()));
    }

    /**
     * @param touch   fault every page in by writing zeros after the header is durable
     * @param durable force the zeroed pages too, so that the writer's first force does not have to
     */
    static WalSegment create(WalFileSystem fs, Path dir, int shard, int shardCount, long basePosition, long size,
                             boolean touch, boolean durable) throws IOException {
        return create(fs, dir, FileKind.WAL_SEGMENT, shard, shardCount, basePosition, size, touch, durable);
    }

    /** Creates a file of {@code kind}: see {@link #create(WalFileSystem, Path, int, int, long, long, boolean, boolean)}. */
    public static WalSegment create(WalFileSystem fs, Path dir, FileKind kind, int shard, int shardCount,
                                    long basePosition, long size, boolean touch, boolean durable) throws IOException {
        return make(fs, dir, kind, null, shard, shardCount, basePosition, size, touch, durable);
    }

    /**
     * Turns a spare (a segment truncation retired: {@link SpareSegments}) into the segment at
     * {@code basePosition}: renamed to its temporary name, a header with the new base position and
     * {@link SegmentDescriptor#FLAG_RECYCLED} written, the header's bytes forced (only those:
     * {@link WalFileSystem#forceRange}), renamed to the final name, directory forced, pages faulted in
     * as {@link #create} does. The old bytes stay: their blocks are
     * allocated and written, which is the point, and none of the old frames is valid in the new life
     * because a frame's checksum covers its file's base position ({@link FrameCrc};
     * docs/format/wal.md, "Recycled segments").
     *
     * @return the segment, or null if the spare is not of {@code size} (it is deleted; the caller
     *         creates a new segment instead)
     */
    static WalSegment recycle(WalFileSystem fs, Path dir, Path spare, int shard, int shardCount, long basePosition,
                              long size, boolean touch, boolean durable) throws IOException {
        if (fs.size(spare) != size) {
            fs.delete(spare);
            return null;
        }
        return make(fs, dir, FileKind.WAL_SEGMENT, spare, shard, shardCount, basePosition, size, touch, durable);
    }

    /** A new file of {@code kind} if {@code spare} is null, else the spare recycled. */
    private static WalSegment make(WalFileSystem fs, Path dir, FileKind kind, Path spare, int shard, int shardCount,
                                   long basePosition, long size, boolean touch, boolean durable) throws IOException {
        Path tmp = tmpPath(dir, kind, basePosition);
        Path path = path(dir, kind, basePosition);
        fs.delete(tmp);
        SegmentMapping mapping = null;
        try {
            if (spare != null) {
                fs.rename(spare, tmp);
            } else if (kind == FileKind.WAL_SEGMENT) {
                // Written, not only reserved: the writer's stores never convert an unwritten extent.
                // Only until truncation has spares to recycle (docs/format/wal.md, "Recycled segments").
                fs.preallocateWritten(tmp, size);
            } else {
                fs.preallocate(tmp, size);
            }
            mapping = fs.map(tmp, size);
            SegmentDescriptor.writeHeader(mapping.buffer(), mapping.byteBuffer(), kind, shard, shardCount,
                basePosition, size, System.currentTimeMillis(), spare != null ? SegmentDescriptor.FLAG_RECYCLED : 0);
            if (spare != null) {
                // The header is durable before the name is. Only the header: the spare's other pages may
                // still hold its previous life's frames unwritten (durability none), and writing them back
                // now would be 64 MiB of disk writes for bytes no one reads (their checksums cannot match
                // the new base position) and that the writer overwrites.
                fs.forceRange(mapping, 0, SegmentDescriptor.HEADER_LENGTH);
            } else {
                fs.force(mapping); // the zeros and the header are durable before the name is
            }
            fs.rename(tmp, path);
            fs.syncDirectory(dir);
            if (touch) {
                prefault(mapping, size);
                if (durable) {
                    fs.force(mapping);
                }
            }
        } catch (IOException | RuntimeException e) {
            SegmentFiles.discard(fs, tmp, mapping, e);
            throw e;
        }
        return new WalSegment(shard, path, basePosition, mapping);
    }

    /**
     * Maps an existing file of {@code kind} and checks its header.
     *
     * @throws WalCorruptionException if the header is not valid for this shard and base position
     */
    public static WalSegment open(WalFileSystem fs, Path file, FileKind kind, int shard, int shardCount,
                                  long basePosition) throws IOException {
        long size = fs.size(file);
        if (size < SegmentDescriptor.HEADER_LENGTH || size > Integer.MAX_VALUE) {
            throw new WalCorruptionException(shard, file, 0, "file of " + size + " bytes cannot be "
                + kind.description());
        }
        SegmentMapping mapping = fs.map(file, size);
        WalCorruptionException bad = SegmentDescriptor.verify(mapping.buffer(), mapping.byteBuffer(), kind, shard,
            shardCount, basePosition, size, file);
        if (bad != null) {
            mapping.close();
            throw bad;
        }
        return new WalSegment(shard, file, basePosition, mapping);
    }
}
