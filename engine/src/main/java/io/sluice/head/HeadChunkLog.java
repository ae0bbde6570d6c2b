package io.sluice.head;

import io.sluice.wal.Courtesy;
import io.sluice.wal.FileKind;
import io.sluice.wal.SegmentDescriptor;
import io.sluice.wal.SegmentFiles;
import io.sluice.wal.SegmentMapping;
import io.sluice.wal.SegmentPreparer;
import io.sluice.wal.WalCorruptionException;
import io.sluice.wal.WalFileSystem;
import io.sluice.wal.WalSegment;
import io.sluice.wal.WalSegments;
import org.agrona.DirectBuffer;
import org.agrona.UnsafeApi;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.zip.CRC32C;

import static io.sluice.wal.FrameDescriptor.BODY_OFFSET;
import static io.sluice.wal.FrameDescriptor.CRC_OFFSET;
import static io.sluice.wal.FrameDescriptor.END_BODY_LENGTH;
import static io.sluice.wal.FrameDescriptor.END_FRAME_LENGTH;
import static io.sluice.wal.FrameDescriptor.HEADER_LENGTH;
import static io.sluice.wal.FrameDescriptor.LENGTH_OFFSET;
import static io.sluice.wal.FrameDescriptor.TYPE_END;
import static io.sluice.wal.FrameDescriptor.framedLength;

/**
 * One shard's head-chunk log (docs/format/head-chunks.md): full XOR chunks in preallocated,
 * memory-mapped files named by their first position, each chunk one frame that points to the
 * series' previous chunk. A chunk's position in the log is its reference.
 *
 * <p>Recovery rule: the WAL is truncated only after the log was forced up to a position the
 * checkpoint records ({@code forcedPosition}). Damage at or after that position (a torn tail after a
 * crash, pages a machine crash lost) is cut off silently, because the WAL still holds those samples;
 * damage before it is corruption ({@link HeadChunkCorruptionException}), which repair turns into a
 * padding frame, keeping every other chunk.
 *
 * <p>Threading: one writer (replay, then the shard handler). {@link #files()}, {@link #start()} and
 * {@link #committed()} may be read by any thread; {@link #forceTo} runs on the retention thread.
 */
