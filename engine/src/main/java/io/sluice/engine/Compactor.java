package io.sluice.engine;

import io.sluice.block.BlockMeta;
import io.sluice.block.BlockReader;
import io.sluice.block.BlockSource;
import io.sluice.block.BlockWriter;
import io.sluice.block.ChunkSink;
import io.sluice.block.LabelOrder;
import io.sluice.chunk.XorChunkDescriptor;
import io.sluice.head.HeadBounds;
import io.sluice.head.HeadSeries;
import io.sluice.head.ShardHead;
import io.sluice.index.SeriesRegistry;
import io.sluice.ingest.IngestRing;
import io.sluice.ingest.ShardProgress;
import org.agrona.DirectBuffer;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReadWriteLock;

/**
 * Head compaction and block retention, on the {@code sluice-compactor} thread, off the shard
 * writers. As Prometheus' head compaction: when the head spans more than 1.5 block ranges, its
 * oldest range {@code [start, start + range)} of every shard is written as one block.
 *
 * <ol>
 *   <li>Raise the head's append bound to the range's end and wait until every shard has processed
 *       the ring up to where it was: no sample can enter the range any more (later ones are
 *       rejected as out of order).</li>
 *   <li>Under the reader gate, collect every series with chunks in the range (full chunks from the
 *       head-chunk log, an open chunk whose window is the range), sort them by labels, and write the
 *       block (tmp directory, forced, renamed: {@link BlockWriter}).</li>
 *   <li>Open it and publish it with the head's new read bound in one step: readers take the range
 *       from the block from then on, and the head's writers drop it (chunk files, open chunks,
 *       checkpoint samples) at their next batches.</li>
 * </ol>
 *
 * A crash before the rename leaves a tmp directory, which the next open deletes; after it, the
 * next open takes the head's bounds from the blocks, so replay skips what a block holds: never a
 * half-visible block, never a sample counted twice. Retention deletes whole blocks whose samples are
 * all older than the period: hidden first, unmapped once no reader is inside, renamed to
 * {@code .tmp-for-deletion} and removed.
 *
 * <p>Threading: its own thread; {@link #compactNow()} from tests and tools.
 */
final class Compactor implements Runnable {
    private static final System.Logger LOG = System.getLogger("io.sluice.engine");
    private static final long CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final ShardHead[] heads;
    private final ShardProgress[] progress;
    private final SeriesRegistry registry;
    private final IngestRing ring;
    private final BlockStore blocks;
    private final HeadBounds bounds;
    private final ReadWriteLock readers;
    private final long range;
    private final long retention;
    private final boolean enabled;
    private volatile boolean stopped;
    private volatile Thread thread;
    private volatile long compactions;
    private volatile long failures;
    private volatile long compactionNanos;
    private volatile long deletedBlocks;
    private volatile Throwable lastFailure;

    Compactor(ShardHead[] heads, ShardProgress[] progress, SeriesRegistry registry, IngestRing ring, BlockStore blocks,
              HeadBounds bounds, ReadWriteLock readers, long range, long retention, boolean enabled) {
        this.heads = heads;
        this.progress = progress;
        this.registry = registry;
        this.ring = ring;
        this.blocks = blocks;
        this.bounds = bounds;
        this.readers = readers;
        this.range = range;
        this.retention = retention;
        this.enabled = enabled;
    }

    void start() {
        Thread t = new Thread(this, "sluice-compactor");
        t.setDaemon(true);
        thread = t;
        t.start();
    }

