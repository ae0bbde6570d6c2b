package io.sluice.engine;

import io.sluice.block.BlockMerger;
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
import io.sluice.ingest.Lanes;
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
 * <p>Threading: compaction is background work. It runs on {@code sluice-compactor}, which lowers
 * itself to SCHED_IDLE ({@link ThreadPriority}) and so gets only CPU that the writers leave idle, while the
 * head's chunks take less than {@code compactionDebtBytes}. Beyond that the background thread stops
 * at its next range or merge and {@code sluice-compact-urgent}, at normal priority, compacts until
 * the head is back under (an unprivileged thread cannot raise its priority again, hence two threads).
 * One compaction at a time: the work is synchronized on this object. {@link #compactNow()} from
 * tests and tools.
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
    private final long[] ranges;
    private final long retention;
    private final boolean enabled;
    private final long debtBytes;
    private volatile boolean stopped;
    private volatile Thread thread;
    private volatile Thread urgentThread;
    private volatile boolean background;
    private volatile long compactions;
    private volatile long failures;
    private volatile long compactionNanos;
    private volatile long compactionCpuNanos;
    private volatile long urgentCpuNanos;
    private static final java.lang.management.ThreadMXBean THREADS = java.lang.management.ManagementFactory.getThreadMXBean();
    private volatile long deletedBlocks;
    private volatile long merges;
    private volatile Throwable lastFailure;

    Compactor(ShardHead[] heads, ShardProgress[] progress, SeriesRegistry registry, IngestRing ring, BlockStore blocks,
              HeadBounds bounds, ReadWriteLock readers, long[] ranges, long retention, boolean enabled, long debtBytes) {
        this.heads = heads;
        this.progress = progress;
        this.registry = registry;
        this.ring = ring;
        this.blocks = blocks;
        this.bounds = bounds;
        this.readers = readers;
        this.range = ranges[0];
        this.ranges = ranges.clone();
        this.retention = retention;
        this.enabled = enabled;
        this.debtBytes = debtBytes;
    }

    void start() {
        Thread t = new Thread(this, "sluice-compactor");
        t.setDaemon(true);
        thread = t;
        if (enabled && debtBytes > 0) {
            // Created here, at the opener's priority: a thread inherits its creator's nice value.
            Thread u = new Thread(() -> loop(true), "sluice-compact-urgent");
            u.setDaemon(true);
            urgentThread = u;
            u.start();
        }
        t.start();
    }

    /** Bytes of head chunks in all shards. */
    private long headChunkBytes() {
        long total = 0;
        for (ShardHead h : heads) {
            total += h.chunkBytes();
        }
        return total;
    }

    private boolean overDebt() {
        return debtBytes > 0 && headChunkBytes() > debtBytes;
    }

    /** True on the background thread once the head is over its debt: it stops and leaves the rest to the urgent one. */
    private boolean yieldToUrgent() {
        return background && Thread.currentThread() == thread && overDebt();
    }

    /** Stops the thread after the compaction in progress. */
    void stop() {
        stopped = true;
        for (Thread t : new Thread[] {thread, urgentThread}) {
            if (t != null) {
                LockSupport.unpark(t);
                try {
                    t.join(TimeUnit.SECONDS.toMillis(60));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    @Override
    public void run() {
        if (enabled && debtBytes > 0) {
            background = ThreadPriority.toBackground() != ThreadPriority.Background.UNCHANGED;
            if (!background) {
                LOG.log(System.Logger.Level.DEBUG, "could not lower the compactor's priority; it runs at normal priority");
            }
        }
        loop(false);
    }

    private void loop(boolean urgent) {
        long backoff = CHECK_NANOS;
        while (!stopped) {
            LockSupport.parkNanos(this, backoff);
            if (stopped) {
                return;
            }
            // The background thread works while the head is under its debt, the urgent one beyond it
            // (and never if the background thread could not lower its priority: it is as fast then).
            if (urgent ? !background || !overDebt() : background && overDebt()) {
                continue;
            }
            try {
                compactNow();
                mergeNow();
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

    /** Most head ranges compacted in one pass (one walk of each series' chunks). */
    static final int MAX_RANGES_PER_PASS = 16;

    /** Compacts every range that is due. */
    synchronized void compactNow() throws IOException, InterruptedException {
        if (!enabled) {
            return;
        }
        while (!stopped && !yieldToUrgent()) {
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
            int due = 0;
            while (due < MAX_RANGES_PER_PASS && newest - (start + due * range) > range + range / 2) {
                due++;
            }
            if (due == 0) {
                return;
            }
            compact(start, due);
        }
    }

    /**
     * Compacts the {@code count} ranges from {@code start} on: one walk of each series' chunks
     * finds what all of them hold (when the compactor runs behind, the head spans many ranges, and a
     * walk per range would pass the newer ones again each time), then each range is written and
     * published in turn, oldest first.
     */
    private void compact(long start, int count) throws IOException, InterruptedException {
        long began = System.nanoTime();
        long cpu = cpuNanos();
        long end = start + count * range;
        bounds.raiseAppendMinValid(end);
        Lanes.Published before = ring.published(); // what was published before the bound rose
        while (!before.appended()) {
            if (stopped) {
                return;
            }
            LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(200));
        }
        HeadRanges found;
        readers.readLock().lock();
        try {
            found = new HeadRanges(start, count);
        } finally {
            readers.readLock().unlock();
        }
        for (int r = 0; r < count && !stopped && !yieldToUrgent(); r++) {
            long from = start + r * range;
            Optional<BlockMeta> meta;
            // The chunks of the ranges not yet written stay in their files: the head keeps a file
            // while any of its chunks ends at or after its read bound, which is this range's start.
            readers.readLock().lock();
            try {
                meta = BlockWriter.write(blocks.dir(), from, from + range, found.range(r));
            } finally {
                readers.readLock().unlock();
            }
            if (meta.isPresent()) {
                BlockReader block = BlockReader.open(blocks.dir().resolve(meta.get().ulid().toString()));
                blocks.add(block);
                LOG.log(System.Logger.Level.DEBUG, "compacted [{0}, {1}) into block {2}: {3} series, {4} samples", from,
                    from + range, meta.get().ulid(), meta.get().numSeries(), meta.get().numSamples());
            }
            // The block is visible. Once no reader that took the older view is left (the write side of
            // the gate waits for them), the writers may drop the range from the head.
            readers.writeLock().lock();
            try {
                bounds.raiseReadMinValid(from + range);
                for (ShardHead h : heads) {
                    h.unmapDeletedChunkFiles(); // deleted by retention while a reader was inside
                }
            } finally {
                readers.writeLock().unlock();
            }
            compactions++;
        }
        compactionNanos += System.nanoTime() - began;
        spent(cpuNanos() - cpu);
    }

    /** Merges blocks while the plan finds a group to merge. */
    synchronized void mergeNow() throws IOException {
        if (!enabled) {
            return;
        }
        List<BlockReader> group;
        while (!stopped && !yieldToUrgent() && (group = plan(blocks.view().blocks(), ranges)) != null) {
            merge(group);
        }
    }

    /**
     * Prometheus' {@code LeveledCompactor.plan} without vertical compaction: leave out the newest
     * block (users get a full block range to back it up before it is merged); then, for each range
     * from the second up, split the blocks into aligned ranges and take the first group of more than
     * one block that fills its range or lies wholly before the newest remaining block. Groups with
     * overlapping blocks or tombstones are not merged (Sluice does not rewrite chunks).
     *
     * @return the blocks to merge, oldest first, or null
     */
    static List<BlockReader> plan(BlockReader[] view, long[] ranges) {
        if (ranges.length < 2 || view.length < 3) {
            return null;
        }
        List<BlockReader> ds = new ArrayList<>(List.of(view));
        ds.sort((a, b) -> Long.compare(a.meta().minTime(), b.meta().minTime()));
        ds.remove(ds.size() - 1);
        long highTime = ds.get(ds.size() - 1).meta().minTime();
        for (int r = 1; r < ranges.length; r++) {
            long iv = ranges[r];
            for (List<BlockReader> p : splitByRange(ds, iv)) {
                long mint = p.get(0).meta().minTime();
                long maxt = p.get(p.size() - 1).meta().maxTime();
                if ((maxt - mint == iv || maxt <= highTime) && p.size() > 1 && mergeable(p)) {
                    return p;
                }
            }
        }
        return null;
    }

    private static boolean mergeable(List<BlockReader> p) {
        for (int i = 0; i < p.size(); i++) {
            if (!p.get(i).tombstones().isEmpty()
                || i > 0 && p.get(i - 1).meta().maxTime() > p.get(i).meta().minTime()) {
                return false;
            }
        }
        return true;
    }

    /** Prometheus' {@code splitByRange}: groups of consecutive blocks that lie in one aligned range of {@code tr}. */
    static List<List<BlockReader>> splitByRange(List<BlockReader> ds, long tr) {
        List<List<BlockReader>> out = new ArrayList<>();
        for (int i = 0; i < ds.size(); ) {
            BlockMeta m = ds.get(i).meta();
            long t0 = Math.floorDiv(m.minTime(), tr) * tr;
            if (m.maxTime() > t0 + tr) {
                i++; // misaligned, or as long as the range itself: not merged at this level
                continue;
            }
            List<BlockReader> group = new ArrayList<>();
            for (; i < ds.size() && ds.get(i).meta().maxTime() <= t0 + tr; i++) {
                group.add(ds.get(i));
            }
            if (!group.isEmpty()) {
                out.add(group);
            }
        }
        return out;
    }

    /**
     * Writes {@code group} as one block (tmp directory, forced, renamed; its meta names them as its
     * parents), publishes it in their place, and deletes them once no reader is inside. A crash
     * after the rename leaves the parents beside it; the next open deletes them, because the new
     * block names them.
     */
    private void merge(List<BlockReader> group) throws IOException {
        long began = System.nanoTime();
        long cpu = cpuNanos();
        List<BlockMeta> metas = new ArrayList<>(group.size());
        for (BlockReader b : group) {
            metas.add(b.meta());
        }
        long mint = metas.get(0).minTime();
        long maxt = metas.get(metas.size() - 1).maxTime();
        Optional<BlockMeta> meta;
        try {
            meta = BlockWriter.write(blocks.dir(), mint, maxt, new BlockMerger(group, () -> stopped),
                BlockWriter.Options.defaults().withParents(metas));
        } catch (java.util.concurrent.CancellationException e) {
            return; // closing: the parents stay, the tmp directory is gone
        }
        BlockReader merged = meta.isPresent()
            ? BlockReader.open(blocks.dir().resolve(meta.get().ulid().toString())) : null;
        blocks.replace(group, merged);
        readers.writeLock().lock(); // no reader is inside the parents any more
        try {
            for (BlockReader b : group) {
                b.close();
            }
        } finally {
            readers.writeLock().unlock();
        }
        for (BlockMeta m : metas) {
            blocks.delete(m);
        }
        merges++;
        compactionNanos += System.nanoTime() - began;
        spent(cpuNanos() - cpu);
        LOG.log(System.Logger.Level.DEBUG, "merged {0} blocks into [{1}, {2}): {3}", group.size(), mint, maxt,
            meta.map(m -> m.ulid().toString()).orElse("(no series)"));
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

    /** CPU time of the calling thread, or 0 where the JVM cannot measure it. */
    private static long cpuNanos() {
        return THREADS.isCurrentThreadCpuTimeSupported() ? Math.max(0, THREADS.getCurrentThreadCpuTime()) : 0;
    }

    long compactionCpuNanos() {
        return compactionCpuNanos;
    }

    /** Of {@link #compactionCpuNanos}, what the urgent thread (normal priority, over the debt) spent. */
    long urgentCpuNanos() {
        return urgentCpuNanos;
    }

    private void spent(long cpu) {
        compactionCpuNanos += cpu; // one compaction at a time (synchronized): no lost update
        if (Thread.currentThread() == urgentThread) {
            urgentCpuNanos += cpu;
        }
    }

    long compactionNanos() {
        return compactionNanos;
    }

    long merges() {
        return merges;
    }

    long deletedBlocks() {
        return deletedBlocks;
    }

    Throwable lastFailure() {
        return lastFailure;
    }

    /** Every registered series as {@code shard << 32 | id}, in label order; grown as series appear. */
    private long[] order = new long[0];
    /** Per shard: local ids below this are in {@link #order}. */
    private int[] ordered;

    /**
     * Brings {@link #order} up to the registry: the series created since the last call are sorted
     * among themselves and inserted by binary search, so a compaction compares labels for its new
     * series only, not for all of them.
     */
    private void updateOrder() {
        if (ordered == null) {
            ordered = new int[heads.length];
        }
        List<Long> fresh = new ArrayList<>();
        for (int shard = 0; shard < heads.length; shard++) {
            int limit = registry.idLimit(shard);
            int id = ordered[shard];
            for (; id < limit && registry.labels(shard, id) != null; id++) {
                fresh.add((long) shard << 32 | id);
            }
            ordered[shard] = id;
        }
        if (fresh.isEmpty()) {
            return;
        }
        fresh.sort((a, b) -> LabelOrder.compare(labelsOf(a), labelsOf(b)));
        long[] merged = new long[order.length + fresh.size()];
        int from = 0; // next element of order to copy
        int out = 0;
        for (long f : fresh) {
            Labels l = labelsOf(f);
            int lo = from;
            int hi = order.length;
            while (lo < hi) { // first element of order[from..] that sorts after l
                int mid = (lo + hi) >>> 1;
                if (LabelOrder.compare(labelsOf(order[mid]), l) < 0) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            System.arraycopy(order, from, merged, out, lo - from);
            out += lo - from;
            from = lo;
            merged[out++] = f;
        }
        System.arraycopy(order, from, merged, out, order.length - from);
        order = merged;
    }

    private Labels labelsOf(long packed) {
        return registry.labels((int) (packed >>> 32), (int) packed);
    }

    /**
     * The head's chunks in consecutive ranges, found in one walk of each series' chain: per range,
     * the series with chunks in it (in label order) and their chunks' positions in the head-chunk
     * log. An open chunk has no position; its bytes are copied, since the writer may cut it at any
     * moment (after which the log holds the same bytes).
     */
    private final class HeadRanges implements ShardHead.PositionSink {
        private final long start;
        private final int count;
        private final ShardHead.ReadScratch scratch = new ShardHead.ReadScratch();
        // Per range: its series (shard << 32 | id) and, per series, where its chunks start in `chunks`.
        private final long[][] series;
        private final int[] seriesCount;
        private final int[][] chunkFrom;
        // Per range: chunk positions, or -(offset in openBytes) - 2 for a copied open chunk.
        private final long[][] chunks;
        private final int[] chunkCount;
        private byte[] openBytes = new byte[4096];
        private int openUsed;
        private final org.agrona.collections.LongArrayList openMeta = new org.agrona.collections.LongArrayList();
        private long current;
        private int currentRange = -1;

        HeadRanges(long start, int count) throws IOException {
            this.start = start;
            this.count = count;
            series = new long[count][16];
            seriesCount = new int[count];
            chunkFrom = new int[count][17];
            chunks = new long[count][64];
            chunkCount = new int[count];
            updateOrder();
            long end = start + count * range;
            for (long packed : order) {
                HeadSeries s = heads[(int) (packed >>> 32)].get((int) packed);
                if (s == null || !s.isLogged() || s.newestTimestamp() < start) {
                    continue;
                }
                current = packed;
                currentRange = -1;
                heads[(int) (packed >>> 32)].chunkPositionsIn((int) packed, start, end, this, scratch);
            }
            for (int r = 0; r < count; r++) {
                chunkFrom[r][seriesCount[r]] = chunkCount[r];
            }
        }

        @Override
        public void chunk(long position, long minTime, long maxTime, DirectBuffer buffer, int offset, int length) {
            int r = (int) Math.floorDiv(minTime - start, range);
            if (r != currentRange) { // chunks come oldest first: a new range starts a new entry
                currentRange = r;
                if (seriesCount[r] + 1 >= series[r].length) {
                    series[r] = java.util.Arrays.copyOf(series[r], series[r].length * 2);
                    chunkFrom[r] = java.util.Arrays.copyOf(chunkFrom[r], series[r].length + 1);
                }
                series[r][seriesCount[r]] = current;
                chunkFrom[r][seriesCount[r]++] = chunkCount[r];
            }
            long ref = position;
            if (position == ShardHead.OPEN_CHUNK) {
                if (openUsed + length > openBytes.length) {
                    openBytes = java.util.Arrays.copyOf(openBytes, Math.max(openBytes.length * 2, openUsed + length));
                }
                buffer.getBytes(offset, openBytes, openUsed, length);
                ref = -2 - openMeta.size();
                openMeta.addLong(openUsed);
                openMeta.addLong(length);
                openMeta.addLong(minTime);
                openMeta.addLong(maxTime);
                openUsed += length;
            }
            if (chunkCount[r] == chunks[r].length) {
                chunks[r] = java.util.Arrays.copyOf(chunks[r], chunkCount[r] * 2);
            }
            chunks[r][chunkCount[r]++] = ref;
        }

        BlockSource range(int r) {
            return new BlockSource() {
                private final org.agrona.concurrent.UnsafeBuffer open = new org.agrona.concurrent.UnsafeBuffer(openBytes);
                private ChunkSink sink;
                private final ShardHead.ChunkSink adapter = (minT, maxT, buf, off, len) ->
                    sink.chunk(minT, maxT, (byte) XorChunkDescriptor.ENCODING_XOR, buf, off, len);

                @Override
                public int seriesCount() {
                    return seriesCount[r];
                }

                @Override
                public Labels labels(int i) {
                    return labelsOf(series[r][i]);
                }

                @Override
                public void chunks(int i, ChunkSink sink) throws IOException {
                    this.sink = sink;
                    ShardHead head = heads[(int) (series[r][i] >>> 32)];
                    for (int c = chunkFrom[r][i]; c < chunkFrom[r][i + 1]; c++) {
                        long ref = chunks[r][c];
                        if (ref >= 0) {
                            head.chunkAt(ref, adapter);
                        } else {
                            int m = (int) (-2 - ref);
                            sink.chunk(openMeta.getLong(m + 2), openMeta.getLong(m + 3),
                                (byte) XorChunkDescriptor.ENCODING_XOR, open, (int) openMeta.getLong(m),
                                (int) openMeta.getLong(m + 1));
                        }
                    }
                }
            };
        }
    }
}
