package io.sluice.engine;

import io.sluice.index.LabelsHasher;
import io.sluice.wal.MappedWalFileSystem;
import io.sluice.wal.WalFileSystem;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings for {@link Sluice#open}. Build with {@link #builder()}; every setter validates its input
 * and says what is allowed. Immutable and thread-safe.
 */
public final class SluiceConfig {
    /** Default segment size: 64 MiB. */
    public static final long DEFAULT_SEGMENT_SIZE = 64L << 20;
    /** Smallest segment size: one 4 KiB page. */
    public static final long MIN_SEGMENT_SIZE = 4096;
    /** Largest segment size: 1 GiB. */
    public static final long MAX_SEGMENT_SIZE = 1L << 30;
    /** Default head-chunk file size: 64 MiB. */
    public static final long DEFAULT_HEAD_CHUNK_FILE_SIZE = 64L << 20;
    /** Default ring size in events. */
    public static final int DEFAULT_RING_SIZE = 1024;
    /** Default samples per ring event. */
    public static final int DEFAULT_EVENT_CAPACITY = 256;

    private final Path dir;
    private final int shards;
    private final Durability durability;
    private final long segmentSize;
    private final int ringSize;
    private final int eventCapacity;
    private final WaitStrategyKind waitStrategy;
    private final boolean repair;
    private final Duration metricsInterval;
    private final WalFileSystem fileSystem;
    private final LabelsHasher hasher;
    private final String hasherId;
    private final boolean prefaultSegments;
    private final Duration retention;
    private final Duration retentionCheckInterval;
    /** The longest a merged block spans by default, as in Prometheus: 31 days. */
    public static final Duration MAX_BLOCK_DURATION = Duration.ofDays(31);
    private final Duration blockRange;
    private final long headChunkFileSize;
    private final int walTruncateSegments;
    private final boolean compaction;
    private final long compactionDebtBytes;
    private final Duration maxBlockDuration;
    /** Default of {@link Builder#compactionDebtBytes}: 1 GiB of head chunks. */
    public static final long DEFAULT_COMPACTION_DEBT_BYTES = 1L << 30;

    private SluiceConfig(Builder b) {
        this.retention = b.retention;
        this.retentionCheckInterval = b.retentionCheckInterval;
        this.blockRange = b.blockRange;
        this.headChunkFileSize = b.headChunkFileSize;
        this.walTruncateSegments = b.walTruncateSegments;
        this.compaction = b.compaction;
        this.compactionDebtBytes = b.compactionDebtBytes;
        this.maxBlockDuration = b.maxBlockDuration != null ? b.maxBlockDuration
            : b.retention.isZero() ? MAX_BLOCK_DURATION
            : b.retention.dividedBy(10).compareTo(MAX_BLOCK_DURATION) < 0 ? b.retention.dividedBy(10) : MAX_BLOCK_DURATION;
        this.prefaultSegments = b.prefaultSegments;
        this.dir = b.dir;
        this.shards = b.shards;
        this.durability = b.durability;
        this.segmentSize = b.segmentSize;
        this.ringSize = b.ringSize;
        this.eventCapacity = b.eventCapacity;
        this.waitStrategy = b.waitStrategy;
        this.repair = b.repair;
        this.metricsInterval = b.metricsInterval;
        this.fileSystem = b.fileSystem;
        this.hasher = b.hasher;
        this.hasherId = b.hasherId;
    }

    /** A builder with every default; only {@link Builder#dir} is required. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The shard count Sluice picks for this machine when none is set and the directory is new:
     * half the available processors, rounded down to a power of two, at least 1 (1 on 2 cores,
     * where one handler and one producer fill the machine; see docs/benchmarks.md).
     */
    public static int defaultShards() {
        int half = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
        return Integer.highestOneBit(half);
    }

    /** The data directory. */
    public Path dir() {
        return dir;
    }

    /** Requested shard count, or 0 for "what the directory has, else {@link #defaultShards()}". */
    public int shards() {
        return shards;
    }

    /** What "durable" means for {@link Sluice#awaitDurable}: {@link Durability#NONE} by default. */
    public Durability durability() {
        return durability;
    }

    /** WAL segment file size in bytes ({@link #DEFAULT_SEGMENT_SIZE} by default). */
    public long segmentSize() {
        return segmentSize;
    }

    /** Ring size in events ({@link #DEFAULT_RING_SIZE} by default). */
    public int ringSize() {
        return ringSize;
    }

    /** Samples per ring event, and per shard staged in an appender ({@link #DEFAULT_EVENT_CAPACITY} by default). */
    public int eventCapacity() {
        return eventCapacity;
    }

    /** How an idle shard handler waits for events ({@link WaitStrategyKind#BACKOFF} by default). */
    public WaitStrategyKind waitStrategy() {
        return waitStrategy;
    }

    /** Cut the WAL at the first corruption instead of failing to open. */
    public boolean repair() {
        return repair;
    }

    /** How often the metrics collector takes an interval snapshot (1 s by default). */
    public Duration metricsInterval() {
        return metricsInterval;
    }

    /** The file-system facade (an SPI for tests; see {@link Builder#fileSystem}). */
    public WalFileSystem fileSystem() {
        return fileSystem;
    }

    /** The label hash (an SPI for tests; see {@link Builder#hasher(String, LabelsHasher)}). */
    public LabelsHasher hasher() {
        return hasher;
    }

    /** The identity of {@link #hasher()}, recorded in the directory. */
    public String hasherId() {
        return hasherId;
    }

    /** Fault each new segment's pages in on the background preparer thread. */
    public boolean prefaultSegments() {
        return prefaultSegments;
    }

    /** How long samples are kept, in sample time; {@link Duration#ZERO} keeps everything. See {@link Builder#retention}. */
    public Duration retention() {
        return retention;
    }

    /** Least wall time between two retention deletions in a shard. */
    public Duration retentionCheckInterval() {
        return retentionCheckInterval;
    }

    /**
     * The block range: Prometheus' head cuts chunks at multiples of it (and, once blocks exist,
     * compacts the head into blocks of it). 2 h of sample time by default.
     */
    public Duration blockRange() {
        return blockRange;
    }

    /** Size of each head-chunk file (64 MiB by default). */
    public long headChunkFileSize() {
        return headChunkFileSize;
    }

    /** The WAL is truncated behind the head once this many of a shard's segments are sealed (2 by default). */
    public int walTruncateSegments() {
        return walTruncateSegments;
    }

    /** Whether the head is compacted into blocks (true by default). */
    public boolean compaction() {
        return compaction;
    }

    /** Head-chunk bytes beyond which compaction runs at normal priority. See {@link Builder#compactionDebtBytes}. */
    public long compactionDebtBytes() {
        return compactionDebtBytes;
    }

    /**
     * The longest a merged block may span: blocks are merged into ranges of 3, 9, 27, … block
     * ranges up to this. See {@link Builder#maxBlockDuration}.
     */
    public Duration maxBlockDuration() {
        return maxBlockDuration;
    }

    /**
     * The ranges blocks are merged into, shortest first, as Prometheus' {@code
     * ExponentialBlockRanges(blockRange, 10, 3)} cut at {@link #maxBlockDuration()}: the first is the
     * block range itself (the head's blocks), and no merge happens if it is the only one.
     */
    public long[] blockRanges() {
        long r = blockRange.toMillis();
        long max = maxBlockDuration.toMillis();
        long[] out = new long[10];
        int n = 0;
        for (int i = 0; i < 10; i++) {
            if (i > 0 && r > max) {
                break;
            }
            out[n++] = r;
            if (r > Long.MAX_VALUE / 3) {
                break;
            }
            r *= 3;
        }
        return java.util.Arrays.copyOf(out, n);
    }

    /** Builder; not thread-safe. */
    public static final class Builder {
        private Path dir;
        private int shards;
        private Durability durability = Durability.NONE;
        private long segmentSize = DEFAULT_SEGMENT_SIZE;
        private int ringSize = DEFAULT_RING_SIZE;
        private int eventCapacity = DEFAULT_EVENT_CAPACITY;
        private WaitStrategyKind waitStrategy = WaitStrategyKind.BACKOFF;
        private boolean repair;
        private Duration metricsInterval = Duration.ofSeconds(1);
        private WalFileSystem fileSystem = MappedWalFileSystem.INSTANCE;
        private LabelsHasher hasher = LabelsHasher.DEFAULT;
        private String hasherId = LabelsHasher.DEFAULT_ID;
        private boolean prefaultSegments = true;
        private Duration retention = Duration.ZERO;
        private Duration retentionCheckInterval = Duration.ZERO;
        private Duration blockRange = Duration.ofHours(2);
        private long headChunkFileSize = DEFAULT_HEAD_CHUNK_FILE_SIZE;
        private int walTruncateSegments = 2;
        private boolean compaction = true;
        private long compactionDebtBytes = DEFAULT_COMPACTION_DEBT_BYTES;
        private Duration maxBlockDuration;

        private Builder() {
        }

        /**
         * Deletes whole head-chunk files once every chunk in them ended more than {@code retention}
         * ago, and leaves samples that old out of the WAL's checkpoints. Age is measured in sample
         * time, not wall time: per shard, back from the newest sample timestamp written to that shard,
         * with timestamps read as milliseconds (so a store fed old or future timestamps ages by its
         * data, not by the clock). The file being written is never deleted, and a series keeps its
         * open chunk. Checked at most once per {@link #retentionCheckInterval}. {@link Duration#ZERO}
         * (the default) keeps everything. (The WAL itself is truncated behind the head whatever the
         * retention: {@link #walTruncateSegments}.)
         *
         * @throws IllegalArgumentException if negative, or positive but under 1 ms
         */
        public Builder retention(Duration retention) {
            Objects.requireNonNull(retention, "retention");
            if (retention.isNegative() || (!retention.isZero() && retention.toMillis() < 1)) {
                throw new IllegalArgumentException("retention must be zero (keep everything) or at least 1ms, got "
                    + retention);
            }
            this.retention = retention;
            return this;
        }

        /**
         * Least wall time between two retention checks in one shard (default 0: at every batch; the
         * check compares the oldest head-chunk file's newest time with the cutoff, so it is cheap).
         *
         * @throws IllegalArgumentException if negative
         */
        public Builder retentionCheckInterval(Duration interval) {
            Objects.requireNonNull(interval, "interval");
            if (interval.isNegative()) {
                throw new IllegalArgumentException("retention check interval must not be negative, got " + interval);
            }
            this.retentionCheckInterval = interval;
            return this;
        }

        /**
         * Whether the background preparer writes zeros over each new segment before the shard writer
         * gets it, so that the writer never takes a page fault on a fresh page (default true). It
         * costs one pass over the segment's memory per segment, off the writer's thread.
         */
        public Builder prefaultSegments(boolean prefault) {
            this.prefaultSegments = prefault;
            return this;
        }

        /**
         * The block range, in sample time (timestamps read as milliseconds): the head cuts chunks at
         * multiples of it, as Prometheus' head does with its 2 h default.
         *
         * @throws IllegalArgumentException unless from 1 ms to 365 days
         */
        public Builder blockRange(Duration range) {
            Objects.requireNonNull(range, "range");
            if (range.toMillis() < 1 || range.compareTo(Duration.ofDays(365)) > 0) {
                throw new IllegalArgumentException("block range must be from 1ms to 365 days, got " + range);
            }
            this.blockRange = range;
            return this;
        }

        /**
         * Size of each head-chunk file: a multiple of 4096 from 64 KiB to 1 GiB.
         *
         * @throws IllegalArgumentException if out of range or not a multiple of 4096
         */
        public Builder headChunkFileSize(long bytes) {
            if (bytes < (64 << 10) || bytes > MAX_SEGMENT_SIZE || bytes % 4096 != 0) {
                throw new IllegalArgumentException("head-chunk file size must be a multiple of 4096 from 65536 to "
                    + MAX_SEGMENT_SIZE + " bytes, got " + bytes);
            }
            this.headChunkFileSize = bytes;
            return this;
        }

        /**
         * Truncate a shard's WAL once this many of its segments are sealed (1 to 1024): what the head
         * has not yet put into forced chunks goes into a checkpoint, and the segments are deleted.
         *
         * @throws IllegalArgumentException if out of range
         */
        public Builder walTruncateSegments(int segments) {
            if (segments < 1 || segments > 1024) {
                throw new IllegalArgumentException("WAL truncation threshold must be from 1 to 1024 segments, got "
                    + segments);
            }
            this.walTruncateSegments = segments;
            return this;
        }

        /**
         * Whether the head's oldest block range is written as a block once the head spans more than
         * 1.5 block ranges (true by default). Without it the head keeps everything.
         */
        public Builder compaction(boolean compact) {
            this.compaction = compact;
            return this;
        }

        /**
         * How far compaction may fall behind while it runs in the background (1 GiB by default).
         * Compaction is background work: while the head's chunks take less than this many bytes
         * (all shards, from the oldest chunk still in the head to the newest), it runs on a thread
         * at the lowest priority (SCHED_IDLE on Linux, or nice 19 where that is refused), which
         * gets only CPU the writers leave idle. Beyond it, a thread at normal priority takes over until the head is back under, so that
         * a writer at saturation cannot grow the head without bound. 0 runs compaction at normal
         * priority always. The head's bytes on disk, and the head-chunk files replayed at open,
         * grow with what is allowed here.
         *
         * @throws IllegalArgumentException if negative
         */
        public Builder compactionDebtBytes(long bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("compactionDebtBytes must be >= 0: " + bytes);
            }
            this.compactionDebtBytes = bytes;
            return this;
        }

        /**
         * The longest a block may span once merged (Prometheus' {@code
         * --storage.tsdb.max-block-duration}): the compactor merges blocks into ranges of 3, 9, 27, …
         * block ranges that fit in it, as Prometheus' leveled compactor does. By default a tenth of
         * the retention period, at most 31 days (31 days without retention). A value below three
         * block ranges turns merging off.
         *
         * @throws IllegalArgumentException unless from 1 ms to 3650 days
         */
        public Builder maxBlockDuration(Duration max) {
            Objects.requireNonNull(max, "max");
            if (max.toMillis() < 1 || max.compareTo(Duration.ofDays(3650)) > 0) {
                throw new IllegalArgumentException("max block duration must be from 1ms to 3650 days, got " + max);
            }
            this.maxBlockDuration = max;
            return this;
        }

        /** The data directory (created if missing). Required. */
        public Builder dir(Path dir) {
            this.dir = Objects.requireNonNull(dir, "dir");
            return this;
        }

        /**
         * Shard count: a power of two from 1 to 1024, or 0 for automatic (the directory's, else
         * {@link #defaultShards()}).
         *
         * @throws IllegalArgumentException if out of range or not a power of two
         */
        public Builder shards(int shards) {
            if (shards < 0 || shards > 1024 || (shards != 0 && Integer.bitCount(shards) != 1)) {
                throw new IllegalArgumentException("shards must be a power of two from 1 to 1024 (or 0 for automatic),"
                    + " got " + shards);
            }
            this.shards = shards;
            return this;
        }

        /** What "durable" means: {@link Durability#NONE} (default), {@link Durability#BATCH} or an interval. */
    public Builder durability(Durability durability) {
            this.durability = Objects.requireNonNull(durability, "durability");
            return this;
        }

        /**
         * Segment file size: a multiple of 4096 from 4 KiB to 1 GiB. It must hold one full ring
         * event's record ({@link Sluice#open} checks).
         *
         * @throws IllegalArgumentException if out of range or not a multiple of 4096
         */
        public Builder segmentSize(long bytes) {
            if (bytes < MIN_SEGMENT_SIZE || bytes > MAX_SEGMENT_SIZE || bytes % 4096 != 0) {
                throw new IllegalArgumentException("segment size must be a multiple of 4096 from " + MIN_SEGMENT_SIZE
                    + " to " + MAX_SEGMENT_SIZE + " bytes, got " + bytes);
            }
            this.segmentSize = bytes;
            return this;
        }

        /**
         * Ring size in events: a power of two from 2 to 2^20, at least the shard count ({@link Sluice#open} checks).
         *
         * @throws IllegalArgumentException if out of range or not a power of two
         */
        public Builder ringSize(int events) {
            if (events < 2 || events > (1 << 20) || Integer.bitCount(events) != 1) {
                throw new IllegalArgumentException("ring size must be a power of two from 2 to 1048576, got " + events);
            }
            this.ringSize = events;
            return this;
        }

        /**
         * Samples one ring event carries: 1 to 65536. An appender stages this many per shard.
         *
         * @throws IllegalArgumentException if out of range
         */
        public Builder eventCapacity(int samples) {
            if (samples < 1 || samples > 65536) {
                throw new IllegalArgumentException("event capacity must be from 1 to 65536 samples, got " + samples);
            }
            this.eventCapacity = samples;
            return this;
        }

        /** How an idle shard handler waits: {@link WaitStrategyKind#BACKOFF} (default) spins briefly, then blocks. */
    public Builder waitStrategy(WaitStrategyKind kind) {
            this.waitStrategy = Objects.requireNonNull(kind, "waitStrategy");
            return this;
        }

        /** On open, cut the WAL at the first corruption (and report it) instead of failing. */
        public Builder repair(boolean repair) {
            this.repair = repair;
            return this;
        }

        /**
         * How often the metrics collector takes an interval snapshot (at least 10 ms).
         *
         * @throws IllegalArgumentException if shorter than 10 ms
         */
        public Builder metricsInterval(Duration interval) {
            Objects.requireNonNull(interval, "interval");
            if (interval.compareTo(Duration.ofMillis(10)) < 0) {
                throw new IllegalArgumentException("metrics interval must be at least 10ms, got " + interval);
            }
            this.metricsInterval = interval;
            return this;
        }

        /**
         * Service-provider interface, not configuration: the file-system facade every WAL file
         * operation goes through. Tests inject a full disk, failing fsyncs and failing mappings
         * through it; real use keeps the default (memory-mapped files).
         */
        public Builder fileSystem(WalFileSystem fileSystem) {
            this.fileSystem = Objects.requireNonNull(fileSystem, "fileSystem");
            return this;
        }

        /**
         * Service-provider interface, not configuration: replaces the label hash that places series
         * in shards and registry slots. Tests inject colliding hashes through it. The directory
         * records {@code id} on first open, and an engine with another id refuses the directory
         * (its series would hash to other shards). Real data keeps the default
         * ({@link LabelsHasher#DEFAULT_ID}).
         *
         * @throws IllegalArgumentException if {@code id} is blank or has white space
         */
        public Builder hasher(String id, LabelsHasher hasher) {
            Objects.requireNonNull(id, "id");
            if (id.isBlank() || !id.equals(id.strip()) || id.chars().anyMatch(Character::isWhitespace)) {
                throw new IllegalArgumentException("a hasher id is one word without white space, got '" + id + "'");
            }
            this.hasher = Objects.requireNonNull(hasher, "hasher");
            this.hasherId = id;
            return this;
        }

        /**
     * The configuration. Settings that depend on the directory (its shard count against the ring
     * size and segment size) are checked by {@link Sluice#open}.
     *
     * @throws IllegalArgumentException if no directory was set
     */
    public SluiceConfig build() {
            if (dir == null) {
                throw new IllegalArgumentException("a data directory is required: builder().dir(path)");
            }
            return new SluiceConfig(this);
        }
    }
}