public final class HeadChunkLog implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("io.sluice.head");
    static final byte TYPE_PAD = 0x11;
    private static final VarHandle COMMITTED;
    private static final VarHandle START;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            COMMITTED = l.findVarHandle(HeadChunkLog.class, "committed", long.class);
            START = l.findVarHandle(HeadChunkLog.class, "start", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Receives each valid chunk frame during {@link #open}, in log order. */
    public interface ChunkVisitor {
        /**
         * @param position the frame's position (the chunk's reference)
         * @param buffer   the file's bytes; the chunk data is at {@code dataOffset}
         * @return false to reject the chunk as corrupt (it is then treated like a bad frame)
         */
        boolean onChunk(long position, long seriesRef, long minTime, long maxTime, long previous, int samples,
                        DirectBuffer buffer, int dataOffset, int dataLength);
    }

    private final WalFileSystem fs;
    private final Path dir;
    private final int shard;
    private final int shardCount;
    private final long fileSize;
    private final SegmentPreparer preparer;
    private final WalSegments files = new WalSegments();
    private final CRC32C crc = new CRC32C();
    private WalSegment current;
    private UnsafeBuffer buf;
    private ByteBuffer crcView;
    private int writeOffset;
    private Future<WalSegment> next;
    private Thread writer;
    private boolean closed;
    @SuppressWarnings("unused") // through COMMITTED
    private volatile long committed;
    @SuppressWarnings("unused") // through START
    private volatile long start;
    /** Files deleted by retention whose mappings wait for the reader gate. */
    private final java.util.concurrent.ConcurrentLinkedQueue<WalSegment> deletedMapped =
        new java.util.concurrent.ConcurrentLinkedQueue<>();
    /** What open found and did. */
    private long chunksRead;
    private long truncatedBytes;
    private long repairedFrames;
    private long repairedBytes;
    /** Retention thread only: the log is forced up to here. */
    private long forced;

    private HeadChunkLog(WalFileSystem fs, Path dir, int shard, int shardCount, long fileSize,
                         SegmentPreparer preparer) {
        this.fs = fs;
        this.dir = dir;
        this.shard = shard;
        this.shardCount = shardCount;
        this.fileSize = fileSize;
        this.preparer = preparer;
    }

    /**
     * Opens (or creates) the log in {@code dir}: checks every file and frame, hands each valid chunk
     * to {@code visitor}, cuts damage at or after {@code forcedPosition}, and resumes after the last
     * valid chunk.
     *
     * @throws HeadChunkCorruptionException on damage before {@code forcedPosition} without {@code repair}
     */
    public static HeadChunkLog open(WalFileSystem fs, Path dir, int shard, int shardCount, long fileSize,
                                    SegmentPreparer preparer, long forcedPosition, boolean repair,
                                    ChunkVisitor visitor) throws IOException {
        HeadChunkLog log = new HeadChunkLog(fs, dir, shard, shardCount, fileSize, preparer);
        try {
            log.replay(forcedPosition, repair, visitor);
        } catch (IOException | RuntimeException e) {
            log.files.closeAll();
            throw e;
        }
        log.forced = Math.min(forcedPosition, log.position());
        return log;
    }

    private void replay(long forcedPosition, boolean repair, ChunkVisitor visitor) throws IOException {
        fs.createDirectories(dir);
        FileKind kind = FileKind.HEAD_CHUNKS;
        TreeMap<Long, Path> byBase = new TreeMap<>();
        for (Path f : fs.list(dir)) {
            String name = f.getFileName().toString();
            if (name.endsWith(kind.tmpSuffix())) {
                LOG.log(System.Logger.Level.INFO, "shard {0}: deleting unfinished head-chunk file {1}", shard, f);
                fs.delete(f);
                continue;
            }
            long base = kind.parseFileName(name);
            if (base >= 0) {
                byBase.put(base, f);
            } else if (name.endsWith(kind.suffix())) {
                throw new HeadChunkCorruptionException(shard, f, 0, "unexpected file name: a head-chunk file is"
                    + " named by its base position, 20 digits and " + kind.suffix());
            }
        }
        List<Path> paths = new ArrayList<>(byBase.values());
        List<Long> bases = new ArrayList<>(byBase.keySet());
        long expected = bases.isEmpty() ? Math.max(0, forcedPosition) : bases.get(0);
        START.setRelease(this, expected);
        int resumeOffset = -1;
        for (int k = 0; k < paths.size(); k++) {
            Path file = paths.get(k);
            long base = bases.get(k);
            boolean last = k == paths.size() - 1;
            if (base != expected) {
                if (expected >= forcedPosition) {
                    cutFrom(paths, k, file, "a head-chunk file is missing before it (expected base " + expected + ")");
                    break;
                }
                if (!repair) {
                    throw new HeadChunkCorruptionException(shard, file, 0, "a head-chunk file is missing: expected"
                        + " base position " + expected + ", found " + base);
                }
                LOG.log(System.Logger.Level.WARNING, "repair: shard {0}: head-chunk log has a gap before {1}", shard,
                    file);
                repairedBytes += base - expected;
            }
            WalSegment segment;
            try {
                segment = SegmentFiles.open(fs, file, FileKind.HEAD_CHUNKS, shard, shardCount, base);
            } catch (WalCorruptionException e) {
                if (base >= forcedPosition) {
                    cutFrom(paths, k, file, e.reason());
                    break;
                }
                if (!repair) {
                    throw new HeadChunkCorruptionException(shard, file, e.offset(), e.reason());
                }
                LOG.log(System.Logger.Level.WARNING, "repair: shard {0}: dropping head-chunk file {1}: {2}", shard,
                    file, e.reason());
                long size = fs.size(file);
                repairedBytes += size;
                fs.delete(file);
                expected = base + size;
                continue;
            }
            files.add(segment);
            expected = segment.endPosition();
            int stop = scan(segment, forcedPosition, repair, visitor);
            if (stop == Integer.MAX_VALUE) {
                continue; // sealed
            }
            if (!last) {
                if (base + stop < forcedPosition && !repair) {
                    throw new HeadChunkCorruptionException(shard, file, stop, "file ends without an end marker"
                        + " before later head-chunk files");
                }
                // Damage the WAL still covers (or repair): this file is the log's end now.
                for (int j = paths.size() - 1; j > k; j--) {
                    LOG.log(System.Logger.Level.INFO, "shard {0}: deleting head-chunk file {1} after the end of the log"
                        + " in {2}", shard, paths.get(j), file.getFileName());
                    truncatedBytes += fs.size(paths.get(j));
                    fs.delete(paths.get(j));
                }
                fs.syncDirectory(dir);
            }
            resumeOffset = stop;
            break;
        }
        WalSegment[] kept = files.snapshot();
        if (kept.length == 0) {
            startFile(expected);
        } else if (resumeOffset < 0) {
            startFile(kept[kept.length - 1].endPosition());
        } else {
            use(kept[kept.length - 1], resumeOffset);
        }
        COMMITTED.setRelease(this, position());
    }

    /** Deletes files {@code k} and later: damage the WAL covers. */
    private void cutFrom(List<Path> paths, int k, Path file, String why) throws IOException {
        LOG.log(System.Logger.Level.WARNING, "shard {0}: head-chunk log ends at {1} ({2}); the WAL holds what follows",
            shard, file, why);
        for (int j = k; j < paths.size(); j++) {
            truncatedBytes += fs.size(paths.get(j));
            fs.delete(paths.get(j));
        }
        fs.syncDirectory(dir);
    }

    /**
     * Walks one file's frames. Returns {@link Integer#MAX_VALUE} if it ends with an end marker, else
     * the offset where appending may resume (after cutting or repairing damage).
     */
    private int scan(WalSegment segment, long forcedPosition, boolean repair, ChunkVisitor visitor)
        throws IOException {
        UnsafeBuffer b = segment.mapping().buffer();
        ByteBuffer view = segment.mapping().byteBuffer();
        int limit = (int) segment.size();
        int off = SegmentDescriptor.HEADER_LENGTH;
        while (true) {
            String bad = null;
            int len = off + HEADER_LENGTH <= limit ? b.getIntVolatile(off + LENGTH_OFFSET) : 0;
            if (len == 0) {
                bad = null; // no frame here: the end of the log, unless a valid frame follows
            } else if (len < 0 || (long) off + HEADER_LENGTH + len > limit) {
                bad = "frame length " + (len & 0xFFFFFFFFL) + " runs past the end of the file";
            } else if (b.getInt(off + CRC_OFFSET) != crc(view, off + BODY_OFFSET, len)) {
                bad = "checksum mismatch in a frame of " + len + " bytes";
            } else {
                int body = off + BODY_OFFSET;
                byte type = b.getByte(body);
                if (type == TYPE_END && len == END_BODY_LENGTH) {
                    return Integer.MAX_VALUE;
                } else if (type == TYPE_PAD) {
                    off += framedLength(len);
                    continue;
                } else if (type != HeadChunkDescriptor.TYPE_CHUNK || len < HeadChunkDescriptor.DATA_OFFSET + 2) {
                    bad = "not a chunk frame (type " + type + ", " + len + " bytes)";
                } else if (!visitor.onChunk(segment.basePosition() + off,
                    b.getLong(body + HeadChunkDescriptor.SERIES_REF_OFFSET),
                    b.getLong(body + HeadChunkDescriptor.MIN_TIME_OFFSET), b.getLong(body + HeadChunkDescriptor.MAX_TIME_OFFSET),
                    b.getLong(body + HeadChunkDescriptor.PREVIOUS_OFFSET),
                    b.getShort(body + HeadChunkDescriptor.SAMPLES_OFFSET) & 0xFFFF, b,
                    body + HeadChunkDescriptor.DATA_OFFSET, len - HeadChunkDescriptor.DATA_OFFSET)) {
                    bad = "chunk rejected (unknown series, bad encoding or times out of order)";
                } else {
                    chunksRead++;
                    segment.noteTimestamp(b.getLong(body + HeadChunkDescriptor.MAX_TIME_OFFSET));
                    off += framedLength(len);
                    continue;
                }
            }
            // The chain stops at `off`.
            int validAfter = nextValidFrame(b, view, off + 8, limit);
            long position = segment.basePosition() + off;
            if (position >= forcedPosition) {
                // The WAL still holds every sample from here on: a torn tail after a crash, or pages a
                // machine crash lost, is cut off and rebuilt by WAL replay.
                cut(segment, off, bad == null ? "partial frame" : bad);
                return off;
            }
            String reason = bad != null ? bad : validAfter >= 0
                ? "an empty frame slot, yet a valid frame follows at offset " + validAfter
                : "the log ends at position " + position + ", before position " + forcedPosition
                    + ", up to which it was forced before the WAL was truncated";
            if (!repair) {
                throw new HeadChunkCorruptionException(shard, segment.path(), off, reason);
            }
            if (validAfter < 0) {
                LOG.log(System.Logger.Level.WARNING, "repair: shard {0}: {1} at offset {2} of {3}; the log ends there",
                    shard, reason, off, segment.path());
                repairedBytes += highWater(b, off, limit) - off;
                cut(segment, off, reason);
                return off;
            }
            int to = validAfter - off < 16 ? off + 16 : validAfter;
            padFrame(b, view, off, to - off);
            fs.force(segment.mapping());
            repairedFrames++;
            repairedBytes += to - off;
            LOG.log(System.Logger.Level.WARNING, "repair: shard {0}: {1} at offset {2} of {3}; {4} bytes padded, every"
                + " other chunk kept", shard, reason, off, segment.path(), to - off);
            off = to;
        }
    }

    /** Zeroes the file from {@code off} through its last non-zero word: the log ends there. */
    private void cut(WalSegment segment, int off, String why) throws IOException {
        UnsafeBuffer b = segment.mapping().buffer();
        int highWater = highWater(b, off, (int) segment.size());
        if (highWater > off) {
            b.setMemory(off, highWater - off, (byte) 0);
            fs.force(segment.mapping());
            truncatedBytes += highWater - off;
            LOG.log(System.Logger.Level.INFO, "shard {0}: cut {1} bytes of head-chunk log at offset {2} of {3} ({4})",
                shard, highWater - off, off, segment.path(), why);
        }
    }

    /**
     * Repair: turns the chunk frame at {@code position} into a padding frame of the same length, so
     * that later opens skip it (a chunk of a series whose series record repair cut from the WAL).
     * Replay's thread only, before the log is handed to the shard's writer.
     *
     * @return the samples the chunk held
     */
    public int padChunk(long position) throws IOException {
        WalSegment f = WalSegments.find(files.snapshot(), position);
        if (f == null) {
            return 0;
        }
        UnsafeBuffer b = f.mapping().buffer();
        int off = (int) (position - f.basePosition());
        int len = b.getInt(off + LENGTH_OFFSET);
        int body = off + BODY_OFFSET;
        if (b.getByte(body) != HeadChunkDescriptor.TYPE_CHUNK) {
            return 0;
        }
        int samples = b.getShort(body + HeadChunkDescriptor.SAMPLES_OFFSET) & 0xFFFF;
        b.putByte(body, TYPE_PAD);
        commitFrame(b, f.mapping().byteBuffer(), off, len);
        fs.force(f.mapping());
        repairedFrames++;
        repairedBytes += framedLength(len);
        return samples;
    }

    private int nextValidFrame(UnsafeBuffer b, ByteBuffer view, int from, int limit) {
        for (int p = (from + 7) & ~7; p + HEADER_LENGTH <= limit; p += 8) {
            int len = b.getInt(p + LENGTH_OFFSET);
            if (len <= 0 || (long) p + HEADER_LENGTH + len > limit) {
                continue;
            }
            byte type = b.getByte(p + BODY_OFFSET);
            if (type != HeadChunkDescriptor.TYPE_CHUNK && type != TYPE_END && type != TYPE_PAD) {
                continue;
            }
            if (b.getInt(p + CRC_OFFSET) == crc(view, p + BODY_OFFSET, len)) {
                return p;
            }
        }
        return -1;
    }

    private static int highWater(UnsafeBuffer b, int from, int limit) {
        int high = from;
        for (int p = from; p + 8 <= limit; p += 8) {
            if (b.getLong(p) != 0) {
                high = p + 8;
            }
        }
        return high;
    }

    /** Repair: turns {@code [off, off + bytes)} into one padding frame with a valid checksum. */
    private void padFrame(UnsafeBuffer b, ByteBuffer view, int off, int bytes) {
        int len = bytes - HEADER_LENGTH;
        b.putInt(off + LENGTH_OFFSET, 0);
        b.putByte(off + BODY_OFFSET, TYPE_PAD);
        commitFrame(b, view, off, len);
    }

    private void commitFrame(UnsafeBuffer b, ByteBuffer view, int off, int len) {
        b.putInt(off + CRC_OFFSET, crc(view, off + BODY_OFFSET, len));
        b.putIntRelease(off + LENGTH_OFFSET, len);
    }

    private int crc(ByteBuffer view, int offset, int length) {
        view.limit(offset + length).position(offset);
        crc.reset();
        crc.update(view);
        view.clear();
        return (int) crc.getValue();
    }

    private void startFile(long basePosition) throws IOException {
        boolean touch = preparer != null && preparer.touch();
        WalSegment f = SegmentFiles.create(fs, dir, FileKind.HEAD_CHUNKS, shard, shardCount, basePosition, fileSize,
            touch, false);
        files.add(f);
        use(f, SegmentDescriptor.HEADER_LENGTH);
    }

    private void use(WalSegment f, int offset) {
        current = f;
        buf = f.mapping().buffer();
        crcView = f.mapping().byteBuffer();
        writeOffset = offset;
        if (preparer != null) {
            next = preparer.prepare(fs, dir, FileKind.HEAD_CHUNKS, shard, shardCount, f.endPosition(), fileSize, false);
        }
    }

    /**
     * Appends the open chunk of {@code series} (its bytes at {@code series.address()}) as one frame.
     *
     * @return the frame's position: the chunk's reference
     */
    long append(HeadSeries series, long previous) throws IOException {
        assert onWriterThread();
        int dataLength = series.byteLength();
        int bodyLength = HeadChunkDescriptor.bodyLength(dataLength);
        int framed = framedLength(bodyLength);
        if ((long) writeOffset + framed + END_FRAME_LENGTH > buf.capacity()) {
            roll(framed);
        }
        int off = writeOffset;
        int body = off + BODY_OFFSET;
        buf.putByte(body + HeadChunkDescriptor.TYPE_OFFSET, HeadChunkDescriptor.TYPE_CHUNK);
        buf.putByte(body + HeadChunkDescriptor.ENCODING_OFFSET, (byte) io.sluice.chunk.XorChunkDescriptor.ENCODING_XOR);
        buf.putShort(body + HeadChunkDescriptor.SAMPLES_OFFSET, (short) series.numSamples());
        buf.putInt(body + 4, 0);
        buf.putLong(body + HeadChunkDescriptor.SERIES_REF_OFFSET, series.ref());
        buf.putLong(body + HeadChunkDescriptor.MIN_TIME_OFFSET, series.firstTimestamp());
        buf.putLong(body + HeadChunkDescriptor.MAX_TIME_OFFSET, series.lastTimestamp());
        buf.putLong(body + HeadChunkDescriptor.PREVIOUS_OFFSET, previous);
        UnsafeApi.copyMemory(series.address(), buf.addressOffset() + body + HeadChunkDescriptor.DATA_OFFSET,
            dataLength);
        commitFrame(buf, crcView, off, bodyLength);
        writeOffset = off + framed;
        current.noteTimestamp(series.lastTimestamp());
        long position = current.basePosition() + off;
        COMMITTED.setRelease(this, current.basePosition() + writeOffset);
        return position;
    }

    private void roll(int framed) throws IOException {
        if ((long) SegmentDescriptor.HEADER_LENGTH + framed + END_FRAME_LENGTH > fileSize) {
            throw new IllegalArgumentException("a chunk frame of " + framed + " bytes cannot fit in a head-chunk file"
                + " of " + fileSize + " bytes");
        }
        long base = current.endPosition();
        WalSegment prepared = null;
        if (next != null) {
            Future<WalSegment> f = next;
            next = null;
            try {
                prepared = f.get();
            } catch (ExecutionException e) {
                throw SegmentPreparer.unwrap(e.getCause(), base);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for the head-chunk file at position " + base, e);
            }
        }
        buf.putByte(writeOffset + BODY_OFFSET, TYPE_END);
        commitFrame(buf, crcView, writeOffset, END_BODY_LENGTH);
        if (prepared != null) {
            files.add(prepared);
            use(prepared, SegmentDescriptor.HEADER_LENGTH);
        } else {
            startFile(base);
        }
    }

    /** Position of the next frame. Writer only. */
    public long position() {
        return current.basePosition() + writeOffset;
    }

    /** Everything before this position is committed (published with a release store). Any thread. */
    public long committed() {
        return (long) COMMITTED.getAcquire(this);
    }

    /** The first live position: chunks before it were deleted by retention. Any thread. */
    public long start() {
        return (long) START.getAcquire(this);
    }

    /** The live files, oldest first, for readers. */
    public WalSegment[] files() {
        return files.snapshot();
    }

    /**
     * Forces every file holding frames between the last forced position and {@code position} (any
     * thread but the writer may call it; the retention thread does).
     *
     * @return the position now forced
     */
    public long forceTo(long position) throws IOException {
        if (position <= forced) {
            return forced;
        }
        for (WalSegment f : files.snapshot()) {
            if (f.endPosition() > forced && f.basePosition() < position) {
                // Writeback in short steps first, so that the fdatasync finds little left: writing back
                // a page mapped writable write-protects it (folio_mkclean), and one fdatasync did that
                // for milliseconds on end on the core the writer or a producer wanted
                // (docs/benchmarks.md, "Where the tail comes from"). A file's first force goes to its
                // end: the preparer faulted it in by writing every page, so all of it is dirty. After
                // that only what the writer appended since is.
                long from = Math.max(forced, f.basePosition()) - f.basePosition();
                long to = forced <= f.basePosition() ? f.size()
                    : Math.min(position, f.endPosition()) - f.basePosition();
                for (long p = from & -Courtesy.STEP_BYTES; p < to; p += Courtesy.STEP_BYTES) {
                    fs.writeBack(f.mapping(), p, Math.min(p + Courtesy.STEP_BYTES, to));
                    Courtesy.pause();
                }
                fs.force(f.mapping());
            }
        }
        forced = position;
        return position;
    }

    /**
     * Retention: removes from the live list the oldest sealed files whose chunks all end before
     * {@code cutoff}, and returns them (still mapped) for the retention thread to delete and unmap.
     * Writer only.
     */
    public WalSegment[] detachOlderThan(long cutoff) {
        WalSegment[] live = files.snapshot();
        int n = 0;
        while (n < live.length && live[n] != current && live[n].maxTimestamp() < cutoff) {
            n++;
        }
        if (n == 0) {
            return new WalSegment[0];
        }
        START.setRelease(this, live[n].basePosition());
        return files.removeFirst(n);
    }

    /**
     * Deletes detached files, then unmaps them holding {@code gate} (no reader inside). Retention
     * thread. The gate is only tried: a reader that holds it for long (the compactor writing a block
     * at background priority) must not hold up this thread, which also truncates the WAL, nor the
     * readers that would queue behind a waiting writer. Mappings it could not unmap wait in a queue
     * for the next holder of the gate ({@link #unmapDeleted}) or for {@link #close}.
     */
    public void delete(WalSegment[] gone, java.util.concurrent.locks.Lock gate) throws IOException {
        try {
            for (WalSegment g : gone) {
                fs.delete(g.path());
            }
            fs.syncDirectory(dir);
        } finally {
            java.util.Collections.addAll(deletedMapped, gone);
            if (gate == null) {
                unmapDeleted();
            } else if (gate.tryLock()) {
                try {
                    unmapDeleted();
                } finally {
                    gate.unlock();
                }
            }
        }
    }

    /** Unmaps deleted files. The caller holds the reader gate's write side (or no reader can exist). Any thread. */
    public void unmapDeleted() {
        WalSegment g;
        while ((g = deletedMapped.poll()) != null) {
            g.mapping().close();
        }
    }

    /** Binds the single-writer check to {@code thread}; replay hands the log to the handler. */
    void bindWriter(Thread thread) {
        writer = thread;
    }

    private boolean onWriterThread() {
        Thread t = Thread.currentThread();
        if (writer == null) {
            writer = t;
        }
        if (writer != t) {
            throw new AssertionError("shard " + shard + " head-chunk log written by " + t.getName()
                + " but its writer is " + writer.getName());
        }
        return true;
    }

    /** Chunks read at open. */
    public long chunksRead() {
        return chunksRead;
    }

    /** Bytes cut at open: damage after the forced position (the WAL holds those samples). */
    public long truncatedBytes() {
        return truncatedBytes;
    }

    /** Frames repair padded at open. */
    public long repairedFrames() {
        return repairedFrames;
    }

    /** Bytes repair padded or dropped at open. */
    public long repairedBytes() {
        return repairedBytes;
    }

    /** Bytes of files on disk. */
    public long fileBytes() {
        long total = 0;
        for (WalSegment f : files.snapshot()) {
            total += f.size();
        }
        return total;
    }

    /** Discards a prepared file that was never used and unmaps every file. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        Future<WalSegment> f = next;
        next = null;
        if (f != null) {
            try {
                WalSegment unused = f.get();
                unused.mapping().close();
                fs.delete(unused.path());
            } catch (ExecutionException | IOException e) {
                // nothing prepared, or it could not be removed: the next open deletes it
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        files.closeAll();
        unmapDeleted();
    }

    /** The file holding {@code position} in {@code snapshot}, or null. */
    static WalSegment find(WalSegment[] snapshot, long position) {
        return WalSegments.find(snapshot, position);
    }

    /** For tools: the mapping of a file. */
    static SegmentMapping mapping(WalSegment f) {
        return f.mapping();
    }
}
