package io.sluice.engine;

import io.sluice.index.LabelsHasher;
import io.sluice.index.PostingsShard;
import io.sluice.index.SeriesRegistry;
import io.sluice.ingest.DurableSignal;
import io.sluice.ingest.EngineState;
import io.sluice.ingest.IngestRing;
import io.sluice.ingest.ShardHandler;
import io.sluice.ingest.ShardProgress;
import io.sluice.metrics.IntervalListener;
import io.sluice.metrics.LatencyRecorders;
import io.sluice.metrics.MetricsCollector;
import io.sluice.metrics.QueryMetrics;
import io.sluice.metrics.ShardCounters;
import io.sluice.record.CompactRecord;
import io.sluice.record.SamplesRecord;
import io.sluice.record.SeriesRecord;
import io.sluice.head.HeadChunkDescriptor;
import io.sluice.head.HeadChunkLog;
import io.sluice.head.HeadBounds;
import io.sluice.head.HeadSeries;
import io.sluice.head.ShardHead;
import io.sluice.wal.Checkpoints;
import io.sluice.wal.FrameDescriptor;
import io.sluice.wal.ReplayOutcome;
import io.sluice.wal.SegmentDescriptor;
import io.sluice.wal.SegmentPreparer;
import io.sluice.wal.ShardLogReader;
import io.sluice.wal.ShardWal;
import io.sluice.wal.WalFileSystem;
import io.sluice.wal.WalSegments;
import org.HdrHistogram.Histogram;
import org.roaringbitmap.IntIterator;
import org.roaringbitmap.RoaringBitmap;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.LongConsumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A Sluice engine over one data directory: producers publish samples through {@link Appender}s to a
 * Disruptor ring; one handler thread per shard appends them to that shard's memory-mapped WAL and
 * store. {@link #open} replays the WAL first, so everything acknowledged before a crash is back.
 *
 * <pre>{@code
 * try (Sluice db = Sluice.open(SluiceConfig.builder().dir(path).durability(Durability.BATCH).build())) {
 *     long ref = db.series(Labels.of("__name__", "cpu_seconds", "host", "a"));
 *     Appender app = db.appender();
 *     app.add(ref, System.currentTimeMillis(), 0.5);
 *     db.awaitDurable(app.commit());
 * }
 * }</pre>
 *
 * <p>Threading: all methods are thread-safe. Each {@link Appender} belongs to one thread.
 */
public final class Sluice implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("io.sluice.engine");
    private static final Pattern SHARD_DIR = Pattern.compile("shard-(\\d+)");

    private final SluiceConfig config;
    private final Path dir;
    private final int shards;
    private final SeriesRegistry registry;
    private final ShardHead[] heads;
    private final BlockStore blocks;
    private final HeadBounds bounds;
    private Compactor compactor;
    private final PostingsShard[] indexes;
    private final QueryMetrics queryMetrics = new QueryMetrics();
    private final ShardCounters[] counters;
    private final ShardProgress[] progress;
    private final MetricsCollector collector;
    private final IngestRing ring;
    private final EngineState state;
    private final ReplayReport replayReport;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final SegmentPreparer preparer;
    private final ExecutorService retirer;
    private final Thread metricsThread;
    private final ReentrantReadWriteLock readers;
    private volatile boolean closed;
    private final Object closeLock = new Object();

    private Sluice(SluiceConfig config, Path dir, int shards, SeriesRegistry registry, ShardHead[] heads,
                   BlockStore blocks, HeadBounds bounds,
                   PostingsShard[] indexes, ShardCounters[] counters, ShardProgress[] progress, MetricsCollector collector, IngestRing ring,
                   EngineState state, ReplayReport replayReport, FileChannel lockChannel, FileLock lock,
                   SegmentPreparer preparer, ReentrantReadWriteLock readers, ExecutorService retirer) {
        this.preparer = preparer;
        this.retirer = retirer;
        this.readers = readers;
        this.config = config;
        this.dir = dir;
        this.shards = shards;
        this.registry = registry;
        this.heads = heads;
        this.blocks = blocks;
        this.bounds = bounds;
        this.indexes = indexes;
        this.counters = counters;
        this.progress = progress;
        this.collector = collector;
        this.ring = ring;
        this.state = state;
        this.replayReport = replayReport;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.metricsThread = new Thread(this::collectMetrics, "sluice-metrics");
        this.metricsThread.setDaemon(true);
    }

    /**
     * Opens (or creates) the directory, replays every shard's WAL in parallel, and starts the shard
     * handlers.
     *
     * @throws io.sluice.wal.WalCorruptionException if a WAL is corrupt and {@link SluiceConfig#repair()} is off
     * @throws IOException                           on I/O errors, or if another engine has the directory open
     * @throws IllegalArgumentException              if the directory's shard count differs from a requested one,
     *                                               the directory was written with another label hash, or the
     *                                               ring or segment size cannot work with the shard count
     * @throws IllegalStateException                 if the JVM lacks the flags Sluice needs (the message lists them)
     */
    public static Sluice open(SluiceConfig config) throws IOException {
        Objects.requireNonNull(config, "config");
        JvmAccess.check();
        ChronicleDefaults.apply();
        WalFileSystem fs = config.fileSystem();
        Path dir = config.dir().toAbsolutePath();
        fs.createDirectories(dir);
        FileChannel lockChannel = FileChannel.open(dir.resolve("LOCK"), StandardOpenOption.CREATE,
            StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = lockChannel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            lockChannel.close();
            throw new IOException("directory " + dir + " is in use by another Sluice engine");
        }
        List<ShardWal> wals = new ArrayList<>();
        SegmentPreparer preparer = new SegmentPreparer(config.prefaultSegments());
        // Retention's file work (checkpoint, deletions, directory force, unmapping) runs here, off the writers.
        ExecutorService retirer = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "sluice-retention");
            t.setDaemon(true);
            return t;
        });
        try {
            return openLocked(config, fs, dir, lockChannel, lock, wals, preparer, retirer);
        } catch (IOException | RuntimeException | Error e) {
            for (ShardWal w : wals) {
                try {
                    w.close(false);
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            preparer.close();
            retirer.shutdown();
            lock.release();
            lockChannel.close();
            throw e;
        }
    }

    private static Sluice openLocked(SluiceConfig config, WalFileSystem fs, Path dir, FileChannel lockChannel,
                                     FileLock lock, List<ShardWal> wals, SegmentPreparer preparer,
                                     ExecutorService retirer) throws IOException {
        // Before replay touches anything: a directory written with another label hash is refused.
        DirectoryMeta.checkOrCreate(fs, dir, config.hasherId(), LabelsHasher.DEFAULT_ID);
        int shards = resolveShards(config, dir);
        checkFits(config, shards);
        long segmentSize = config.segmentSize();
        BlockStore blocks = BlockStore.open(dir);
        try {
            return openWithBlocks(config, fs, dir, lockChannel, lock, wals, preparer, retirer, shards, blocks);
        } catch (IOException | RuntimeException | Error e) {
            blocks.close();
            throw e;
        }
    }

    private static Sluice openWithBlocks(SluiceConfig config, WalFileSystem fs, Path dir, FileChannel lockChannel,
                                         FileLock lock, List<ShardWal> wals, SegmentPreparer preparer,
                                         ExecutorService retirer, int shards, BlockStore blocks) throws IOException {
        long segmentSize = config.segmentSize();
        // Blocks hold everything before their newest end: replay skips it, and the head never takes it again.
        HeadBounds bounds = new HeadBounds();
        bounds.raiseReadMinValid(blocks.view().headFrom());
        SeriesRegistry registry = new SeriesRegistry(shards, config.hasher(), labels -> {
            long framed = FrameDescriptor.framedLength(SeriesRecord.bodyLength(labels));
            if (SegmentDescriptor.HEADER_LENGTH + framed + FrameDescriptor.END_FRAME_LENGTH > segmentSize) {
                throw new IllegalArgumentException("the series record of " + labels.size() + " labels takes " + framed
                    + " bytes, more than a segment of " + segmentSize + " bytes can hold; use a larger segmentSize");
            }
            return 0;
        });
        WalSegments[] segments = new WalSegments[shards];
        ShardHead[] heads = new ShardHead[shards];
        ShardRecovery[] recoveries = new ShardRecovery[shards];
        PostingsShard[] indexes = new PostingsShard[shards];
        for (int s = 0; s < shards; s++) {
            segments[s] = new WalSegments();
            heads[s] = new ShardHead(s, config.blockRange().toMillis(), bounds);
            indexes[s] = new PostingsShard();
            recoveries[s] = new ShardRecovery(s, registry, heads[s], indexes[s]);
        }

        long start = System.nanoTime();
        ReplayOutcome[] outcomes;
        try {
            outcomes = replayAll(config, fs, dir, shards, segments, recoveries, heads, preparer);
        } catch (IOException | RuntimeException e) {
            for (ShardHead h : heads) {
                h.close();
            }
            throw e;
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        List<ReplayReport.Shard> reports = new ArrayList<>();
        for (int s = 0; s < shards; s++) {
            reports.add(new ReplayReport.Shard(s, outcomes[s], recoveries[s], heads[s].chunkLog()));
        }
        ReplayReport report = new ReplayReport(reports, seconds);

        boolean forceOnRoll = config.durability().mode() != Durability.Mode.NONE;
        for (int s = 0; s < shards; s++) {
            wals.add(ShardWal.resume(fs, shardDir(dir, s), s, shards, segmentSize, forceOnRoll, outcomes[s], preparer,
                config.walTruncateSegments()));
        }

        // Readers hold the read side while they are inside mapped head-chunk files; close and retention's
        // unmapping take the write side.
        ReentrantReadWriteLock readers = new ReentrantReadWriteLock();
        EngineState state = new EngineState();
        DurableSignal signal = new DurableSignal();
        ShardCounters[] counters = new ShardCounters[shards];
        ShardProgress[] progress = new ShardProgress[shards];
        LatencyRecorders[] latencies = new LatencyRecorders[shards];
        ShardHandler[] handlers = new ShardHandler[shards];
        for (int s = 0; s < shards; s++) {
            counters[s] = new ShardCounters();
            progress[s] = new ShardProgress();
            latencies[s] = new LatencyRecorders(config.durability().mode() == Durability.Mode.NONE);
            handlers[s] = new ShardHandler(s, shards, wals.get(s), heads[s], registry, indexes[s], config.durability(),
                config.ringSize(), latencies[s], counters[s], progress[s], signal, state, config.retention().toMillis(),
                config.retentionCheckInterval().toNanos(), config.walTruncateSegments(), retirer, readers.writeLock());
        }
        IngestRing ring = new IngestRing(config.ringSize(), config.eventCapacity(), config.waitStrategy(), handlers,
            registry, state, signal);
        MetricsCollector collector = new MetricsCollector(latencies, counters);
        for (int s = 0; s < shards; s++) {
            progress[s].times(recoveries[s].oldest(), recoveries[s].newest());
        }
        Sluice db = new Sluice(config, dir, shards, registry, heads, blocks, bounds, indexes, counters, progress, collector, ring, state,
            report, lockChannel, lock, preparer, readers, retirer);
        db.compactor = new Compactor(heads, progress, registry, ring, blocks, bounds, readers,
            config.blockRanges(), config.retention().toMillis(), config.compaction(), config.compactionDebtBytes());
        ring.start();
        db.metricsThread.start();
        db.compactor.start();
        LOG.log(System.Logger.Level.DEBUG, "opened {0}: {1} shard(s), replayed {2} samples in {3}s", dir, shards,
            report.samples(), seconds);
        return db;
    }

    /**
     * Settings that are each valid alone but cannot work together once the shard count is known
     * (it may come from the directory): refused before anything is replayed.
     */
    private static void checkFits(SluiceConfig config, int shards) {
        if (config.ringSize() < shards) {
            throw new IllegalArgumentException("ring size " + config.ringSize() + " is smaller than the " + shards
                + " shards: a commit may need one ring slot per shard; use ringSize(" + Integer.highestOneBit(
                    Math.max(2, shards) * 2 - 1) + ") or more");
        }
        int cap = config.eventCapacity();
        long largest = Math.max(FrameDescriptor.framedLength(SamplesRecord.bodyLength(cap)),
            FrameDescriptor.framedLength(CompactRecord.maxBodyLength(cap)));
        long needed = SegmentDescriptor.HEADER_LENGTH + largest + FrameDescriptor.END_FRAME_LENGTH;
        if (needed > config.segmentSize()) {
            throw new IllegalArgumentException("segment size " + config.segmentSize() + " cannot hold the record of"
                + " one full ring event (" + cap + " samples need " + needed + " bytes with the segment header and"
                + " end marker); use a segmentSize of at least " + ((needed + 4095) / 4096 * 4096)
                + " or a smaller eventCapacity");
        }
    }

    private static ReplayOutcome[] replayAll(SluiceConfig config, WalFileSystem fs, Path dir, int shards,
                                             WalSegments[] segments, ShardRecovery[] recoveries, ShardHead[] heads,
                                             SegmentPreparer preparer) throws IOException {
        ReplayOutcome[] outcomes = new ReplayOutcome[shards];
        int threads = Math.min(shards, Math.max(1, Runtime.getRuntime().availableProcessors()));
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "sluice-replay");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<ReplayOutcome>> futures = new ArrayList<>();
            for (int s = 0; s < shards; s++) {
                final int shard = s;
                futures.add(pool.submit(() -> replayShard(config, fs, shardDir(dir, shard), shard, shards,
                    recoveries[shard], heads[shard], segments[shard], preparer)));
            }
            IOException first = null;
            for (int s = 0; s < shards; s++) {
                try {
                    outcomes[s] = futures.get(s).get();
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    IOException io = cause instanceof IOException ? (IOException) cause
                        : new IOException("replay of shard " + s + " failed: " + cause, cause);
                    if (first == null) {
                        first = io;
                    } else {
                        first.addSuppressed(io);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted during replay", e);
                }
            }
            if (first != null) {
                for (WalSegments seg : segments) {
                    closeQuietly(seg);
                }
                throw first;
            }
            return outcomes;
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * One shard, in Prometheus' order: the head-chunk log (its forced position comes from the newest
     * checkpoint), then the checkpoint and the WAL tail.
     */
    private static ReplayOutcome replayShard(SluiceConfig config, WalFileSystem fs, Path shardDir, int shard,
                                             int shards, ShardRecovery recovery, ShardHead head, WalSegments segments,
                                             SegmentPreparer preparer) throws IOException {
        long forced = Checkpoints.state(fs, shardDir, shard, shards);
        HeadChunkLog chunkLog = HeadChunkLog.open(fs, shardDir.resolve(HeadChunkDescriptor.DIRECTORY), shard, shards,
            config.headChunkFileSize(), preparer, forced, config.repair(), recovery.chunkVisitor());
        head.chunkLog(chunkLog);
        head.relinks(recovery.relinks());
        ReplayOutcome outcome = ShardLogReader.replay(fs, shardDir, shard, shards, recovery, config.repair(), segments);
        try {
            recovery.finish(config.repair());
        } catch (IOException | RuntimeException e) {
            closeQuietly(segments);
            throw e;
        }
        return outcome;
    }

    private static void closeQuietly(WalSegments segments) {
        for (io.sluice.wal.WalSegment s : segments.snapshot()) {
            s.mapping().close();
        }
    }

    private static int resolveShards(SluiceConfig config, Path dir) throws IOException {
        List<Integer> found = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.filter(Files::isDirectory).forEach(p -> {
                java.util.regex.Matcher m = SHARD_DIR.matcher(p.getFileName().toString());
                if (m.matches()) {
                    found.add(Integer.parseInt(m.group(1)));
                }
            });
        }
        if (found.isEmpty()) {
            return config.shards() != 0 ? config.shards() : SluiceConfig.defaultShards();
        }
        int n = found.size();
        for (int i = 0; i < n; i++) {
            if (!found.contains(i)) {
                throw new IOException("directory " + dir + " has " + n + " shard directories but no shard-"
                    + String.format("%03d", i) + ": the layout is damaged");
            }
        }
        if (Integer.bitCount(n) != 1) {
            throw new IOException("directory " + dir + " has " + n + " shard directories; a power of two is expected");
        }
        if (config.shards() != 0 && config.shards() != n) {
            throw new IllegalArgumentException("directory " + dir + " holds " + n + " shard(s) but " + config.shards()
                + " were requested; open it with shards(" + n + ") or shards(0)");
        }
        return n;
    }

    static Path shardDir(Path dir, int shard) {
        return dir.resolve(String.format("shard-%03d", shard));
    }

    private void collectMetrics() {
        long interval = config.metricsInterval().toNanos();
        long next = System.nanoTime() + interval;
        while (!closed) {
            long wait = next - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(this, wait);
                continue;
            }
            next += interval;
            try {
                collector.sample();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "metrics listener failed", e);
            }
        }
    }

    /**
     * The ref of the series with these labels, creating it if new. Producers should call this once
     * per series and cache the ref. A series gets its record in the WAL (and so survives a reopen
     * and shows in queries) with its first sample.
     *
     * @throws IllegalArgumentException if the labels' series record cannot fit in a segment
     * @throws IllegalStateException    if the engine is closed ({@link SluiceFailedException} if it failed)
     */
    public long series(Labels labels) {
        Objects.requireNonNull(labels, "labels");
        state.checkWritable();
        return registry.getOrCreate(labels);
    }

    /**
     * The ref of an existing series (in the head or in a block), or -1. Never creates a series: a
     * series only blocks hold gets a ref, which writes nothing.
     *
     * @throws IllegalStateException if the engine is closed
     */
    public long find(Labels labels) {
        Objects.requireNonNull(labels, "labels");
        checkReadable();
        long ref = registry.find(labels);
        if (ref >= 0 || blocks.view().blocks().length == 0) {
            return ref;
        }
        // A series only the blocks hold (written before the head's range, or by Prometheus) gets its
        // ref when first found, as when a selector first returns it.
        readers.readLock().lock();
        try {
            checkReadable();
            for (io.sluice.block.BlockReader b : blocks.view().blocks()) {
                if (BlockQueries.find(b, labels) >= 0) {
                    return registry.getOrCreate(labels);
                }
            }
        } catch (io.sluice.block.BlockCorruptionException e) {
            throw new java.io.UncheckedIOException(e);
        } finally {
            readers.readLock().unlock();
        }
        return -1;
    }

    /**
     * The labels of a series, or null if the ref names none.
     *
     * @throws IllegalStateException if the engine is closed
     */
    public Labels labels(long ref) {
        checkReadable();
        return registry.labels(ref);
    }

    /**
     * A new appender for the calling thread.
     *
     * @throws IllegalStateException if the engine is closed ({@link SluiceFailedException} if it failed)
     */
    public Appender appender() {
        return ring.newAppender();
    }

    /**
     * Waits until every sample published up to {@code sequence} (from {@link Appender#commit()}) is
     * durable under the engine's {@link Durability}. Returns at once for a sequence that is already
     * durable, even after a later failure or after close. A clean {@link #close()} makes everything
     * committed before it durable, so a wait that spans a close returns normally.
     *
     * @throws SluiceFailedException if the engine failed before the sequence became durable
     * @throws IllegalStateException if the engine closed without making the sequence durable
     * @throws InterruptedException  if the waiting thread is interrupted
     */
    public void awaitDurable(long sequence) throws InterruptedException {
        ring.awaitDurable(sequence);
    }

    /**
     * True if every sample published up to {@code sequence} (from {@link Appender#commit()}) is
     * durable under the engine's {@link Durability}; true for -1 (nothing published). Works after close.
     *
     * @throws IllegalArgumentException if no appender of this engine published that sequence
     */
    public boolean isDurable(long sequence) {
        return ring.isDurable(sequence);
    }

    /** A snapshot of counters and latency histograms. Works after close: the final figures. */
    public EngineMetrics metrics() {
        List<EngineMetrics.ShardMetrics> list = new ArrayList<>();
        for (int s = 0; s < shards; s++) {
            ShardCounters c = counters[s];
            list.add(new EngineMetrics.ShardMetrics(s, c.records, c.bytes, c.samples, c.seriesCreated, c.outOfOrder,
                c.duplicates, c.errors, c.forces, c.durableSamples));
        }
        Histogram[] h = collector.snapshot();
        return new EngineMetrics(System.currentTimeMillis(), list, ring.commitRejections(), h[0], h[1], h[2], h[3],
            queryMetrics.lookups(), queryMetrics.queries(), queryMetrics.queryLatency());
    }

    /**
     * Calls {@code listener} on the metrics thread at the end of every metrics interval, with that
     * interval's latencies and the engine's counters. The interval object is reused: copy what you keep.
     *
     * @throws IllegalStateException if the engine is closed (there will be no more intervals)
     */
    public void addIntervalListener(IntervalListener listener) {
        Objects.requireNonNull(listener, "listener");
        checkReadable();
        collector.addListener(listener);
    }

    /**
     * Ends the current metrics interval now: listeners are called on this thread with what was
     * recorded since the previous interval. A harness calls it once its load is done, so that its
     * interval log covers every sample.
     *
     * @throws IllegalStateException if the engine is closed (close ended the last interval)
     */
    public void endMetricsInterval() {
        checkReadable();
        collector.sample();
    }

    /** Stops calling {@code listener}; a no-op if it is not registered. Works after close. */
    public void removeIntervalListener(IntervalListener listener) {
        collector.removeListener(listener);
    }

    /** What replay found when this engine opened. Works after close. */
    public ReplayReport replayReport() {
        return replayReport;
    }

    /** The shard count (the directory's). Works after close. */
    public int shards() {
        return shards;
    }

    /** The data directory, absolute. Works after close. */
    public Path dir() {
        return dir;
    }

    /** The configuration this engine was opened with. Works after close. */
    public SluiceConfig config() {
        return config;
    }

    /**
     * Reads the stored samples of a series with {@code mint <= timestamp <= maxt}, oldest first. Runs
     * concurrently with the writers and sees a prefix of the series at the time of the call.
     *
     * @return the number of samples delivered
     * @throws IllegalStateException if the engine is closed
     */
    public long read(long ref, long mint, long maxt, SampleConsumer consumer) {
        Objects.requireNonNull(consumer, "consumer");
        int shard = SeriesRef.shard(ref);
        if (shard >= shards || ref < 0) {
            checkReadable();
            return 0;
        }
        readers.readLock().lock();
        try {
            checkReadable();
            // One view for the whole read: blocks before headFrom, the head from it on.
            BlockStore.View view = blocks.view();
            long delivered = 0;
            if (view.blocks().length > 0 && mint < view.headFrom()) {
                Labels labels = registry.labels(ref);
                if (labels != null) {
                    delivered += BlockQueries.read(view.blocks(), labels, mint, Math.min(maxt, view.headFrom() - 1),
                        consumer, new long[] {Long.MIN_VALUE});
                }
            }
            delivered += heads[shard].read(SeriesRef.localId(ref), Math.max(mint, view.headFrom()), maxt, consumer,
                new ShardHead.ReadScratch());
            return delivered;
        } finally {
            readers.readLock().unlock();
        }
    }

    /**
     * Calls {@code consumer} with the ref of every series that has a record in the WAL, shard by shard.
     *
     * @throws IllegalStateException if the engine is closed
     */
    public void forEachSeries(LongConsumer consumer) {
        Objects.requireNonNull(consumer, "consumer");
        for (long ref : allRefs()) {
            consumer.accept(ref);
        }
    }

    /** Every series of the head (with a WAL record) and of the blocks, in ref order. */
    private long[] allRefs() {
        org.roaringbitmap.longlong.Roaring64Bitmap refs = new org.roaringbitmap.longlong.Roaring64Bitmap();
        readers.readLock().lock();
        try {
            checkReadable();
            for (int s = 0; s < shards; s++) {
                int limit = registry.idLimit(s);
                for (int id = 0; id < limit; id++) {
                    HeadSeries h = heads[s].get(id);
                    if (h != null && h.isLogged()) {
                        refs.addLong(SeriesRef.of(s, id));
                    }
                }
            }
            for (io.sluice.block.BlockReader b : blocks.view().blocks()) {
                addBlockSeries(b, b.allSeries(), refs);
            }
        } catch (io.sluice.block.BlockCorruptionException e) {
            throw new java.io.UncheckedIOException(e);
        } finally {
            readers.readLock().unlock();
        }
        return sortedRefs(refs);
    }

    /** Adds the refs of a block's series (registered in memory if the head never saw them). */
    private void addBlockSeries(io.sluice.block.BlockReader b, RoaringBitmap ids,
                                org.roaringbitmap.longlong.Roaring64Bitmap refs)
        throws io.sluice.block.BlockCorruptionException {
        IntIterator it = ids.getIntIterator();
        while (it.hasNext()) {
            refs.addLong(registry.getOrCreate(b.labels(it.next())));
        }
    }

    /** Refs sorted as the API promises: shard, then local id. */
    private static long[] sortedRefs(org.roaringbitmap.longlong.Roaring64Bitmap refs) {
        long[] out = refs.toArray();
        for (int i = 0; i < out.length; i++) {
            out[i] = (out[i] & 0xFFFF) << 47 | (out[i] >>> 16); // shard first
        }
        java.util.Arrays.sort(out);
        for (int i = 0; i < out.length; i++) {
            out[i] = (out[i] & ((1L << 47) - 1)) << 16 | (out[i] >>> 47);
        }
        return out;
    }

    /**
     * The refs of the series that match every matcher, in ref order (shard, then local id). The
     * index holds the series that have a record in the WAL; a series being created concurrently
     * is either wholly in the answer or not in it.
     *
     * @throws IllegalArgumentException if no matcher is given or every matcher matches the empty
     *                                  string (see {@link Matcher#checkSelector})
     * @throws IllegalStateException    if the engine is closed
     */
    public long[] series(Matcher... matchers) {
        Matcher.checkSelector(matchers);
        checkReadable();
        long start = System.nanoTime();
        long[] refs = select(matchers);
        queryMetrics.lookup(System.nanoTime() - start);
        return refs;
    }

    /** The head's answer (each shard's index) and every block's, as refs in ref order. */
    private long[] select(Matcher[] matchers) {
        BlockStore.View view = blocks.view();
        if (view.blocks().length == 0) {
            return selectHead(matchers);
        }
        org.roaringbitmap.longlong.Roaring64Bitmap refs = new org.roaringbitmap.longlong.Roaring64Bitmap();
        for (long ref : selectHead(matchers)) {
            refs.addLong(ref);
        }
        readers.readLock().lock();
        try {
            checkReadable();
            for (io.sluice.block.BlockReader b : blocks.view().blocks()) {
                addBlockSeries(b, b.select(matchers), refs);
            }
        } catch (io.sluice.block.BlockCorruptionException e) {
            throw new java.io.UncheckedIOException(e);
        } finally {
            readers.readLock().unlock();
        }
        return sortedRefs(refs);
    }

    /** Scatter: each shard's index answers for its series; gather: the refs, shard by shard. */
    private long[] selectHead(Matcher[] matchers) {
        RoaringBitmap[] perShard = new RoaringBitmap[shards];
        long total = 0;
        for (int s = 0; s < shards; s++) {
            perShard[s] = indexes[s].select(matchers);
            total += perShard[s].getLongCardinality();
        }
        if (total > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("selector " + Matcher.toString(matchers) + " matches " + total
                + " series, more than an array can hold");
        }
        long[] refs = new long[(int) total];
        int k = 0;
        for (int s = 0; s < shards; s++) {
            IntIterator it = perShard[s].getIntIterator();
            while (it.hasNext()) {
                refs[k++] = SeriesRef.of(s, it.next());
            }
        }
        return refs;
    }

    /**
     * Runs a query: the series that match every matcher, each with its samples in
     * {@code [mint, maxt]}. Close the set when done (its latency is recorded then).
     *
     * @throws IllegalArgumentException if the selector would match every series, or mint &gt; maxt
     * @throws IllegalStateException    if the engine is closed
     */
    public SeriesSet query(long mint, long maxt, Matcher... matchers) {
        Matcher.checkSelector(matchers);
        if (mint > maxt) {
            throw new IllegalArgumentException("mint " + mint + " is after maxt " + maxt);
        }
        checkReadable();
        long start = System.nanoTime();
        long[] refs = select(matchers);
        return new SeriesSet(this, refs, mint, maxt, queryMetrics, System.nanoTime() - start);
    }

    /**
     * Label names that some series carries, sorted.
     *
     * @throws IllegalStateException if the engine is closed
     */
    public List<String> labelNames() {
        checkReadable();
        long start = System.nanoTime();
        TreeSet<String> names = new TreeSet<>();
        for (PostingsShard index : indexes) {
            names.addAll(index.labelNames());
        }
        readers.readLock().lock();
        try {
            checkReadable();
            for (io.sluice.block.BlockReader b : blocks.view().blocks()) {
                names.addAll(b.labelNames());
            }
        } finally {
            readers.readLock().unlock();
        }
        queryMetrics.lookup(System.nanoTime() - start);
        return Collections.unmodifiableList(new ArrayList<>(names));
    }

    /**
     * The values of label {@code name}, sorted: of all series when no matcher is given, else of the
     * series that match every matcher.
     *
     * @throws IllegalArgumentException if matchers are given and every one matches the empty string
     * @throws IllegalStateException    if the engine is closed
     */
    public List<String> labelValues(String name, Matcher... matchers) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(matchers, "matchers");
        if (matchers.length > 0) {
            Matcher.checkSelector(matchers);
        }
        checkReadable();
        long start = System.nanoTime();
        TreeSet<String> values = new TreeSet<>();
        for (int s = 0; s < shards; s++) {
            PostingsShard index = indexes[s];
            if (matchers.length == 0) {
                values.addAll(index.labelValues(name, null));
                continue;
            }
            RoaringBitmap among = index.select(matchers);
            if (among.getLongCardinality() < index.valueCount(name)) {
                // Fewer series than values: read the value off each series instead of probing every posting.
                IntIterator it = among.getIntIterator();
                while (it.hasNext()) {
                    Labels l = registry.labels(s, it.next());
                    String v = l == null ? null : l.get(name);
                    if (v != null) {
                        values.add(v);
                    }
                }
            } else {
                values.addAll(index.labelValues(name, among));
            }
        }
        readers.readLock().lock();
        try {
            checkReadable();
            for (io.sluice.block.BlockReader b : blocks.view().blocks()) {
                values.addAll(matchers.length == 0 ? b.labelValues(name) : b.labelValues(name, b.select(matchers)));
            }
        } catch (io.sluice.block.BlockCorruptionException e) {
            throw new java.io.UncheckedIOException(e);
        } finally {
            readers.readLock().unlock();
        }
        queryMetrics.lookup(System.nanoTime() - start);
        return Collections.unmodifiableList(new ArrayList<>(values));
    }

    /**
     * Stored samples of one series (0 for a ref that names none).
     *
     * @throws IllegalStateException if the engine is closed
     */
    public long sampleCount(long ref) {
        int shard = SeriesRef.shard(ref);
        if (ref < 0 || shard >= shards) {
            checkReadable();
            return 0;
        }
        readers.readLock().lock();
        try {
            checkReadable();
            BlockStore.View view = blocks.view();
            long n = 0;
            if (view.blocks().length > 0) {
                Labels labels = registry.labels(ref);
                if (labels != null) {
                    n += BlockQueries.sampleCount(view.blocks(), labels);
                }
            }
            return n + heads[shard].sampleCount(SeriesRef.localId(ref), view.headFrom(), new ShardHead.ReadScratch());
        } finally {
            readers.readLock().unlock();
        }
    }

    /**
     * {samples, chunks, chunk bytes, min time} of one series in the head; for tools.
     */
    long[] summarize(long ref) {
        int shard = SeriesRef.shard(ref);
        readers.readLock().lock();
        try {
            checkReadable();
            return heads[shard].summarize(SeriesRef.localId(ref), blocks.view().headFrom(), new ShardHead.ReadScratch());
        } finally {
            readers.readLock().unlock();
        }
    }

    /**
     * Samples of a series rejected as out of order (older than its newest, or same time with another value).
     *
     * @throws IllegalStateException if the engine is closed
     */
    public long outOfOrderCount(long ref) {
        HeadSeries s = state(ref);
        return s == null ? 0 : s.outOfOrder();
    }

    /**
     * Exact duplicates of a series' newest sample that were dropped.
     *
     * @throws IllegalStateException if the engine is closed
     */
    public long duplicateCount(long ref) {
        HeadSeries s = state(ref);
        return s == null ? 0 : s.duplicates();
    }

    /**
     * The newest timestamp the shard has accepted for a series (in the head), or {@link Long#MIN_VALUE}
     * if it has none there. Samples still in the ring are not counted: a writer that must refuse
     * out-of-order samples itself (the server) asks once per series, then tracks what it wrote.
     *
     * @throws IllegalStateException if the engine is closed
     */
    public long newestTimestamp(long ref) {
        HeadSeries s = state(ref);
        return s == null ? Long.MIN_VALUE : s.newestTimestamp();
    }

    private HeadSeries state(long ref) {
        checkReadable();
        int shard = SeriesRef.shard(ref);
        return shard >= shards || ref < 0 ? null : heads[shard].get(SeriesRef.localId(ref));
    }

    /**
     * Series that have at least a series record in the WAL.
     *
     * @throws IllegalStateException if the engine is closed
     */
    public long seriesCount() {
        checkReadable();
        long n = 0;
        for (ShardHead h : heads) {
            n += h.seriesCount();
        }
        return n;
    }

    /**
     * Where the samples live and what they take (head chunks, WAL on disk). Walks every series:
     * for tools, not for a hot loop.
     *
     * @throws IllegalStateException if the engine is closed
     */
    public StorageStats storageStats() {
        long[] head = new long[3];
        readers.readLock().lock();
        try {
            checkReadable();
            ShardHead.ReadScratch scratch = new ShardHead.ReadScratch();
            long headFrom = blocks.view().headFrom();
            for (int s = 0; s < shards; s++) {
                int limit = registry.idLimit(s);
                for (int id = 0; id < limit; id++) {
                    long[] one = heads[s].summarize(id, headFrom, scratch);
                    head[0] += one[0];
                    head[1] += one[1];
                    head[2] += one[2];
                }
            }
        } finally {
            readers.readLock().unlock();
        }
        long wal = 0;
        for (int s = 0; s < shards; s++) {
            try (Stream<Path> files = Files.list(shardDir(dir, s))) {
                wal += files.filter(p -> p.toString().endsWith(".wal") || p.toString().endsWith(".ckpt")
                        || p.toString().endsWith(io.sluice.wal.SpareSegments.SUFFIX))
                    .mapToLong(p -> p.toFile().length()).sum();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        BlockStore.View view = blocks.view();
        long blockSamples = 0;
        long blockMin = Long.MAX_VALUE;
        long blockMax = Long.MIN_VALUE;
        for (io.sluice.block.BlockReader b : view.blocks()) {
            blockSamples += b.meta().numSamples();
            blockMin = Math.min(blockMin, b.meta().minTime());
            blockMax = Math.max(blockMax, b.meta().maxTime());
        }
        long blockBytes;
        try {
            blockBytes = blocks.bytes();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return new StorageStats(head[0], head[1], head[2], wal, view.blocks().length, blockSamples, blockBytes,
            blockMin, blockMax, compactor.compactions(), compactor.merges(), compactor.compactionNanos(),
            compactor.compactionCpuNanos(), compactor.failures(), compactor.urgentCpuNanos());
    }

    /**
     * A block as tools list it.
     *
     * @param ulid      the block's name
     * @param minTime   its first millisecond
     * @param maxTime   its exclusive end
     * @param series    series in it
     * @param samples   samples in it
     * @param chunks    chunks in it
     * @param level     its compaction level: 1 if cut from the head, higher once merged
     * @param directory where it lives
     */
    public record BlockInfo(String ulid, long minTime, long maxTime, long series, long samples, long chunks, int level,
                            java.nio.file.Path directory) {
    }

    /**
     * The blocks readers see now, oldest first (from their meta.json).
     *
     * @throws IllegalStateException if the engine is closed
     */
    public List<BlockInfo> blocks() {
        checkReadable();
        List<BlockInfo> out = new ArrayList<>();
        for (io.sluice.block.BlockReader b : blocks.view().blocks()) {
            io.sluice.block.BlockMeta m = b.meta();
            out.add(new BlockInfo(m.ulid().toString(), m.minTime(), m.maxTime(), m.numSeries(), m.numSamples(),
                m.numChunks(), m.compactionLevel(), b.directory()));
        }
        return Collections.unmodifiableList(out);
    }

    /**
     * Compacts the head now, as the compactor thread would at its next check: every block range that
     * is due. For tests and tools; the engine does it by itself.
     *
     * @throws IOException           if a block could not be written
     * @throws IllegalStateException if the engine is closed
     */
    public void compact() throws IOException {
        checkReadable();
        try {
            compactor.compactNow();
            compactor.mergeNow();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while compacting", e);
        }
    }

    /**
     * Newest timestamp stored in any series, or {@link Long#MIN_VALUE} when empty.
     *
     * @throws IllegalStateException if the engine is closed
     */
    public long maxTimestamp() {
        long[] max = {Long.MIN_VALUE};
        for (io.sluice.block.BlockReader b : blocks.view().blocks()) {
            max[0] = Math.max(max[0], b.meta().maxTime() - 1); // an upper bound: a block ends before its maxTime
        }
        forEachSeries(ref -> {
            HeadSeries s = state(ref);
            if (s != null) {
                max[0] = Math.max(max[0], s.newestTimestamp());
            }
        });
        return max[0];
    }

    private void checkReadable() {
        if (closed) {
            throw new IllegalStateException("Sluice is closed");
        }
    }

    /**
     * Drains the ring (everything committed before the call is appended and forced), forces every
     * shard, unmaps the segments and releases the directory. Idempotent and serialised: a call made
     * while another is running returns when that one has finished. Samples still staged in an
     * appender (added but never committed) are not written: the appender's {@link Appender#close()}
     * then throws and says how many, and this method logs their count.
     *
     * <p>After close, the methods that read or write series and samples throw
     * {@link IllegalStateException}; the methods that describe the engine ({@link #config()},
     * {@link #dir()}, {@link #shards()}, {@link #isClosed()}, {@link #failure()},
     * {@link #replayReport()}, {@link #metrics()}, {@link #isDurable(long)},
     * {@link #awaitDurable(long)}, {@link #removeIntervalListener}) keep answering.
     *
     * @throws IOException if a final force failed (the engine may also have failed earlier)
     */
    @Override
    public void close() throws IOException {
        synchronized (closeLock) {
            if (closed) {
                return;
            }
            closed = true;
            closeLocked();
        }
    }

    private void closeLocked() throws IOException {
        // Readers check `closed` under the read lock: once the write lock has been had, none is left
        // in the mapped segments, and none will enter before the ring unmaps them.
        compactor.stop(); // before the ring: a compaction waits for the shards' progress
        readers.writeLock().lock();
        readers.writeLock().unlock();
        IOException error = null;
        try {
            ring.close();
        } catch (IOException e) {
            error = e;
        }
        for (ShardHead h : heads) {
            h.close(); // no reader is left (see above) and the writers have stopped
        }
        blocks.close();
        preparer.close(); // after the shards: closing a shard's log discards its prepared segment
        retirer.shutdown(); // idle: each shard's close waited for its retirement in flight
        metricsThread.interrupt();
        try {
            metricsThread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        collector.sample();
        try {
            lock.release();
        } finally {
            lockChannel.close();
        }
        if (error != null) {
            throw error;
        }
    }

    /** True once {@link #close()} has been called. */
    public boolean isClosed() {
        return closed;
    }

    /** The failure that stopped the engine, or null. Works after close. */
    public Throwable failure() {
        return state.failure();
    }
}
