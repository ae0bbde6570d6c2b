package io.sluice.block;

import io.sluice.engine.Labels;
import io.sluice.engine.Matcher;
import org.roaringbitmap.RoaringBitmap;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * Reads a block directory in the Prometheus TSDB format (written by Sluice or by Prometheus): its
 * meta, its index (series by id, postings, label names and values, matcher evaluation) and its
 * chunks by reference. The index and the chunk segments are mapped read-only and decoded lazily, in
 * place; nothing is copied to the heap but an int per symbol and two per postings table entry.
 *
 * <p>Checks: {@link #open} checks meta.json, the index header, TOC and the CRC of its symbol table,
 * postings offset table, label offset table and label indices, the chunk segments' headers, and the
 * tombstones file. A series entry, a postings list and a chunk have their own CRC checked whenever
 * they are read. {@link #verify} checks everything at once (every series, postings list and chunk,
 * and the meta's counts). Damage of any kind is a {@link BlockCorruptionException} naming the file
 * and the byte offset, never an unchecked exception.
 *
 * <p>Threading: any number of threads may read at once. {@link #close} unmaps the files at once: it
 * must be called after every reader is done, including with the {@link ChunkView}s it handed out;
 * calls after close throw {@link IllegalStateException}.
 */
public final class BlockReader implements Closeable {
    private final Path dir;
    private final BlockMeta meta;
    private final IndexReader index;
    private final ReadOnlyMapping[] segments;
    private final List<Tombstone> tombstones;
    private final org.agrona.collections.Long2ObjectHashMap<long[]> deleted; // series id -> min0, max0, min1, ...
    private volatile boolean closed;

    private BlockReader(Path dir, BlockMeta meta, IndexReader index, ReadOnlyMapping[] segments, List<Tombstone> tombstones) {
        this.dir = dir;
        this.meta = meta;
        this.index = index;
        this.segments = segments;
        this.tombstones = tombstones;
        org.agrona.collections.Long2ObjectHashMap<long[]> d = new org.agrona.collections.Long2ObjectHashMap<>();
        for (Tombstone t : tombstones) {
            long[] had = d.get(t.seriesId());
            long[] now = had == null ? new long[2] : java.util.Arrays.copyOf(had, had.length + 2);
            now[now.length - 2] = t.minTime();
            now[now.length - 1] = t.maxTime();
            d.put(t.seriesId(), now);
        }
        this.deleted = d;
    }

    /**
     * Opens the block in {@code blockDir}.
     *
     * @throws BlockCorruptionException if a file is damaged (see the class description)
     * @throws NoSuchFileException      if meta.json, the index or the chunks directory is missing
     * @throws IOException              on an I/O error, or an index of 2 GiB or more
     */
    public static BlockReader open(Path blockDir) throws IOException {
        Objects.requireNonNull(blockDir, "blockDir");
        Path metaFile = blockDir.resolve(BlockMeta.FILE_NAME);
        BlockMeta meta = MetaJson.read(metaFile, Files.readAllBytes(metaFile));
        List<ReadOnlyMapping> opened = new ArrayList<>();
        try {
            ReadOnlyMapping idx = ReadOnlyMapping.map(blockDir.resolve(IndexDescriptor.FILE_NAME));
            opened.add(idx);
            IndexReader index = new IndexReader(idx);
            ReadOnlyMapping[] segments = mapSegments(blockDir.resolve(ChunkSegmentDescriptor.DIRECTORY), opened);
            List<Tombstone> tombstones = readTombstones(blockDir.resolve(TombstonesDescriptor.FILE_NAME));
            return new BlockReader(blockDir, meta, index, segments, tombstones);
        } catch (IOException | RuntimeException | Error e) {
            for (ReadOnlyMapping m : opened) {
                m.close();
            }
            throw e;
        }
    }

    private static ReadOnlyMapping[] mapSegments(Path chunksDir, List<ReadOnlyMapping> opened) throws IOException {
        List<Path> files = new ArrayList<>();
        try (Stream<Path> s = Files.list(chunksDir)) {
            s.filter(p -> p.getFileName().toString().matches("[0-9]+")).forEach(files::add);
        }
        files.sort((a, b) -> Long.compare(Long.parseLong(a.getFileName().toString()), Long.parseLong(b.getFileName().toString())));
        ReadOnlyMapping[] out = new ReadOnlyMapping[files.size()];
        for (int i = 0; i < out.length; i++) {
            Path f = files.get(i);
            if (Long.parseLong(f.getFileName().toString()) != i + 1) {
                throw new BlockCorruptionException(chunksDir.resolve(ChunkSegmentDescriptor.fileName(i)), 0,
                    "chunk segment " + ChunkSegmentDescriptor.fileName(i) + " is missing (next is " + f.getFileName() + ")");
            }
            ReadOnlyMapping m = ReadOnlyMapping.map(f);
            opened.add(m);
            if (m.size() < ChunkSegmentDescriptor.HEADER_SIZE) {
                throw new BlockCorruptionException(f, 0, "chunk segment is " + m.size() + " bytes, too short for its header");
            }
            int magic = m.buffer().getInt(0, ByteOrder.BIG_ENDIAN);
            if (magic != ChunkSegmentDescriptor.MAGIC) {
                throw new BlockCorruptionException(f, 0, String.format("bad magic number 0x%08X (expected 0x%08X)", magic,
                    ChunkSegmentDescriptor.MAGIC));
            }
            int version = m.buffer().getByte(4);
            if (version != ChunkSegmentDescriptor.VERSION) {
                throw new BlockCorruptionException(f, 4, "chunk segment format version " + version + " is not supported"
                    + " (only " + ChunkSegmentDescriptor.VERSION + ")");
            }
            for (int p = 5; p < ChunkSegmentDescriptor.HEADER_SIZE; p++) {
                if (m.buffer().getByte(p) != 0) {
                    throw new BlockCorruptionException(f, p, "non-zero padding byte in the chunk segment header");
                }
            }
            out[i] = m;
        }
        return out;
    }

    private static List<Tombstone> readTombstones(Path file) throws IOException {
        if (!Files.exists(file)) {
            return List.of(); // Prometheus reads a missing file as no tombstones
        }
        byte[] b = Files.readAllBytes(file);
        int n = b.length;
        if (n < TombstonesDescriptor.HEADER_SIZE + TombstonesDescriptor.CRC_SIZE) {
            throw new BlockCorruptionException(file, 0, "tombstones file is " + n + " bytes, too short for its header and CRC");
        }
        int magic = (b[0] & 0xFF) << 24 | (b[1] & 0xFF) << 16 | (b[2] & 0xFF) << 8 | (b[3] & 0xFF);
        if (magic != TombstonesDescriptor.MAGIC) {
            throw new BlockCorruptionException(file, 0, String.format("bad magic number 0x%08X (expected 0x%08X)", magic,
                TombstonesDescriptor.MAGIC));
        }
        if (b[4] != TombstonesDescriptor.VERSION) {
            throw new BlockCorruptionException(file, 4, "tombstones format version " + b[4] + " is not supported");
        }
        int end = n - TombstonesDescriptor.CRC_SIZE;
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(b, TombstonesDescriptor.HEADER_SIZE, end - TombstonesDescriptor.HEADER_SIZE);
        int stored = (b[end] & 0xFF) << 24 | (b[end + 1] & 0xFF) << 16 | (b[end + 2] & 0xFF) << 8 | (b[end + 3] & 0xFF);
        if ((int) crc.getValue() != stored) {
            throw new BlockCorruptionException(file, TombstonesDescriptor.HEADER_SIZE, "tombstones CRC mismatch");
        }
        List<Tombstone> out = new ArrayList<>();
        int pos = TombstonesDescriptor.HEADER_SIZE;
        long[] v = new long[1];
        while (pos < end) {
            int start = pos;
            pos = uvarint(file, b, pos, end, v);
            long ref = v[0];
            pos = uvarint(file, b, pos, end, v);
            long minT = v[0] >>> 1 ^ -(v[0] & 1);
            pos = uvarint(file, b, pos, end, v);
            long maxT = v[0] >>> 1 ^ -(v[0] & 1);
            if (pos < 0) {
                throw new BlockCorruptionException(file, start, "truncated or malformed tombstone");
            }
            out.add(new Tombstone(ref, minT, maxT));
        }
        return List.copyOf(out);
    }

    /** Decodes a uvarint from {@code b[pos..end)} into {@code out[0]}; returns the next position, or -1. */
    private static int uvarint(Path file, byte[] b, int pos, int end, long[] out) {
        if (pos < 0) {
            return -1;
        }
        long x = 0;
        for (int i = 0, shift = 0; i < 10 && pos < end; i++, shift += 7) {
            int c = b[pos++] & 0xFF;
            if (c < 0x80) {
                if (i == 9 && c > 1) {
                    return -1;
                }
                out[0] = x | (long) c << shift;
                return pos;
            }
            x |= (long) (c & 0x7F) << shift;
        }
        return -1;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("block reader of " + dir + " is closed");
        }
    }

    /** The block directory. */
    public Path directory() {
        return dir;
    }

    /** The block's meta.json. */
    public BlockMeta meta() {
        return meta;
    }

    /** Number of series in the index (the length of its all-series postings list). */
    public int seriesCount() throws BlockCorruptionException {
        ensureOpen();
        return index.seriesCount();
    }

    /** The ids of every series, in index order (a fresh bitmap the caller owns). */
    public RoaringBitmap allSeries() throws BlockCorruptionException {
        ensureOpen();
        return index.allSeries();
    }

    /** The ids of the series with label {@code name="value"} (a fresh bitmap); empty if there are none. */
    public RoaringBitmap postings(String name, String value) throws BlockCorruptionException {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        ensureOpen();
        return index.postings(name, value);
    }

    /**
     * The ids of the series that satisfy every matcher, PromQL semantics (a label a series lacks
     * compares as "", regexes are anchored), as {@code PostingsShard.select}: a fresh bitmap in index
     * order, which is label order. No matcher selects every series.
     */
    public RoaringBitmap select(Matcher... matchers) throws BlockCorruptionException {
        Objects.requireNonNull(matchers, "matchers");
        ensureOpen();
        return index.select(matchers);
    }

    /** Label names that some series carries, in {@link LabelOrder}. */
    public List<String> labelNames() {
        ensureOpen();
        return index.labelNames();
    }

    /** The values of label {@code name}, in {@link LabelOrder}; empty if no series carries it. */
    public List<String> labelValues(String name) throws BlockCorruptionException {
        Objects.requireNonNull(name, "name");
        ensureOpen();
        return index.labelValues(name, null);
    }

    /**
     * The values of label {@code name} that some series in {@code among} carries (for example the
     * result of {@link #select}), in {@link LabelOrder}, as {@code PostingsShard.labelValues}.
     */
    public List<String> labelValues(String name, RoaringBitmap among) throws BlockCorruptionException {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(among, "among");
        ensureOpen();
        return index.labelValues(name, among);
    }

    /**
     * The series with id {@code id} (an unsigned int from a postings list): labels and chunk metas.
     *
     * @throws BlockCorruptionException if the id is not a series' or the entry is damaged
     */
    public BlockSeries series(int id) throws BlockCorruptionException {
        ensureOpen();
        return index.series(id);
    }

    /**
     * Series {@code id}'s chunk metas without its labels ({@link BlockSeries#labels()} is null): what
     * copying its chunks needs.
     *
     * @throws BlockCorruptionException if the id is not a series' or the entry is damaged
     */
    public BlockSeries chunkMetas(int id) throws BlockCorruptionException {
        ensureOpen();
        return index.chunkMetas(id);
    }

    /**
     * The labels of series {@code id}, each symbol decoded once into {@code cache} (which must have
     * {@link #symbolCount()} slots): for a pass over many series, such as a merge.
     */
    public Labels labels(int id, String[] cache) throws BlockCorruptionException {
        ensureOpen();
        return index.labels(id, cache);
    }

    /**
     * Symbol {@code n} (0-based) of the index's symbol table.
     *
     * @throws IndexOutOfBoundsException unless {@code 0 <= n < symbolCount()}
     */
    public String symbol(int n) throws BlockCorruptionException {
        ensureOpen();
        return index.symbolAt(n);
    }

    /** Number of symbols in the index's symbol table. */
    public int symbolCount() {
        return index.symbolCount();
    }

    /** The labels of series {@code id}, without decoding its chunk metas. */
    public Labels labels(int id) throws BlockCorruptionException {
        ensureOpen();
        return index.labels(id);
    }

    /** Reads the chunk at {@code ref} into a new view (CRC checked). */
    public ChunkView chunk(long ref) throws BlockCorruptionException {
        return chunk(ref, new ChunkView());
    }

    /**
     * Points {@code view} at the chunk with reference {@code ref} (CRC checked) and returns it.
     *
     * @throws BlockCorruptionException if the reference points outside the segments, the chunk runs
     *                                  past its file's end, its CRC does not match, or its encoding is unknown
     */
    public ChunkView chunk(long ref, ChunkView view) throws BlockCorruptionException {
        ensureOpen();
        int seg = ChunkSegmentDescriptor.segmentIndex(ref);
        long off = ChunkSegmentDescriptor.offset(ref);
        if (seg < 0 || seg >= segments.length) {
            throw new BlockCorruptionException(dir.resolve(ChunkSegmentDescriptor.DIRECTORY)
                .resolve(ChunkSegmentDescriptor.fileName(Math.max(0, seg))), off, "chunk reference 0x"
                + Long.toHexString(ref) + " names segment index " + Integer.toUnsignedString(seg) + ", but the block has "
                + segments.length + " segments");
        }
        ReadOnlyMapping s = segments[seg];
        int size = s.size();
        if (off < ChunkSegmentDescriptor.HEADER_SIZE || off >= size) {
            throw new BlockCorruptionException(s.path(), off, "chunk reference points outside the segment's chunks [8, "
                + size + ")");
        }
        Cursor c = new Cursor(s, (int) off, size);
        long len = c.uvarint("chunk length", ChunkSegmentDescriptor.MAX_LENGTH_FIELD);
        int encAt = c.position();
        long end = encAt + 1 + len + ChunkSegmentDescriptor.CRC_SIZE;
        if (end > size) {
            throw new BlockCorruptionException(s.path(), off, "chunk of " + len + " bytes runs past the end of the file ("
                + size + " bytes): the segment is truncated or the length damaged");
        }
        int dataEnd = (int) (encAt + 1 + len);
        if (s.crc32c(encAt, 1 + (int) len) != s.buffer().getInt(dataEnd, ByteOrder.BIG_ENDIAN)) {
            throw new BlockCorruptionException(s.path(), off, "chunk CRC mismatch");
        }
        byte enc = s.buffer().getByte(encAt);
        if (enc < ChunkSegmentDescriptor.ENCODING_XOR || enc > ChunkSegmentDescriptor.ENCODING_FLOAT_HISTOGRAM) {
            throw new BlockCorruptionException(s.path(), encAt, "unknown chunk encoding " + enc);
        }
        if (len < 2) {
            throw new BlockCorruptionException(s.path(), off, "chunk data of " + len + " bytes lacks its sample count");
        }
        view.set(ref, enc, s.buffer(), encAt + 1, (int) len);
        return view;
    }

    /** Number of chunk segment files. */
    public int chunkSegmentCount() {
        return segments.length;
    }

    /**
     * The deleted time ranges of series {@code id} from the tombstones file, as {@code min0, max0,
     * min1, max1, …} (both ends inclusive), or null if none of its samples is deleted.
     */
    public long[] deletedRanges(int id) {
        return deleted.isEmpty() ? null : deleted.get(Integer.toUnsignedLong(id));
    }

    /** Whether {@code t} lies in one of {@code ranges} ({@link #deletedRanges}; null: no). */
    public static boolean isDeleted(long[] ranges, long t) {
        if (ranges != null) {
            for (int i = 0; i < ranges.length; i += 2) {
                if (t >= ranges[i] && t <= ranges[i + 1]) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The tombstones (deleted ranges) of the block; empty for every block Sluice writes. */
    public List<Tombstone> tombstones() {
        return tombstones;
    }

    /**
     * Checks the whole block: every series entry (CRC, framing, labels, order), every postings list
     * (CRC, order, and that it refers to existing series), the all-series list against the series
     * section, symbol order, every chunk a series refers to (CRC, bounds, encoding), and meta.json's
     * series, chunk and sample counts against the data.
     */
    public void verify() throws BlockCorruptionException {
        ensureOpen();
        long[] counts = new long[3];
        ChunkView v = new ChunkView();
        index.verifySeriesAndPostings((s, offset) -> {
            counts[0]++;
            for (int i = 0; i < s.chunkCount(); i++) {
                if (s.chunkMinTime(i) > s.chunkMaxTime(i)) {
                    throw new BlockCorruptionException(dir.resolve(IndexDescriptor.FILE_NAME), offset, "chunk " + i
                        + " of " + s + " has minTime after maxTime");
                }
                chunk(s.chunkRef(i), v);
                counts[1]++;
                counts[2] += v.sampleCount();
            }
        });
        Path metaFile = dir.resolve(BlockMeta.FILE_NAME);
        if (meta.numSeries() != counts[0] || meta.numChunks() != counts[1] || meta.numSamples() != counts[2]) {
            throw new BlockCorruptionException(metaFile, 0, "meta.json states " + meta.numSeries() + " series, "
                + meta.numChunks() + " chunks and " + meta.numSamples() + " samples; the block holds " + counts[0]
                + ", " + counts[1] + " and " + counts[2]);
        }
    }

    /** Unmaps every file. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        index.close();
        for (ReadOnlyMapping s : segments) {
            s.close();
        }
    }

    @Override
    public String toString() {
        return "BlockReader[" + dir + ", " + meta.ulid() + "]";
    }
}
