package io.sluice.wal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Creates each shard's next segment in the background while the current one fills, so that a
 * roll-over costs the shard writer an end marker and a switch of mapping, not a file creation,
 * two syncs and a page fault per page (measured: a roll took 5 ms and first writes to fresh pages
 * stalled up to 15 ms on ext4; docs/architecture.md).
 *
 * <p>The next segment exists under its final name, empty, before the current one is sealed. Replay
 * accepts that: an unsealed segment followed only by segments without frames is the log's end
 * (docs/format/wal.md).
 *
 * <p>Threading: one daemon thread per engine, shared by its shards; {@link #prepare} from any thread.
 */
public final class SegmentPreparer implements AutoCloseable {
    private final ExecutorService executor;
    private final boolean touch;

    /** @param touch fault the pages of each new segment in before the writer gets it */
    public SegmentPreparer(boolean touch) {
        this.touch = touch;
        this.executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "sluice-segment-preparer");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Prepares the next WAL segment in the background: a spare of {@code spares} recycled if there
     * is one, else a new file.
     */
    Future<WalSegment> prepare(WalFileSystem fs, Path dir, int shard, int shardCount, long basePosition, long size,
                               boolean durable, SpareSegments spares) {
        return executor.submit(() -> nextSegment(fs, dir, shard, shardCount, basePosition, size, touch, durable,
            spares));
    }

    /** The next WAL segment: a spare recycled if there is a usable one, else a new file. Any thread. */
    static WalSegment nextSegment(WalFileSystem fs, Path dir, int shard, int shardCount, long basePosition, long size,
                                  boolean touch, boolean durable, SpareSegments spares) throws java.io.IOException {
        for (Path spare = spares.take(); spare != null; spare = spares.take()) {
            WalSegment s = SegmentFiles.recycle(fs, dir, spare, shard, shardCount, basePosition, size, touch, durable);
            if (s != null) {
                return s;
            }
        }
        return SegmentFiles.create(fs, dir, shard, shardCount, basePosition, size, touch, durable);
    }

    /** Creates the next file of {@code kind} in the background. */
    public Future<WalSegment> prepare(WalFileSystem fs, Path dir, FileKind kind, int shard, int shardCount,
                                      long basePosition, long size, boolean durable) {
        return executor.submit(() -> SegmentFiles.create(fs, dir, kind, shard, shardCount, basePosition, size, touch,
            durable));
    }

    /** Whether new files' pages are faulted in before use. */
    public boolean touch() {
        return touch;
    }

    /** Stops the thread after the current preparation. */
    @Override
    public void close() {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(30, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    /** The cause of a failed preparation as an IOException. */
    public static IOException unwrap(Throwable t, long basePosition) {
        if (t instanceof IOException) {
            return (IOException) t;
        }
        return new IOException("preparing the segment at position " + basePosition + " failed: " + t, t);
    }
}
