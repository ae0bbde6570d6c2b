package io.sluice.wal;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Creates segment files: preallocated under a temporary name, header written and forced, renamed
 * to the final name, directory forced, and (optionally) every page faulted in by writing zeros, so
 * that the writer's first store to a page does not pay for the file system's page fault (on ext4
 * that measured up to 15 ms for a fallocated extent; docs/architecture.md).
 *
 * <p>Threading: static; called by the {@link SegmentPreparer} thread or, when there is none, by
 * the shard writer.
 */
public final class SegmentFiles {
    private SegmentFiles() {
    }

    /** Bytes faulted in between yields: 16 pages, tens of microseconds, so a woken shard writer never waits long for a core. */
    static final int PREFAULT_CHUNK = 64 * 1024;
    /** The stride of the pre-fault writes: the smallest page size. */
    static final int PAGE = 4096;

    /**
     * Faults in every page of the segment after its header by writing one zero byte to it, yielding
     * every {@link #PREFAULT_CHUNK} bytes: on a two-core machine this thread shares a core with the
     * shard writer and must not hold it. One write per page is enough: the write fault makes the
     * kernel zero the page and convert the file system's unwritten extent, which is the cost the
     * writer must not pay; zeroing the whole page again from Java doubled the work (measured: the
     * memset was 15% of all CPU samples in {@code peers --peers sluice}, docs/benchmarks.md).
     */
    private static void prefault(SegmentMapping mapping, long size) {
        var buf = mapping.buffer();
        for (long chunk = SegmentDescriptor.HEADER_LENGTH; chunk < size; chunk += PREFAULT_CHUNK) {
            long end = Math.min(chunk + PREFAULT_CHUNK, size);
            for (long p = (chunk + PAGE - 1) & -PAGE; p < end; p += PAGE) {
                buf.putByte((int) p, (byte) 0);
            }
            Thread.yield();
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
        Path tmp = tmpPath(dir, kind, basePosition);
        Path path = path(dir, kind, basePosition);
        fs.delete(tmp);
        SegmentMapping mapping = null;
        try {
            fs.preallocate(tmp, size);
            mapping = fs.map(tmp, size);
            SegmentDescriptor.writeHeader(mapping.buffer(), mapping.byteBuffer(), kind, shard, shardCount,
                basePosition, size, System.currentTimeMillis());
            fs.force(mapping); // the header is durable before the name is
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
