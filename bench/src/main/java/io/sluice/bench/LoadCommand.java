package io.sluice.bench;

import io.sluice.engine.Appender;
import io.sluice.engine.Durability;
import io.sluice.engine.EngineMetrics;
import io.sluice.engine.Sluice;
import io.sluice.engine.SluiceConfig;
import io.sluice.engine.WaitStrategyKind;
import io.sluice.metrics.Interval;
import io.sluice.metrics.IntervalListener;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code load}: producers write the {@link Workload} into a Sluice engine as fast as they can (or at
 * a fixed offered rate), with a progress line per second and a summary at the end.
 */
@Command(name = "load", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Write the harness workload into Sluice and report throughput and latency.")
final class LoadCommand implements Callable<Integer> {
    /**
     * Origin of the sample-time grid ({@link SampleScheme}): the first timestamp of a fresh directory; later runs
     * continue one step after the newest stored sample.
     */
    static final long EPOCH_MILLIS = 1_700_000_000_000L;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--producers", paramLabel = "N", description = "producer threads (default: ${DEFAULT-VALUE})")
    int producers = 1;

    @Option(names = "--shards", paramLabel = "N", description = "shards, a power of two (default: engine default)")
    int shards;

    @Option(names = "--series", paramLabel = "N", converter = Converters.CountConverter.class,
        description = "distinct series (default: ${DEFAULT-VALUE})")
    long series = 10_000;

    @Option(names = "--labels", paramLabel = "N", description = "labels per series, 3 to 64 (default: ${DEFAULT-VALUE})")
    int labels = 8;

    @Option(names = "--batch", paramLabel = "N", description = "samples per series per commit (default: ${DEFAULT-VALUE})")
    int batch = 100;

    @Option(names = "--duration", paramLabel = "D", converter = Converters.DurationConverter.class,
        description = "how long to write, e.g. 10s, 2m (default: 10s)")
    Duration duration;

    @Option(names = "--samples", paramLabel = "N", converter = Converters.CountConverter.class,
        description = "write exactly N samples instead of running for a duration")
    Long samples;

    @Option(names = "--step", paramLabel = "D", converter = Converters.DurationConverter.class,
        description = "sample-time step between one series' samples, whole ms, e.g. 15s (default: 1ms, or the"
            + " directory's)")
    Duration step;

    @Option(names = "--values", paramLabel = "V", converter = Converters.ValuesConverter.class,
        description = "sawtooth | mixed (counters, gauges, constants; docs/benchmarks.md) (default: sawtooth, or the"
            + " directory's)")
    Workload.Values values;

    @Option(names = "--rate", paramLabel = "R", converter = Converters.CountConverter.class,
        description = "offered samples/s, open loop with coordinated-omission correction; 0 = unbounded (default: 0)")
    long rate;

    @Option(names = "--durability", paramLabel = "M", converter = Converters.DurabilityConverter.class,
        description = "none | batch | interval:10ms (default: none)")
    Durability durability = Durability.NONE;

    @Option(names = "--warmup", paramLabel = "D", converter = Converters.DurationConverter.class,
        description = "leave the first D of the run out of the throughput and latency figures (default: 0s)")
    Duration warmup = Duration.ZERO;

    @Option(names = "--dir", paramLabel = "PATH",
        description = "data directory (default: a temp dir, deleted afterwards unless --keep)")
    Path dir;

    @Option(names = "--keep", description = "keep the data directory")
    boolean keep;

    @Option(names = "--hlog", paramLabel = "FILE", description = "write an HdrHistogram interval log (values in ns)")
    Path hlog;

    @Option(names = "--json", paramLabel = "FILE", description = "write the summary as JSON")
    Path json;

    @Option(names = "--wait-strategy", paramLabel = "S",
        description = "shard handler wait strategy: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE})")
    WaitStrategyKind waitStrategy = WaitStrategyKind.BACKOFF;

    @Option(names = "--ring-size", paramLabel = "N", description = "ring size in events (default: ${DEFAULT-VALUE})")
    int ringSize = SluiceConfig.DEFAULT_RING_SIZE;

    @Option(names = "--event-capacity", paramLabel = "N",
        description = "samples per ring event (default: ${DEFAULT-VALUE})")
    int eventCapacity = SluiceConfig.DEFAULT_EVENT_CAPACITY;

    @Option(names = "--segment-size", paramLabel = "BYTES", converter = Converters.ByteSizeConverter.class,
        description = "WAL segment size in bytes (default: 64M = 67108864)")
    long segmentSize = SluiceConfig.DEFAULT_SEGMENT_SIZE;

    @Option(names = "--quiet", description = "no per-second progress lines")
    boolean quiet;

    @Option(names = "--head-chunk-file-size", paramLabel = "BYTES", converter = Converters.ByteSizeConverter.class,
        description = "head-chunk file size in bytes, a multiple of 4096 from 65536 (default: ${DEFAULT-VALUE})")
    long headChunkFileSize = SluiceConfig.DEFAULT_HEAD_CHUNK_FILE_SIZE;

    @Option(names = "--retention", paramLabel = "D", converter = Converters.DurationConverter.class,
        description = "delete blocks and head-chunk files whose samples all ended more than D ago in sample time,"
            + " e.g. 20s (default: keep everything)")
    Duration retention = Duration.ZERO;

    @Option(names = "--block-range", paramLabel = "D", converter = Converters.DurationConverter.class,
        description = "block range in sample time: the head cuts chunks at its multiples and compacts its oldest"
            + " range into a block once it spans 1.5 ranges (default: 2h)")
    Duration blockRange = Duration.ofHours(2);

    @Option(names = "--no-compaction", description = "keep everything in the head; write no blocks")
    boolean noCompaction;

    @Option(names = "--compaction-debt", paramLabel = "BYTES", converter = Converters.ByteSizeConverter.class,
        description = "head-chunk bytes up to which compaction runs at background priority (SCHED_IDLE); beyond,"
            + " at normal priority; 0: always normal (default: ${DEFAULT-VALUE}, 1 GiB)")
    long compactionDebt = SluiceConfig.DEFAULT_COMPACTION_DEBT_BYTES;

    @Option(names = "--no-prefault", description = "do not fault in new WAL segments and head-chunk files ahead of"
        + " the writer (the writer then takes the page faults itself)")
    boolean noPrefault;

    @Option(names = "--no-floor", description = "skip the floor run that precedes the measured one with --rate (for"
        + " latency) and with --batch 1 (for throughput): the same ring, producers and pacing with a handler that"
        + " only writes heap memory it owns")
    boolean noFloor;

    @Option(names = "--floor", paramLabel = "K",
        description = "with --rate, what the floor run's handler writes: HEAP (arrays it owns) or MAPPED (also each"
            + " sample's 24 bytes into a file beside the data directory, zero-filled with write(2), forced and"
            + " pre-touched through a chronicle-bytes mapping before the run: the best case of an mmap append)"
            + " (default: ${DEFAULT-VALUE})")
    FloorRing.Kind floorKind = FloorRing.Kind.HEAP;

    @Option(names = "--wal-bytes-log", paramLabel = "FILE",
        description = "write a CSV line per second: seconds, WAL bytes on disk, samples")
    Path walBytesLog;

    private CommandLine.ParameterException bad(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    private SluiceConfig validate(Path dataDir) {
        if (producers < 1 || producers > 1024) {
            throw bad("--producers must be from 1 to 1024, got " + producers);
        }
        if (series < 1 || series > 100_000_000) {
            throw bad("--series must be from 1 to 100,000,000, got " + series);
        }
        if (series < producers) {
            throw bad("--series (" + series + ") must be at least --producers (" + producers + ")");
        }
        if (labels < Workload.MIN_LABELS || labels > 64) {
            throw bad("--labels must be from 3 to 64, got " + labels);
        }
        if (batch < 1 || batch > 1_000_000) {
            throw bad("--batch must be from 1 to 1,000,000, got " + batch);
        }
        if (samples != null && duration != null) {
            throw bad("use --duration or --samples, not both");
        }
        if (samples != null && samples < 1) {
            throw bad("--samples must be at least 1, got " + samples);
        }
        if (duration != null && (duration.isZero() || duration.isNegative())) {
            throw bad("--duration must be positive");
        }
        if (retention.isNegative()) {
            throw bad("--retention must not be negative");
        }
        if (rate < 0) {
            throw bad("--rate must be 0 (unbounded) or positive, got " + rate);
        }
        if (step != null) {
            if (step.compareTo(Duration.ofMillis(1)) < 0) {
                throw bad("--step must be at least 1ms, got " + io.sluice.engine.Durations.format(step));
            }
            if (step.getNano() % 1_000_000 != 0) {
                throw bad("--step must be a whole number of milliseconds, got " + io.sluice.engine.Durations.format(step));
            }
            if (step.compareTo(Duration.ofMillis(Long.MAX_VALUE)) > 0) {
                throw bad("--step must be at most " + Fmt.n(Long.MAX_VALUE) + " ms, got " + step.getSeconds() + " s");
            }
        }
        if (warmup.isNegative() || (duration != null ? warmup.compareTo(duration) >= 0
            : samples == null && warmup.compareTo(Duration.ofSeconds(10)) >= 0)) {
            throw bad("--warmup must be shorter than the run");
        }
        try {
            SluiceConfig.Builder b = SluiceConfig.builder().dir(dataDir).durability(durability)
                .waitStrategy(waitStrategy).ringSize(ringSize).eventCapacity(eventCapacity).segmentSize(segmentSize)
                .headChunkFileSize(headChunkFileSize).retention(retention).blockRange(blockRange)
                .compaction(!noCompaction).compactionDebtBytes(compactionDebt).prefaultSegments(!noPrefault);
            if (shards != 0) {
                b.shards(shards);
            }
            return b.build();
        } catch (IllegalArgumentException e) {
            throw bad(e.getMessage().replace("shards must", "--shards must").replace("ring size", "--ring-size")
                .replace("event capacity", "--event-capacity").replace("segment size", "--segment-size").replace("head-chunk file size", "--head-chunk-file-size")
                .replace("block range must", "--block-range must").replace("compactionDebtBytes must", "--compaction-debt must"));
        }
    }

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        boolean tempDir = dir == null;
        Path dataDir = tempDir ? Files.createTempDirectory("sluice-load-") : dir.toAbsolutePath();
        boolean existed = !tempDir && Files.exists(dataDir);
        SluiceConfig config;
        SampleScheme scheme;
        try {
            config = validate(dataDir);
            scheme = scheme(dataDir);
        } catch (CommandLine.ParameterException e) {
            if (tempDir) {
                FileTree.delete(dataDir);
            }
            throw e;
        }
        Workload workload = new Workload((int) series, labels);
        Result r;
        try {
            r = run(config, workload, scheme, out);
        } finally {
            if (!keep && (tempDir || !existed)) {
                FileTree.delete(dataDir);
            }
        }
        printSummary(out, r, config, dataDir, !keep && (tempDir || !existed));
        if (json != null) {
            r.toJson().writeTo(json);
        }
        return 0;
    }

    /** What one run measured. */
    static final class Result {
        long samples;
        double seconds;
        long series;
        int producers;
        int shards;
        String durability;
        long rejected;
        long durableSamples;
        double warmupSeconds;
        long walBytes;
        long walDiskBytes;
        long maxWalDiskBytes;
        double retentionSeconds;
        Histogram append;
        Histogram durable;
        /** With --rate: the floor run's publish→handled latency; null without. */
        Histogram floor;
        /** The floor run's samples per second after its warm-up (0 without a floor). */
        double floorSamplesPerSec;
        FloorRing.Kind floorKind;
        long offeredRate;
        long produced;
        String values;
        long stepMillis;
        HeapAfterGc.Reading heap;
        long maxHeapBytes;
        io.sluice.engine.StorageStats storage;
        io.sluice.engine.StorageStats atEnd;
        double settleSeconds;

        double samplesPerSec() {
            return samples / seconds;
        }

        Json toJson() {
            return new Json()
                .put("samples", samples)
                .put("seconds", seconds)
                .put("samples_per_sec", Math.round(samplesPerSec()))
                .put("series", series)
                .put("producers", producers)
                .put("shards", shards)
                .put("durability", durability)
                .put("rejected", rejected)
                .put("durable_samples", durableSamples)
                .put("latency_us", latencyJson(append))
                .put("durable_latency_us", latencyJson(durable))
                .put("floor_latency_us", floor == null ? null : latencyJson(floor))
                .put("floor_kind", floor == null ? null : floorKind.name().toLowerCase(java.util.Locale.ROOT))
                .put("floor_samples_per_sec", floor == null ? null : Math.round(floorSamplesPerSec))
                .put("wal_bytes", walBytes)
                .put("offered_rate", offeredRate)
                .put("warmup_seconds", warmupSeconds)
                .put("retention_seconds", retentionSeconds)
                .put("wal_disk_bytes", walDiskBytes)
                .put("max_wal_disk_bytes", maxWalDiskBytes)
                .put("heap_bytes", heap.bytes())
                .put("max_heap_bytes", maxHeapBytes)
                .put("heap_after_gc", heap.afterGc())
                .put("gc_collections", heap.collections())
                .put("values", values)
                .put("step_ms", stepMillis)
                .put("head_samples", storage.headSamples())
                .put("head_chunk_bytes", storage.headChunkBytes())
                .put("blocks", storage.blocks())
                .put("block_samples", storage.blockSamples())
                .put("block_bytes", storage.blockBytes())
                .put("blocks_at_end", atEnd.blocks())
                .put("block_samples_at_end", atEnd.blockSamples())
                .put("compactions", storage.compactions())
                .put("merges", storage.merges())
                .put("compaction_seconds", storage.compactionNanos() / 1e9)
                .put("compaction_cpu_seconds", storage.compactionCpuNanos() / 1e9)
                .put("compaction_cpu_seconds_at_end", atEnd.compactionCpuNanos() / 1e9)
                .put("compaction_urgent_cpu_seconds", storage.urgentCompactionCpuNanos() / 1e9)
                .put("compaction_failures", storage.compactionFailures())
                .put("settle_seconds", settleSeconds)
                .put("machine", MachineInfo.json());
        }

        static Json latencyJson(Histogram h) {
            return new Json()
                .put("p50", Fmt.usValue(h.getValueAtPercentile(50)))
                .put("p99", Fmt.usValue(h.getValueAtPercentile(99)))
                .put("p999", Fmt.usValue(h.getValueAtPercentile(99.9)))
                .put("max", Fmt.usValue(h.getMaxValue()));
        }
    }

    /**
     * The scheme of this run's samples: the directory's, which {@code --values} and {@code --step} must then
     * match, or for a new directory the one they give.
     */
    private SampleScheme scheme(Path dataDir) throws IOException {
        java.util.Optional<SampleScheme> existing = SampleScheme.of(dataDir);
        if (existing.isEmpty()) {
            return new SampleScheme(values == null ? Workload.Values.SAWTOOTH : values,
                step == null ? 1 : step.toMillis(), EPOCH_MILLIS);
        }
        SampleScheme s = existing.get();
        String source = s.equals(SampleScheme.LEGACY) && SampleScheme.read(dataDir).isEmpty()
            ? "written before " + SampleScheme.FILE + " existed" : "recorded in " + SampleScheme.FILE;
        if (values != null && values != s.values()) {
            throw bad("--values " + values + " does not match the " + s.describe() + " of " + dataDir + " (" + source
                + "); a directory keeps its workload: use another --dir");
        }
        if (step != null && step.toMillis() != s.stepMillis()) {
            throw bad("--step " + Fmt.millis(step.toMillis()) + " does not match the " + s.describe()
                + " of " + dataDir + " (" + source + "); a directory keeps its workload: use another --dir");
        }
        return s;
    }

    Result run(SluiceConfig config, Workload workload, SampleScheme scheme, PrintStream out) throws Exception {
        // The floor runs first: with --rate for the latency, and with --batch 1 for the throughput of
        // the same ring with one event per commit (per-item commits are bound by the ring itself).
        Floor floor = (rate > 0 || batch == 1) && !noFloor ? runFloor(workload, scheme, config.dir(), out) : null;
        Result r;
        try (Sluice db = Sluice.open(config)) {
            r = runOpen(db, workload, scheme, out);
        }
        r.floor = floor == null ? null : floor.latency;
        r.floorSamplesPerSec = floor == null ? 0 : floor.samplesPerSec;
        r.floorKind = floorKind;
        // After close: what is left on disk, as `du` sees it (close deletes the prepared next segment).
        long onDisk = WalDisk.bytes(config.dir());
        r.walDiskBytes = onDisk;
        r.maxWalDiskBytes = Math.max(r.maxWalDiskBytes, onDisk);
        return r;
    }

    /** What a floor run measured. */
    private static final class Floor {
        final Histogram latency;
        final double samplesPerSec;

        Floor(Histogram latency, double samplesPerSec) {
            this.latency = latency;
            this.samplesPerSec = samplesPerSec;
        }
    }

    /**
     * The floor of this run: the same producers, pacing, duration and warm-up into a {@link FloorRing}
     * (the engine's ring with a handler that only writes heap memory it owns, and with {@code --floor
     * mapped} a pre-touched mapped file), before the engine opens.
     */
    private Floor runFloor(Workload workload, SampleScheme scheme, Path dataDir, PrintStream out) throws Exception {
        long durationNanos = (duration == null ? Duration.ofSeconds(10) : duration).toNanos();
        double floorSeconds = (durationNanos + warmup.toNanos()) / 1e9;
        // Room for every sample of the run (a closed loop without --samples: the largest file), so
        // that the handler wraps only when the run outgrows the largest file.
        long floorBytes = (long) Math.min(FloorRing.MAX_MAPPED_BYTES, samples != null ? 24.0 * samples
            : rate > 0 ? 24.0 * rate * (floorSeconds + 1) : FloorRing.MAX_MAPPED_BYTES);
        Path beside = dataDir.toAbsolutePath().getParent();
        if (floorKind == FloorRing.Kind.MAPPED) {
            out.printf("  floor: preparing a %s mapped file beside %s%n", Fmt.bytes(floorBytes), dataDir);
            Files.createDirectories(beside);
        }
        try (FloorRing ring = new FloorRing(ringSize, eventCapacity, waitStrategy, floorKind, beside, floorBytes)) {
            return runFloor(ring, workload, scheme, durationNanos, out);
        }
    }

    private Floor runFloor(FloorRing ring, Workload workload, SampleScheme scheme, long durationNanos,
                           PrintStream out) throws Exception {
        Producer[] ps = new Producer[producers];
        CountDownLatch ready = new CountDownLatch(producers);
        CountDownLatch go = new CountDownLatch(1);
        double nanosPerSample = rate > 0 ? 1e9 * producers / rate : 0; // per producer; 0: closed loop
        long total = samples == null ? -1 : samples;
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int p = 0; p < producers; p++) {
            long quota = total < 0 ? -1 : total / producers + (p < total % producers ? 1 : 0);
            ps[p] = new Producer(ring, workload, scheme, p, producers, batch, quota, 0, nanosPerSample, ready, go, failure);
            ps[p].thread.setName("floor-producer-" + p);
        }
        for (Producer p : ps) {
            p.thread.start();
        }
        ready.await();
        long start = System.nanoTime();
        for (Producer p : ps) {
            p.start(start, start + durationNanos);
        }
        go.countDown();
        long measuredFrom = start;
        if (!warmup.isZero()) {
            long warmupEnd = start + warmup.toNanos();
            while (System.nanoTime() < warmupEnd && anyAlive(ps)) {
                LockSupport.parkNanos(Math.min(10_000_000L, Math.max(1, warmupEnd - System.nanoTime())));
            }
            ring.reset();
            measuredFrom = System.nanoTime();
        }
        for (Producer p : ps) {
            p.thread.join();
        }
        Histogram h = ring.stop(); // one latency value per sample handled since the warm-up
        double perSec = h.getTotalCount() / Math.max(1e-9, (System.nanoTime() - measuredFrom) / 1e9);
        if (failure.get() != null) {
            throw new IOException("a floor producer failed: " + SluiceBench.oneLine(failure.get()), failure.get());
        }
        out.printf("  floor (the same ring and pacing, a handler that writes %s; %s s): %s samples/s  p50 %s"
                + "  p99 %s  p99.9 %s  max %s us%n", ring.describe(), Fmt.seconds((System.nanoTime() - start) / 1e9),
            Fmt.n(Math.round(perSec)), Fmt.us(h.getValueAtPercentile(50)), Fmt.us(h.getValueAtPercentile(99)),
            Fmt.us(h.getValueAtPercentile(99.9)), Fmt.us(h.getMaxValue()));
        return new Floor(h, perSec);
    }

    private Result runOpen(Sluice db, Workload workload, SampleScheme scheme, PrintStream out) throws Exception {
        {
            int shardCount = db.shards();
            long newest = db.maxTimestamp();
            // Each series' k-th sample is at origin + k * step; a run continues after the newest stored one.
            long k0 = scheme.nextIndex(newest);
            long total = samples == null ? -1 : samples;
            long perSeries = batch; // a timed run: the producers check each round
            for (int p = 0; p < producers; p++) {
                long quota = total < 0 ? -1 : total / producers + (p < total % producers ? 1 : 0);
                long n = (series - p + producers - 1) / producers;
                if (quota >= 0) {
                    perSeries = Math.max(perSeries, (quota + n * batch - 1) / (n * batch) * batch);
                }
            }
            if (k0 > scheme.maxIndex() || perSeries - 1 > scheme.maxIndex() - k0) {
                throw bad(stepOverflow(scheme, k0, perSeries));
            }
            long t0 = scheme.timestamp(k0);
            scheme.write(db.dir());
            out.printf("sluice load: %d producer(s), %d shard(s), %s series x %d labels, batch %d, durability %s%s, %s%n",
                producers, shardCount, Fmt.n(series), labels, batch, durability,
                rate > 0 ? ", offered " + Fmt.n(rate) + " samples/s" : "",
                samples != null ? Fmt.n(samples) + " samples" : "for " + (duration == null ? "10s" : duration.toString()
                    .substring(2).toLowerCase(java.util.Locale.ROOT)));
            out.println("  machine: " + MachineInfo.describe());
            out.println("  samples: " + scheme.describe() + ", from " + t0 + " ms");
            if (db.replayReport().samples() > 0) {
                out.println("  replayed " + Fmt.n(db.replayReport().samples()) + " samples already in " + db.dir());
            }

            Producer[] ps = new Producer[producers];
            CountDownLatch ready = new CountDownLatch(producers);
            CountDownLatch go = new CountDownLatch(1);
            double nanosPerSample = rate > 0 ? 1e9 * producers / rate : 0; // per producer
            long durationNanos = (duration == null ? Duration.ofSeconds(10) : duration).toNanos();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            for (int p = 0; p < producers; p++) {
                long quota = total < 0 ? -1 : total / producers + (p < total % producers ? 1 : 0);
                ps[p] = new Producer(of(db), workload, scheme, p, producers, batch, quota, k0, nanosPerSample, ready, go,
                    failure);
            }
            long creating = System.nanoTime();
            for (Producer p : ps) {
                p.thread.start();
            }
            ready.await();
            if (failure.get() != null) {
                go.countDown();
                throw new IOException("a producer failed while creating series: " + SluiceBench.oneLine(failure.get()),
                    failure.get());
            }
            if (series >= 100_000) {
                out.printf("  created %s series in %ss%n", Fmt.n(series), Fmt.seconds((System.nanoTime() - creating) / 1e9));
            }

            HistogramLogWriter logWriter = null;
            PrintStream hlogStream = null;
            if (hlog != null) {
                Path parent = hlog.toAbsolutePath().getParent();
                if (parent != null) {
                    Files.createDirectories(parent);
                }
                hlogStream = new PrintStream(Files.newOutputStream(hlog), false, "UTF-8");
                logWriter = new HistogramLogWriter(hlogStream);
                logWriter.outputComment("sluice load: publish->appended latency in nanoseconds; " + MachineInfo.describe());
                logWriter.outputLogFormatVersion();
                logWriter.outputStartTime(System.currentTimeMillis());
                logWriter.setBaseTime(System.currentTimeMillis());
                logWriter.outputLegend();
            }
            db.metrics(); // discard latencies recorded before the start
            long start = System.nanoTime();
            PrintStream walLog = null;
            if (walBytesLog != null) {
                Path parent = walBytesLog.toAbsolutePath().getParent();
                if (parent != null) {
                    Files.createDirectories(parent);
                }
                walLog = new PrintStream(Files.newOutputStream(walBytesLog), true, "UTF-8");
                walLog.println("seconds,wal_disk_bytes,samples");
            }
            Progress progress = new Progress(db, out, start, logWriter, quiet, walLog);
            db.addIntervalListener(progress);
            for (Producer p : ps) {
                p.start(start, start + durationNanos);
            }
            go.countDown();
            EngineMetrics atWarmup = null;
            long warmupEnd = start + warmup.toNanos();
            if (!warmup.isZero()) {
                while (System.nanoTime() < warmupEnd && anyAlive(ps)) {
                    LockSupport.parkNanos(Math.min(10_000_000L, Math.max(1, warmupEnd - System.nanoTime())));
                }
                atWarmup = db.metrics();
                warmupEnd = System.nanoTime();
            }
            for (Producer p : ps) {
                p.thread.join();
            }
            if (failure.get() != null) {
                throw new IOException("producer failed: " + SluiceBench.oneLine(failure.get()), failure.get());
            }
            for (Producer p : ps) {
                db.awaitDurable(p.lastSequence); // each producer's own ring: one wait each
            }
            long end = System.nanoTime();
            db.endMetricsInterval(); // the last, partial interval goes to the log too
            db.removeIntervalListener(progress);
            EngineMetrics m = db.metrics();

            Result r = new Result();
            r.produced = 0;
            for (Producer p : ps) {
                r.produced += p.produced;
            }
            r.samples = m.samples();
            r.seconds = (end - start) / 1e9;
            r.append = m.appendLatency();
            r.durable = m.durableLatency();
            if (atWarmup != null) {
                // Figures cover the run after the warm-up: counts and latencies recorded before it are subtracted.
                r.samples -= atWarmup.samples();
                r.seconds = (end - warmupEnd) / 1e9;
                r.append.subtract(atWarmup.appendLatency());
                r.durable.subtract(atWarmup.durableLatency());
                r.warmupSeconds = warmup.toNanos() / 1e9;
            }
            r.series = series;
            r.producers = producers;
            r.shards = shardCount;
            r.durability = durability.toString();
            r.rejected = m.rejected() + m.commitRejections();
            r.durableSamples = m.durableSamples();
            r.walBytes = m.bytes();
            r.offeredRate = rate;
            r.retentionSeconds = retention.toMillis() / 1000.0;
            r.walDiskBytes = WalDisk.bytes(db.dir());
            r.maxWalDiskBytes = Math.max(progress.maxWalDiskBytes, r.walDiskBytes);
            r.values = scheme.values().toString();
            r.stepMillis = scheme.stepMillis();
            r.atEnd = db.storageStats();
            if (!noCompaction) {
                // The compactor runs behind the writers when sample time flies (a --step of 15 s at millions of
                // samples/s is hours of sample time per second): let it finish what is due, timed apart.
                long settle = System.nanoTime();
                db.compact();
                r.settleSeconds = (System.nanoTime() - settle) / 1e9;
            }
            r.storage = db.storageStats();
            r.heap = progress.heap.read(); // before close: the engine still holds what the run wrote
            r.maxHeapBytes = Math.max(progress.maxHeapBytes, r.heap.afterGc() ? r.heap.bytes() : 0);
            if (walLog != null) {
                walLog.close();
            }
            if (logWriter != null) {
                hlogStream.close();
            }
            if (m.samples() + m.rejected() != r.produced) {
                out.printf("  WARNING: producers wrote %s samples but the engine accounts for %s%n", Fmt.n(r.produced),
                    Fmt.n(m.samples() + m.rejected()));
            }
            return r;
        }
    }

    /** Why a run cannot start at step index {@code k0} when series get up to {@code perSeries} samples. */
    static String stepOverflow(SampleScheme scheme, long k0, long perSeries) {
        return "--step " + Fmt.millis(scheme.stepMillis()) + ": sample timestamps would overflow a long within this run ("
            + Fmt.n(perSeries) + " samples per series from " + scheme.originMillis() + " + " + Fmt.n(k0)
            + " * step); use a smaller --step or fewer samples per series";
    }

    private static boolean anyAlive(Producer[] ps) {
        for (Producer p : ps) {
            if (p.thread.isAlive()) {
                return true;
            }
        }
        return false;
    }

    private void printSummary(PrintStream out, Result r, SluiceConfig config, Path dataDir, boolean deleted) {
        out.println();
        out.println(r.warmupSeconds > 0 ? "summary (after a " + Fmt.seconds(r.warmupSeconds) + " s warm-up)" : "summary");
        out.printf("  %-22s %s%n", "samples", Fmt.n(r.samples));
        out.printf("  %-22s %s%n", "seconds", Fmt.seconds(r.seconds));
        out.printf("  %-22s %s%n", "samples/s", Fmt.n(Math.round(r.samplesPerSec())));
        out.printf("  %-22s %s x %d labels%n", "series", Fmt.n(r.series), labels);
        out.printf("  %-22s %d producer(s), %d shard(s)%n", "threads", r.producers, r.shards);
        out.printf("  %-22s %s%n", "durability", r.durability);
        out.printf("  %-22s %s%n", "rejected", Fmt.n(r.rejected));
        out.printf("  %-22s %s%n", "durable samples", Fmt.n(r.durableSamples));
        out.printf("  %-22s %s (%s, %.1f B/sample)%n", "WAL bytes", Fmt.n(r.walBytes), Fmt.bytes(r.walBytes),
            r.samples == 0 ? 0.0 : (double) r.walBytes / r.samples);
        out.printf("  %-22s %s at the end, %s at most%s%n", "WAL on disk", Fmt.bytes(r.walDiskBytes),
            Fmt.bytes(r.maxWalDiskBytes), r.retentionSeconds > 0 ? " (retention " + r.retentionSeconds + " s)" : "");
        if (r.storage.compactions() + r.storage.merges() > 0) {
            out.printf("  %-22s %s head range(s) and %s merge(s) in %s s (%s s of CPU, %s s of it at normal priority);"
                    + " at the end of the run %d block(s) held %s samples, and the compactor caught up in %s s more%n",
                "compaction", Fmt.n(r.storage.compactions()), Fmt.n(r.storage.merges()),
                Fmt.seconds(r.storage.compactionNanos() / 1e9), Fmt.seconds(r.storage.compactionCpuNanos() / 1e9),
                Fmt.seconds(r.storage.urgentCompactionCpuNanos() / 1e9), r.atEnd.blocks(), Fmt.n(r.atEnd.blockSamples()),
                Fmt.seconds(r.settleSeconds));
        }
        out.printf("  %-22s head %s samples (%s of chunks), %d block(s) of %s samples (%s%s)%n", "storage",
            Fmt.n(r.storage.headSamples()), Fmt.bytes(r.storage.headChunkBytes()), r.storage.blocks(),
            Fmt.n(r.storage.blockSamples()), Fmt.bytes(r.storage.blockBytes()), r.storage.blockSamples() == 0 ? ""
                : String.format(", %.2f B/sample", (double) r.storage.blockBytes() / r.storage.blockSamples()));
        out.printf("  %-22s %s at the end, %s at most (%s collections)%n", "heap after last GC", r.heap.describe(),
            r.maxHeapBytes > 0 ? Fmt.bytes(r.maxHeapBytes) : "-", Fmt.n(r.heap.collections()));
        out.printf("  %-22s p50 %s  p99 %s  p99.9 %s  max %s%n", "append latency (us)", Fmt.us(
            r.append.getValueAtPercentile(50)), Fmt.us(r.append.getValueAtPercentile(99)),
            Fmt.us(r.append.getValueAtPercentile(99.9)), Fmt.us(r.append.getMaxValue()));
        if (r.floor != null) {
            String handler = r.floorKind == FloorRing.Kind.MAPPED ? "mmap-writing" : "heap-writing";
            if (rate == 0) {
                out.printf("  %-22s %s   (the same ring and producers, one event per commit, %s handler)%n",
                    "floor samples/s", Fmt.n(Math.round(r.floorSamplesPerSec)), handler);
            }
            out.printf("  %-22s p50 %s  p99 %s  p99.9 %s  max %s   (the same ring and pacing, %s handler)%n",
                "floor latency (us)", Fmt.us(r.floor.getValueAtPercentile(50)), Fmt.us(r.floor.getValueAtPercentile(99)),
                Fmt.us(r.floor.getValueAtPercentile(99.9)), Fmt.us(r.floor.getMaxValue()), handler);
        }
        out.printf("  %-22s p50 %s  p99 %s  p99.9 %s  max %s%n", "durable latency (us)", Fmt.us(
            r.durable.getValueAtPercentile(50)), Fmt.us(r.durable.getValueAtPercentile(99)),
            Fmt.us(r.durable.getValueAtPercentile(99.9)), Fmt.us(r.durable.getMaxValue()));
        out.printf("  %-22s %s%s%n", "data", dataDir, deleted ? " (deleted)" : " (kept)");
        if (json != null) {
            out.printf("  %-22s %s%n", "json", json);
        }
        if (hlog != null) {
            out.printf("  %-22s %s%n", "hlog", hlog);
        }
    }

    /** Where producers write: the engine, or the floor ring ({@link FloorRing}). */
    interface Target {
        /** The ref of a series (created if new). */
        long series(io.sluice.engine.Labels labels);

        /** An appender for the calling thread. */
        Appender appender();
    }

    /** The engine as a {@link Target}. */
    static Target of(Sluice db) {
        return new Target() {
            @Override
            public long series(io.sluice.engine.Labels labels) {
                return db.series(labels);
            }

            @Override
            public Appender appender() {
                return db.appender();
            }
        };
    }

    /** One producer thread: its series are those with {@code i mod producers == p}. */
    static final class Producer implements Runnable {
        private static final long PARK_THRESHOLD_NANOS = 250_000;
        /** A timed run checks its deadline this often (in samples): well under a millisecond of writing. */
        private static final long DEADLINE_CHECK_SAMPLES = 4096;
        final Thread thread;
        private final Target db;
        private final Workload workload;
        private final SampleScheme scheme;
        private final int index;
        private final int producers;
        private final int batch;
        private final long quota;
        private final long k0;
        private final double nanosPerSample;
        private final CountDownLatch ready;
        private final CountDownLatch go;
        private final AtomicReference<Throwable> failure;
        private long startNanos;
        private long deadlineNanos;
        // Written on every commit and read after join(): plain fields, so that a per-item run does not
        // pay two store fences per sample for the harness' bookkeeping.
        long produced;
        long lastSequence = -1;

        Producer(Target db, Workload workload, SampleScheme scheme, int index, int producers, int batch, long quota,
                 long k0, double nanosPerSample, CountDownLatch ready, CountDownLatch go,
                 AtomicReference<Throwable> failure) {
            this.db = db;
            this.workload = workload;
            this.scheme = scheme;
            this.index = index;
            this.producers = producers;
            this.batch = batch;
            this.quota = quota;
            this.k0 = k0;
            this.nanosPerSample = nanosPerSample;
            this.ready = ready;
            this.go = go;
            this.failure = failure;
            this.thread = new Thread(this, "producer-" + index);
        }

        void start(long startNanos, long deadlineNanos) {
            this.startNanos = startNanos;
            this.deadlineNanos = deadlineNanos;
        }

        @Override
        public void run() {
            long[] refs;
            long[] ids;
            Appender app;
            try {
                int n = (workload.series() - index + producers - 1) / producers;
                refs = new long[n];
                ids = new long[n];
                for (int k = 0; k < n; k++) {
                    long i = index + (long) k * producers;
                    ids[k] = i;
                    refs[k] = db.series(workload.labelsOf(i));
                }
                app = db.appender();
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
                ready.countDown();
                return;
            } finally {
                ready.countDown();
            }
            try {
                go.await();
                if (failure.get() != null) {
                    return;
                }
                write(app, refs, ids);
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
        }

        private void write(Appender app, long[] refs, long[] ids) {
            long done = 0;
            long nextCheck = 0;
            long round = 0;
            boolean timed = quota < 0;
            long step = scheme.stepMillis();
            Workload.Values valueScheme = scheme.values();
            long room = scheme.maxIndex() - k0; // step indexes left before a timestamp overflows
            double[] values = new double[batch];
            outer:
            while (true) {
                if (round * batch > room - (batch - 1)) {
                    throw new IllegalStateException(stepOverflow(scheme, k0, round * batch + batch));
                }
                long k = k0 + round * batch; // step index of this round's first sample in each series
                long base = scheme.timestamp(k);
                for (int s = 0; s < refs.length; s++) {
                    int n = batch;
                    if (!timed) {
                        long left = quota - done;
                        if (left <= 0) {
                            break outer;
                        }
                        n = (int) Math.min(n, left);
                    }
                    long origin = 0;
                    if (nanosPerSample > 0) {
                        // Open loop: each batch has an intended start; latency counts from it, so a stall
                        // that delays later batches is charged to them (no coordinated omission).
                        origin = startNanos + (long) (done * nanosPerSample);
                        long now;
                        while ((now = System.nanoTime()) < origin) {
                            long gap = origin - now;
                            // parkNanos oversleeps by the timer slack (~50-100 us here): park only
                            // for long gaps and spin the rest, or the harness itself adds latency.
                            if (gap > PARK_THRESHOLD_NANOS) {
                                LockSupport.parkNanos(gap - PARK_THRESHOLD_NANOS);
                            } else {
                                Thread.onSpinWait();
                            }
                        }
                    }
                    long ref = refs[s];
                    long i = ids[s];
                    Workload.fill(valueScheme, i, k, base, step, n, values);
                    long ts = base;
                    for (int j = 0; j < n; j++) {
                        app.add(ref, ts, values[j]);
                        ts += step;
                    }
                    lastSequence = nanosPerSample > 0 ? app.commit(origin) : app.commit();
                    done += n;
                    produced = done;
                    // Closed loop: the clock is read every DEADLINE_CHECK_SAMPLES samples, not on every
                    // commit (at one sample per commit a read is a quarter of the producer's time: see
                    // CommitClock). Open loop reads it for the pacing anyway, and a slow rate must not
                    // overshoot.
                    if (timed && (nanosPerSample > 0 || done >= nextCheck)) {
                        nextCheck = done + DEADLINE_CHECK_SAMPLES;
                        if (System.nanoTime() >= deadlineNanos) {
                            break outer;
                        }
                    }
                }
                round++;
            }
            lastSequence = app.commit();
            app.close();
        }
    }

    /** Prints a line per metrics interval and appends it to the hlog. Runs on the engine's metrics thread. */
    static final class Progress implements IntervalListener {
        private final PrintStream out;
        private final long start;
        private final HistogramLogWriter log;
        private final boolean quiet;
        private final PrintStream walLog;
        private final Path dir;
        final HeapAfterGc heap = new HeapAfterGc();
        private long lastSamples;
        private long lastNanos;
        volatile long maxWalDiskBytes;
        /** Largest heap-after-GC reading of the run (0 until a collection has happened). */
        volatile long maxHeapBytes;

        Progress(Sluice db, PrintStream out, long start, HistogramLogWriter log, boolean quiet, PrintStream walLog) {
            this.walLog = walLog;
            this.dir = db.dir();
            this.out = out;
            this.start = start;
            this.log = log;
            this.quiet = quiet;
            this.lastSamples = db.metrics().samples();
            this.lastNanos = start;
        }

        @Override
        public void onInterval(Interval interval) {
            long now = System.nanoTime();
            Histogram append = interval.appendLatency();
            long samples = interval.samples();
            double rate = (samples - lastSamples) / ((now - lastNanos) / 1e9);
            lastSamples = samples;
            lastNanos = now;
            if (log != null) {
                log.outputIntervalHistogram(append);
            }
            long wal = WalDisk.bytes(dir);
            maxWalDiskBytes = Math.max(maxWalDiskBytes, wal);
            if (walLog != null) {
                walLog.printf(java.util.Locale.ROOT, "%.1f,%d,%d%n", (now - start) / 1e9, wal, samples);
            }
            HeapAfterGc.Reading h = heap.read();
            if (h.afterGc()) {
                maxHeapBytes = Math.max(maxHeapBytes, h.bytes());
            }
            if (!quiet) {
                out.printf("[%5.1fs] %13s samples/s  p50 %s  p99 %s  p99.9 %s  max %s us  durable=%s  wal=%s  heap=%s%n",
                    (now - start) / 1e9, Fmt.n(Math.round(rate)), Fmt.us(append.getValueAtPercentile(50)),
                    Fmt.us(append.getValueAtPercentile(99)), Fmt.us(append.getValueAtPercentile(99.9)),
                    Fmt.us(append.getMaxValue()), Fmt.n(interval.durableSamples()), Fmt.bytes(wal), h.describe());
            }
        }
    }
}
