package io.sluice.block;

import io.sluice.engine.Labels;
import org.agrona.DirectBuffer;
import org.agrona.collections.Object2IntHashMap;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Writes one block in the Prometheus TSDB format (docs/format/blocks.md): {@code meta.json}, an
 * {@code index} (format 2), {@code chunks/000001...} and an empty {@code tombstones}, with the bytes
 * Prometheus 2.42 writes for the same series and chunks.
 *
 * <p>Protocol (Prometheus' {@code LeveledCompactor.write}): everything is written into
 * {@code <blocksDir>/<ULID>.tmp-for-creation/} (a leftover one from a crash is deleted first); every
 * file is forced to disk, then the chunks directory and the temporary directory; the temporary
 * directory is renamed to {@code <blocksDir>/<ULID>} and {@code blocksDir} is forced, so that a
 * block directory either does not exist or is complete. A failure deletes the temporary directory.
 *
 * <p>Streaming: chunk bytes go from the source straight into the segment file. Held in memory while
 * writing: the distinct label strings (the symbols), three longs per chunk (its time range and
 * reference, for the index, which is written after the chunks because its symbol table must list
 * only the series that turned out to have chunks), and the postings: an int per (series, label) and
 * a hash entry per distinct (name, value).
 *
 * <p>Bad input is refused with an {@link IllegalArgumentException} that names the series: labels not
 * strictly ascending in {@link LabelOrder}, a chunk outside {@code [minT, maxT)} or not after the
 * previous chunk of its series, an unknown encoding, a chunk without samples.
 *
 * <p>Threading: a {@code write} call runs on its caller's thread and calls the source on it; calls
 * for different blocks may run concurrently.
 */
public final class BlockWriter {
    /** Suffix of the temporary directory a block is written into (Prometheus' {@code tmpForCreationBlockDirSuffix}). */
    public static final String TMP_SUFFIX = ".tmp-for-creation";

    private BlockWriter() {
    }

    /**
     * Writes a block of {@code src}'s series holding the samples in {@code [minT, maxTExclusive)},
     * with a new ULID and 512 MiB chunk segments.
     *
     * @return the block's meta, or empty if no series had a chunk (then, as in Prometheus, no block
     * is written)
     */
    public static Optional<BlockMeta> write(Path blocksDir, long minT, long maxTExclusive, BlockSource src)
        throws IOException {
        return write(blocksDir, minT, maxTExclusive, src, Options.defaults());
    }

    /**
     * Writes a block as {@link #write(Path, long, long, BlockSource)} does, with the given options.
     *
     * @throws IllegalArgumentException on bad input (see the class description); nothing is left behind
     * @throws FileAlreadyExistsException if a block with the chosen ULID already exists
     */
    public static Optional<BlockMeta> write(Path blocksDir, long minT, long maxTExclusive, BlockSource src,
                                            Options options) throws IOException {
        Objects.requireNonNull(blocksDir, "blocksDir");
        Objects.requireNonNull(src, "src");
        Objects.requireNonNull(options, "options");
        if (minT >= maxTExclusive) {
            throw new IllegalArgumentException("block range [" + minT + ", " + maxTExclusive + ") is empty");
        }
        Ulid ulid = options.ulid != null ? options.ulid : Ulid.generate();
        Files.createDirectories(blocksDir);
        Path dir = blocksDir.resolve(ulid.toString());
        Path tmp = blocksDir.resolve(ulid + TMP_SUFFIX);
        if (Files.exists(dir)) {
            throw new FileAlreadyExistsException(dir.toString(), null, "a block with this ULID already exists");
        }
        deleteTree(tmp);
        Files.createDirectories(tmp.resolve(ChunkSegmentDescriptor.DIRECTORY));
        try {
            BlockMeta meta = new Run(tmp, ulid, minT, maxTExclusive, src, options).write();
            if (meta == null) {
                deleteTree(tmp);
                return Optional.empty();
            }
            forceDirectory(tmp);
            Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
            forceDirectory(blocksDir);
            return Optional.of(meta);
        } catch (IOException | RuntimeException | Error e) {
            try {
                deleteTree(tmp);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** One block being written. */
    private static final class Run implements ChunkSink {
        private final Path tmp;
        private final Ulid ulid;
        private final long minT;
        private final long maxT;
        private final BlockSource src;
        private final ChunkSegmentWriter chunks;
        private final long maxChunkLength;
        private final Options options;
        private boolean streaming;

        private long[] metas = new long[3 * 1024];
        private int chunkCount;
        private long samples;
        // The series whose chunks are being received.
        private int seriesIndex;
        private Labels seriesLabels;
        private int seriesChunks;
        private long prevMaxT;

        Run(Path tmp, Ulid ulid, long minT, long maxT, BlockSource src, Options options) {
            this.tmp = tmp;
            this.ulid = ulid;
            this.minT = minT;
            this.maxT = maxT;
            this.src = src;
            this.chunks = new ChunkSegmentWriter(tmp.resolve(ChunkSegmentDescriptor.DIRECTORY), options.chunkSegmentSize);
            this.options = options;
            this.maxChunkLength = options.chunkSegmentSize - ChunkSegmentDescriptor.HEADER_SIZE
                - ChunkSegmentDescriptor.MAX_LENGTH_FIELD - 1 - ChunkSegmentDescriptor.CRC_SIZE;
        }

        /** Returns the meta, or null if no series had a chunk. */
        BlockMeta write() throws IOException {
            int n = src.seriesCount();
            if (n < 0) {
                throw new IllegalArgumentException("seriesCount() is negative: " + n);
            }
            String[] given = src.symbols();
            if (given != null) {
                return writeStreaming(n, given);
            }
            int[] kept = new int[Math.min(n, 1024)];
            int[] keptChunkEnd = new int[kept.length];
            int keptCount = 0;
            Set<String> symbols = new HashSet<>();
            Labels prev = null;
            try (ChunkSegmentWriter c = chunks) {
                for (int i = 0; i < n; i++) {
                    Labels labels = writeChunks(i, prev, c);
                    if (seriesChunks > 0) {
                        if (keptCount == kept.length) {
                            kept = Arrays.copyOf(kept, 2 * keptCount);
                            keptChunkEnd = Arrays.copyOf(keptChunkEnd, 2 * keptCount);
                        }
                        kept[keptCount] = i;
                        keptChunkEnd[keptCount++] = chunkCount;
                        for (int k = 0; k < labels.size(); k++) {
                            symbols.add(labels.name(k));
                            symbols.add(labels.value(k));
                        }
                    }
                    prev = labels;
                }
                c.finish();
            }
            if (keptCount == 0) {
                return null;
            }
            // Prometheus' head lists the all-series key's empty name and value among its symbols, so every
            // block it cuts has "" as symbol 0; so do Sluice's, for the same bytes.
            symbols.add("");
            String[] sorted = symbols.toArray(new String[0]);
            LabelOrder.sort(sorted);
            writeIndex(sorted, kept, keptChunkEnd, keptCount);

            BlockMeta meta = options.meta(ulid, minT, maxT, samples, keptCount, chunkCount);
            writeFile(tmp.resolve(BlockMeta.FILE_NAME), MetaJson.write(meta));
            writeFile(tmp.resolve(TombstonesDescriptor.FILE_NAME), TombstonesDescriptor.EMPTY);
            forceDirectory(tmp.resolve(ChunkSegmentDescriptor.DIRECTORY));
            return meta;
        }

        /**
         * The source named the symbols up front: the index's symbol table goes first, and each series'
         * entry follows its chunks at once, so the writer holds one series' chunk metas, not the
         * block's (Prometheus' compactor streams the same way).
         */
        private BlockMeta writeStreaming(int n, String[] symbols) throws IOException {
            for (int i = 1; i < symbols.length; i++) {
                if (LabelOrder.compare(symbols[i - 1], symbols[i]) >= 0) {
                    throw new IllegalArgumentException("symbols() is not strictly ascending in Prometheus order at "
                        + i + ": '" + symbols[i - 1] + "', '" + symbols[i] + "'");
                }
            }
            streaming = true;
            Object2IntHashMap<String> symbolNumbers = new Object2IntHashMap<>(symbols.length * 2, 0.65f, -1);
            for (int i = 0; i < symbols.length; i++) {
                symbolNumbers.put(symbols[i], i);
            }
            int[] labelSymbols = new int[2 * Labels.MAX_LABELS];
            int kept = 0;
            Labels prev = null;
            try (ChunkSegmentWriter c = chunks;
                 IndexWriter index = new IndexWriter(tmp.resolve(IndexDescriptor.FILE_NAME), symbols)) {
                for (int i = 0; i < n; i++) {
                    Labels labels = writeChunks(i, prev, c);
                    if (seriesChunks > 0) {
                        for (int j = 0; j < labels.size(); j++) {
                            labelSymbols[2 * j] = given(symbolNumbers, labels.name(j), i);
                            labelSymbols[2 * j + 1] = given(symbolNumbers, labels.value(j), i);
                        }
                        index.addSeries(labelSymbols, labels.size(), metas, 0, seriesChunks);
                        kept++;
                    }
                    prev = labels;
                }
                c.finish();
                if (kept == 0) {
                    return null;
                }
                index.finish();
            }
            BlockMeta meta = options.meta(ulid, minT, maxT, samples, kept, chunkCount);
            writeFile(tmp.resolve(BlockMeta.FILE_NAME), MetaJson.write(meta));
            writeFile(tmp.resolve(TombstonesDescriptor.FILE_NAME), TombstonesDescriptor.EMPTY);
            forceDirectory(tmp.resolve(ChunkSegmentDescriptor.DIRECTORY));
            return meta;
        }

        private static int given(Object2IntHashMap<String> numbers, String s, int series) {
            int n = numbers.getValue(s);
            if (n < 0) {
                throw new IllegalArgumentException("labels(" + series + ") holds '" + s + "', which symbols() lacks");
            }
            return n;
        }

        private void writeIndex(String[] sorted, int[] kept, int[] keptChunkEnd, int keptCount) throws IOException {
            Object2IntHashMap<String> symbolNumbers = new Object2IntHashMap<>(sorted.length * 2, 0.65f, -1);
            for (int i = 0; i < sorted.length; i++) {
                symbolNumbers.put(sorted[i], i);
            }
            int[] labelSymbols = new int[2 * Labels.MAX_LABELS];
            try (IndexWriter index = new IndexWriter(tmp.resolve(IndexDescriptor.FILE_NAME), sorted)) {
                for (int k = 0; k < keptCount; k++) {
                    Labels labels = src.labels(kept[k]);
                    for (int j = 0; j < labels.size(); j++) {
                        labelSymbols[2 * j] = symbol(symbolNumbers, labels.name(j), kept[k]);
                        labelSymbols[2 * j + 1] = symbol(symbolNumbers, labels.value(j), kept[k]);
                    }
                    int from = k == 0 ? 0 : keptChunkEnd[k - 1];
                    index.addSeries(labelSymbols, labels.size(), metas, from, keptChunkEnd[k] - from);
                }
                index.finish();
            }
        }

        private static int symbol(Object2IntHashMap<String> numbers, String s, int series) {
            int n = numbers.getValue(s);
            if (n < 0) {
                throw new IllegalArgumentException("labels(" + series + ") returned different labels on its second call"
                    + " (no symbol '" + s + "')");
            }
            return n;
        }

        /** Checks series {@code i}'s order and writes its chunks; {@link #seriesChunks} says how many. */
        private Labels writeChunks(int i, Labels prev, ChunkSegmentWriter c) throws IOException {
            Labels labels = checkOrder(i, prev, src.labels(i));
            seriesIndex = i;
            seriesLabels = labels;
            seriesChunks = 0;
            c.startSeries();
            src.chunks(i, this);
            return labels;
        }

        private Labels checkOrder(int i, Labels prev, Labels labels) {
            if (labels == null) {
                throw new IllegalArgumentException("labels(" + i + ") is null");
            }
            if (prev != null && LabelOrder.compare(prev, labels) >= 0) {
                throw new IllegalArgumentException("series are not strictly ascending in Prometheus label order: series "
                    + i + " " + labels + " does not sort after series " + (i - 1) + " " + prev);
            }
            return labels;
        }

        @Override
        public void chunk(long cMinT, long cMaxT, byte encoding, DirectBuffer buf, int offset, int length) throws IOException {
            Objects.requireNonNull(buf, "buf");
            if (encoding != ChunkSegmentDescriptor.ENCODING_XOR && encoding != ChunkSegmentDescriptor.ENCODING_HISTOGRAM) {
                throw bad("has unknown encoding " + encoding + " (known: 1 = XOR, 2 = histogram)");
            }
            if (offset < 0 || length < 0 || (long) offset + length > buf.capacity()) {
                throw bad("bytes [" + offset + ", " + ((long) offset + length) + ") lie outside its buffer of "
                    + buf.capacity() + " bytes");
            }
            if (length < 2) {
                throw bad("is " + length + " bytes, too short for its 2-byte sample count");
            }
            if (length > maxChunkLength) {
                throw bad("is " + length + " bytes, more than a chunk segment of the chosen size can hold");
            }
            int count = buf.getShort(offset, ByteOrder.BIG_ENDIAN) & 0xFFFF;
            if (count == 0) {
                throw bad("holds no sample");
            }
            if (cMinT > cMaxT) {
                throw bad("has minT " + cMinT + " after maxT " + cMaxT);
            }
            if (cMinT < minT || cMaxT >= maxT) {
                throw bad("spans [" + cMinT + ", " + cMaxT + "], outside the block's [" + minT + ", " + maxT + ")");
            }
            if (seriesChunks > 0 && cMinT <= prevMaxT) {
                throw bad("starts at " + cMinT + ", not after the previous chunk's maxT " + prevMaxT);
            }
            long ref = chunks.write(encoding, buf, offset, length);
            int at = streaming ? seriesChunks : chunkCount; // streaming: this series' metas only
            if (3 * at + 3 > metas.length) {
                metas = Arrays.copyOf(metas, 2 * metas.length);
            }
            metas[3 * at] = cMinT;
            metas[3 * at + 1] = cMaxT;
            metas[3 * at + 2] = ref;
            chunkCount++;
            seriesChunks++;
            samples += count;
            prevMaxT = cMaxT;
        }

        private IllegalArgumentException bad(String what) {
            return new IllegalArgumentException("chunk " + seriesChunks + " of series " + seriesIndex + " " + seriesLabels
                + " " + what);
        }
    }

    private static void writeFile(Path file, byte[] content) throws IOException {
        FileOutput out = new FileOutput(file, Math.max(16, content.length));
        try {
            out.writeBytes(content);
            out.finish();
        } finally {
            out.close();
        }
    }

    /** Forces a directory's entries to disk (Linux and macOS allow fsync on a directory). */
    static void forceDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }

    /**
     * How a block is written: its ULID (by default a new one from the clock and a {@link java.security.SecureRandom})
     * and the maximum chunk segment file size (by default {@link ChunkSegmentDescriptor#DEFAULT_SEGMENT_SIZE}).
     *
     * <p>Threading: immutable.
     */
    public static final class Options {
        private static final Options DEFAULTS = new Options(null, ChunkSegmentDescriptor.DEFAULT_SEGMENT_SIZE, null);
        /** The smallest chunk segment size accepted. */
        public static final long MIN_SEGMENT_SIZE = 1024;

        private final Ulid ulid;
        private final long chunkSegmentSize;
        private final List<BlockMeta> parents;

        private Options(Ulid ulid, long chunkSegmentSize, List<BlockMeta> parents) {
            this.ulid = ulid;
            this.chunkSegmentSize = chunkSegmentSize;
            this.parents = parents;
        }

        /** A new ULID per block, 512 MiB segments. */
        public static Options defaults() {
            return DEFAULTS;
        }

        /** Names the block {@code ulid} (golden files and tests; a real block needs a fresh one). */
        public Options withUlid(Ulid ulid) {
            return new Options(Objects.requireNonNull(ulid, "ulid"), chunkSegmentSize, parents);
        }

        /** Names the block with a ULID made of {@code timeMillis} and randomness from {@code random}. */
        public Options withUlid(long timeMillis, Random random) {
            return withUlid(Ulid.generate(timeMillis, random));
        }

        /**
         * Cuts chunk segment files at this size.
         *
         * @throws IllegalArgumentException if outside [{@link #MIN_SEGMENT_SIZE}, 2^31 - 1]
         */
        public Options withChunkSegmentSize(long bytes) {
            if (bytes < MIN_SEGMENT_SIZE || bytes > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("chunk segment size must be in [" + MIN_SEGMENT_SIZE + ", "
                    + Integer.MAX_VALUE + "], got " + bytes);
            }
            return new Options(ulid, bytes, parents);
        }

        /**
         * Marks the block as compacted from {@code parents}, as Prometheus' {@code CompactBlockMetas}
         * does: its level is one above the highest parent's, its sources are the union of theirs
         * (sorted), and its parents list names each of them.
         *
         * @throws IllegalArgumentException if {@code parents} is empty
         */
        public Options withParents(List<BlockMeta> parents) {
            if (parents.isEmpty()) {
                throw new IllegalArgumentException("a compacted block needs at least one parent");
            }
            return new Options(ulid, chunkSegmentSize, List.copyOf(parents));
        }

        /** The fixed ULID, or null for a new one per block. */
        public Ulid ulid() {
            return ulid;
        }

        /** The chunk segment size. */
        public long chunkSegmentSize() {
            return chunkSegmentSize;
        }

        /** The parents of a compacted block, or null for a level-1 block. */
        public List<BlockMeta> parents() {
            return parents;
        }

        BlockMeta meta(Ulid ulid, long minTime, long maxTime, long samples, long series, long chunks) {
            if (parents == null) {
                return BlockMeta.level1(ulid, minTime, maxTime, samples, series, chunks);
            }
            int level = 0;
            java.util.TreeSet<Ulid> sources = new java.util.TreeSet<>();
            List<BlockMeta.BlockDesc> descs = new java.util.ArrayList<>(parents.size());
            for (BlockMeta p : parents) {
                level = Math.max(level, p.compactionLevel());
                sources.addAll(p.compactionSources());
                descs.add(p.desc());
            }
            return new BlockMeta(ulid, minTime, maxTime, samples, series, chunks, 0, level + 1,
                new java.util.ArrayList<>(sources), descs, BlockMeta.VERSION);
        }
    }
}