    /** Stops the thread after the compaction in progress. */
    void stop() {
        stopped = true;
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
            try {
                t.join(TimeUnit.SECONDS.toMillis(60));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void run() {
        long backoff = CHECK_NANOS;
        while (!stopped) {
            LockSupport.parkNanos(this, backoff);
            if (stopped) {
                return;
            }
            try {
                compactNow();
                deleteExpiredBlocks();
                backoff = CHECK_NANOS;
            } catch (Throwable t) {
                // The head keeps every sample of a range whose block failed: it is retried later.
                failures++;
                lastFailure = t;
                LOG.log(System.Logger.Level.WARNING, "head compaction failed; retrying later", t);
                backoff = Math.min(TimeUnit.SECONDS.toNanos(30), backoff * 4);
            }
        }
    }

    /** The newest sample of any shard, or {@link Long#MIN_VALUE}. */
    private long newest() {
        long newest = Long.MIN_VALUE;
        for (ShardProgress p : progress) {
            newest = Math.max(newest, p.maxTime());
        }
        return newest;
    }

    /** Compacts every range that is due. */
    synchronized void compactNow() throws IOException, InterruptedException {
        if (!enabled) {
            return;
        }
        while (!stopped) {
            long newest = newest();
            long oldest = Long.MAX_VALUE;
            for (ShardProgress p : progress) {
                oldest = Math.min(oldest, p.minTime());
            }
            oldest = Math.max(oldest, blocks.view().headFrom());
            if (newest == Long.MIN_VALUE || oldest == Long.MAX_VALUE || oldest > newest) {
                return;
            }
            long start = Math.floorDiv(oldest, range) * range;
            if (newest - start <= range + range / 2) {
                return;
            }
            compact(start, start + range);
        }
    }

    private void compact(long start, long end) throws IOException, InterruptedException {
        long began = System.nanoTime();
        bounds.raiseAppendMinValid(end);
        long cursor = ring.publishedSequence();
        for (ShardProgress p : progress) {
            while (p.appendedSequence() < cursor) {
                if (stopped) {
                    return;
                }
                LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(200));
            }
        }
        Optional<BlockMeta> meta;
        readers.readLock().lock();
        try {
            meta = BlockWriter.write(blocks.dir(), start, end, new HeadRange(start, end));
        } finally {
            readers.readLock().unlock();
        }
        if (meta.isPresent()) {
            BlockReader block = BlockReader.open(blocks.dir().resolve(meta.get().ulid().toString()));
            blocks.add(block);
            LOG.log(System.Logger.Level.DEBUG, "compacted [{0}, {1}) into block {2}: {3} series, {4} samples", start,
                end, meta.get().ulid(), meta.get().numSeries(), meta.get().numSamples());
        }
        // The block is visible. Once no reader that took the older view is left (the write side of the
        // gate waits for them), the writers may drop the range from the head.
        readers.writeLock().lock();
        try {
            bounds.raiseReadMinValid(end);
        } finally {
            readers.writeLock().unlock();
        }
        compactions++;
        compactionNanos += System.nanoTime() - began;
    }

    /** Retention: whole blocks whose samples are all older than the period go. */
    private synchronized void deleteExpiredBlocks() throws IOException {
        if (retention <= 0) {
            return;
        }
        long newest = newest();
        if (newest == Long.MIN_VALUE) {
            return;
        }
        long cutoff = newest - retention;
        for (BlockReader b : blocks.view().blocks()) {
            if (b.meta().maxTime() > cutoff) {
                break; // oldest first: the rest are younger
            }
            if (blocks.hide(b)) {
                readers.writeLock().lock(); // no reader is inside it any more
                try {
                    b.close();
                } finally {
                    readers.writeLock().unlock();
                }
                blocks.delete(b.meta());
                deletedBlocks++;
            }
        }
    }

    long compactions() {
        return compactions;
    }

    long failures() {
        return failures;
    }

    long compactionNanos() {
        return compactionNanos;
    }

    long deletedBlocks() {
        return deletedBlocks;
    }

    Throwable lastFailure() {
        return lastFailure;
    }

    /** The head's series with chunks in one range, in label order: what the block is written from. */
    private final class HeadRange implements BlockSource {
        private final long start;
        private final long end;
        private final List<long[]> entries = new ArrayList<>(); // {shard, id}
        private final List<Labels> labels = new ArrayList<>();
        private final ShardHead.ReadScratch scratch = new ShardHead.ReadScratch();

        HeadRange(long start, long end) throws IOException {
            this.start = start;
            this.end = end;
            List<Object[]> found = new ArrayList<>();
            ShardHead.ChunkSink probe = (minT, maxT, buf, off, len) -> { };
            for (int shard = 0; shard < heads.length; shard++) {
                int limit = registry.idLimit(shard);
                for (int id = 0; id < limit; id++) {
                    HeadSeries s = heads[shard].get(id);
                    if (s == null || !s.isLogged()) {
                        continue;
                    }
                    if (heads[shard].chunksIn(id, start, end, probe, scratch)) {
                        found.add(new Object[] {registry.labels(shard, id), new long[] {shard, id}});
                    }
                }
            }
            found.sort((a, b) -> LabelOrder.compare((Labels) a[0], (Labels) b[0]));
            for (Object[] f : found) {
                labels.add((Labels) f[0]);
                entries.add((long[]) f[1]);
            }
        }

        @Override
        public int seriesCount() {
            return entries.size();
        }

        @Override
        public Labels labels(int i) {
            return labels.get(i);
        }

        @Override
        public void chunks(int i, ChunkSink sink) throws IOException {
            long[] e = entries.get(i);
            heads[(int) e[0]].chunksIn((int) e[1], start, end,
                (long minT, long maxT, DirectBuffer buf, int off, int len) -> sink.chunk(minT, maxT,
                    (byte) XorChunkDescriptor.ENCODING_XOR, buf, off, len), scratch);
        }
    }
}
