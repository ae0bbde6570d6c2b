package io.sluice.head;

import io.sluice.chunk.ChunkCutRule;
import io.sluice.chunk.XorIterator;
import io.sluice.engine.SampleConsumer;
import io.sluice.engine.SeriesRef;
import io.sluice.wal.WalSegment;
import org.agrona.DirectBuffer;
import org.agrona.collections.Long2LongHashMap;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * One shard's head: its series (pages of {@link HeadSeries} indexed by local id), their open chunks
 * in an {@link OpenChunkArena}, and its {@link HeadChunkLog}. The writer appends samples that the WAL
 * has already committed; a chunk is cut by Prometheus' rule ({@link ChunkCutRule}), written to the
 * chunk log, and the series' open chunk starts again in the same slot.
 *
 * <p>A read copies the series' open chunk and its newest chunk's position under the series'
 * seqlock, walks the chain of chunks back from there until they end before the range, and decodes
 * them oldest first. It never waits for the writer, never sees a torn chunk (full chunks are
 * committed frames; the open chunk is a consistent copy), and sees the series as of its snapshot.
 *
 * <p>Threading: the shard's writer (replay, then the handler) appends and cuts; reads on any thread
 * while the caller holds the engine's reader gate (so no chunk file is unmapped under them).
 */
public final class ShardHead implements AutoCloseable {
    private static final VarHandle SERIES = MethodHandles.arrayElementVarHandle(HeadSeries[].class);
    private static final int PAGE_BITS = 12;
    private static final int PAGE_SIZE = 1 << PAGE_BITS;
    /** The WAL position of replayed samples: not known, so truncation treats them as anywhere. */
    public static final long UNKNOWN_POSITION = Long.MAX_VALUE;

    private final int shard;
    private final long chunkRange;
    private final HeadBounds bounds;
    private final OpenChunkArena arena = new OpenChunkArena();
    private volatile HeadSeries[][] pages = new HeadSeries[16][];
    private volatile int seriesCount;
    private HeadChunkLog chunks;
    /** The WAL position of the record whose samples {@link #append} gets now. Writer only. */
    private long walPosition = UNKNOWN_POSITION;
    /** Chunks whose {@code previous} field points at a chunk repair padded: the chain goes on here. */
    private volatile Long2LongHashMap relinks;

    /**
     * @param chunkRange Prometheus' chunk range in timestamp units (the block range, 2 h in ms by default)
     * @param bounds     the engine's head bounds (blocks take over below them)
     */
    public ShardHead(int shard, long chunkRange, HeadBounds bounds) {
        if (chunkRange <= 0) {
            throw new IllegalArgumentException("chunk range must be positive: " + chunkRange);
        }
        this.shard = shard;
        this.chunkRange = chunkRange;
        this.bounds = bounds;
    }

    /** A head without blocks (tests, tools). */
    public ShardHead(int shard, long chunkRange) {
        this(shard, chunkRange, new HeadBounds());
    }

    /** The engine's head bounds. */
    public HeadBounds bounds() {
        return bounds;
    }

    public int shard() {
        return shard;
    }

    /** Attaches the chunk log (after replay opened it). */
    public void chunkLog(HeadChunkLog log) {
        this.chunks = log;
    }

    /** Unmaps head-chunk files that retention deleted. The caller holds the reader gate's write side. */
    public void unmapDeletedChunkFiles() {
        HeadChunkLog log = chunks;
        if (log != null) {
            log.unmapDeleted();
        }
    }

    /** Bytes of the head-chunk log from the oldest live position to the last committed one. Any thread. */
    public long chunkBytes() {
        HeadChunkLog log = chunks;
        return log == null ? 0 : Math.max(0, log.committed() - log.start());
    }

    /** The chunk log. */
    public HeadChunkLog chunkLog() {
        return chunks;
    }

    /** Binds the single-writer checks to {@code thread}: replay's, then the handler's. */
    public void bindWriter(Thread thread) {
        chunks.bindWriter(thread);
    }

    /** Replay: chunks to follow across a padded (dropped) chunk. */
    public void relinks(Long2LongHashMap map) {
        this.relinks = map == null || map.isEmpty() ? null : map;
    }

    /** The series with local id {@code id}, or null. Any thread. */
    public HeadSeries get(int id) {
        HeadSeries[][] p = pages;
        int page = id >>> PAGE_BITS;
        if (id < 0 || page >= p.length || p[page] == null) {
            return null;
        }
        return (HeadSeries) SERIES.getAcquire(p[page], id & (PAGE_SIZE - 1));
    }

    /** The series with local id {@code id}, created if absent. Writer only. */
    public HeadSeries getOrCreate(int id) {
        HeadSeries s = get(id);
        if (s != null) {
            return s;
        }
        int page = id >>> PAGE_BITS;
        HeadSeries[][] p = pages;
        if (page >= p.length) {
            p = Arrays.copyOf(p, Math.max(page + 1, p.length * 2));
            pages = p;
        }
        if (p[page] == null) {
            p[page] = new HeadSeries[PAGE_SIZE];
            pages = p;
        }
        s = new HeadSeries(SeriesRef.of(shard, id), arena);
        SERIES.setRelease(p[page], id & (PAGE_SIZE - 1), s);
        seriesCount = seriesCount + 1;
        return s;
    }

    /** Series with a state in this shard. */
    public int seriesCount() {
        return seriesCount;
    }

    /**
     * The handler, before it appends a record's samples: they are in the WAL record at {@code
     * position}. Each series notes the positions of its open chunk's first and newest records, so
     * that WAL truncation decodes only the part of a departing segment that open chunks reach
     * ({@link HeadSeries#openFrom}). Replay never calls it: its samples are at an unknown position,
     * which truncation treats as anywhere. Writer only.
     */
    public void walPosition(long position) {
        walPosition = position;
    }

    /**
     * Appends a sample the WAL has committed: cuts the open chunk first if Prometheus' rule says so.
     * Writer only; {@code t} is after every sample of the series.
     */
    public void append(HeadSeries s, long t, long valueBits) throws IOException {
        int n = s.numSamples();
        if (n > 0 && s.lastTimestamp() < bounds.readMinValid()) {
            // The open chunk's window is in a visible block now: drop it instead of cutting it.
            s.dropOpenChunk();
            n = 0;
        }
        long nextAt = ChunkCutRule.nextAtBeforeAppend(n, s.firstTimestamp(), s.lastTimestamp(), s.nextAt, t, chunkRange);
        if (ChunkCutRule.cutBeforeAppend(n, nextAt, t)) {
            cut(s);
            n = 0;
            nextAt = ChunkCutRule.rangeForTimestamp(t, chunkRange);
        }
        s.nextAt = nextAt;
        s.walSpan(n == 0, walPosition);
        s.append(t, valueBits);
        s.publish(s.numSamples(), t);
    }

    /** Writes the open chunk to the chunk log and starts an empty one. Writer only. */
    private void cut(HeadSeries s) throws IOException {
        long position = chunks.append(s, s.lastChunkWriter());
        int used = s.byteLength();
        s.beginChange();
        s.chunkWritten(position, s.lastTimestamp());
        s.reset();
        s.endChange();
        // Keep the slot if it fits the next chunk of this series; give back most of an oversized one.
        int fit = OpenChunkArena.slotSize(Math.min(OpenChunkArena.MAX_SLOT, used + used / 2 + HeadSeries.SPARE));
        if (s.capacity() > 2 * fit) {
            s.resize(fit);
        }
    }

    /**
     * Replay: the chain of chunks the chunk log holds for this series. Writer only, before readers.
     */
    public void restoreChunks(HeadSeries s, long last, int count, long maxTime) {
        s.restoreChunks(last, count, maxTime);
    }

    /**
     * Reads the samples of local id {@code id} with {@code mint <= ts <= maxt}, oldest first. The
     * caller holds the reader gate.
     *
     * @return samples delivered
     */
    public long read(int id, long mint, long maxt, SampleConsumer consumer, ReadScratch scratch) {
        HeadSeries s = get(id);
        if (s == null || mint > maxt) {
            return 0;
        }
        HeadSeries.Snapshot snap = scratch.snapshot;
        snapshot(s, snap);
        WalSegment[] files = chunks.files();
        long start = chunks.start();
        int n = collectChain(snap.lastChunk, files, start, mint, maxt, scratch);
        long delivered = 0;
        XorIterator it = scratch.iterator;
        for (int i = n - 1; i >= 0; i--) {
            long pos = scratch.chain[i];
            WalSegment f = HeadChunkLog.find(files, pos);
            DirectBuffer b = f.mapping().buffer();
            int body = (int) (pos - f.basePosition()) + io.sluice.wal.FrameDescriptor.BODY_OFFSET;
            int length = b.getInt((int) (pos - f.basePosition())) - HeadChunkDescriptor.DATA_OFFSET;
            it.reset(b, body + HeadChunkDescriptor.DATA_OFFSET, length);
            while (it.next()) {
                long ts = it.timestamp();
                if (ts > maxt) {
                    return delivered;
                }
                if (ts >= mint) {
                    consumer.accept(ts, it.value());
                    delivered++;
                }
            }
        }
        if (snap.openSamples > 0) {
            it.reset(snap.open, 0, snap.openLength, snap.openSamples);
            while (it.next()) {
                long ts = it.timestamp();
                if (ts > maxt) {
                    return delivered;
                }
                if (ts >= mint) {
                    consumer.accept(ts, it.value());
                    delivered++;
                }
            }
        }
        return delivered;
    }

    private static void snapshot(HeadSeries s, HeadSeries.Snapshot into) {
        int spins = 0;
        while (!s.snapshot(into)) {
            if (++spins > 64) {
                Thread.yield(); // the writer is moving this chunk; it takes microseconds
            } else {
                Thread.onSpinWait();
            }
        }
    }

    /**
     * Collects the positions of the chunks of a chain that may hold samples in {@code [mint, maxt]},
     * newest first, stopping at the first chunk that ends before {@code mint}.
     *
     * @return how many positions are in {@code scratch.chain}
     */
    private int collectChain(long last, WalSegment[] files, long start, long mint, long maxt, ReadScratch scratch) {
        int n = 0;
        long pos = last;
        Long2LongHashMap relinked = relinks;
        while (pos >= start && pos != HeadChunkDescriptor.NO_PREVIOUS) {
            WalSegment f = HeadChunkLog.find(files, pos);
            if (f == null) {
                break; // deleted by retention after the snapshot of the file list
            }
            DirectBuffer b = f.mapping().buffer();
            int body = (int) (pos - f.basePosition()) + io.sluice.wal.FrameDescriptor.BODY_OFFSET;
            if (b.getByte(body) != HeadChunkDescriptor.TYPE_CHUNK) {
                break; // padded by repair without a relink: the chain ends here
            }
            long chunkMax = b.getLong(body + HeadChunkDescriptor.MAX_TIME_OFFSET);
            if (chunkMax < mint) {
                break;
            }
            if (b.getLong(body + HeadChunkDescriptor.MIN_TIME_OFFSET) <= maxt) {
                if (n == scratch.chain.length) {
                    scratch.chain = Arrays.copyOf(scratch.chain, n * 2);
                }
                scratch.chain[n++] = pos;
            }
            long previous = b.getLong(body + HeadChunkDescriptor.PREVIOUS_OFFSET);
            if (relinked != null) {
                previous = relinked.get(pos) != relinked.missingValue() ? relinked.get(pos) : previous;
            }
            pos = previous;
        }
        return n;
    }

    /**
     * Samples of local id {@code id} in the head at or after {@code minValid}: its reachable chunks
     * and its open chunk. Any thread, under the gate.
     */
    public long sampleCount(int id, long minValid, ReadScratch scratch) {
        return summarize(id, minValid, scratch)[0];
    }

    /**
     * {samples, chunks (open one included), chunk bytes (XOR data, open chunk included), min time}
     * of local id {@code id}. Any thread, under the gate.
     */
    public long[] summarize(int id, long minValid, ReadScratch scratch) {
        long[] out = {0, 0, 0, Long.MAX_VALUE};
        HeadSeries s = get(id);
        if (s == null) {
            return out;
        }
        HeadSeries.Snapshot snap = scratch.snapshot;
        snapshot(s, snap);
        WalSegment[] files = chunks.files();
        long start = chunks.start();
        long pos = snap.lastChunk;
        Long2LongHashMap relinked = relinks;
        while (pos >= start && pos != HeadChunkDescriptor.NO_PREVIOUS) {
            WalSegment f = HeadChunkLog.find(files, pos);
            if (f == null) {
                break;
            }
            DirectBuffer b = f.mapping().buffer();
            int frame = (int) (pos - f.basePosition());
            int body = frame + io.sluice.wal.FrameDescriptor.BODY_OFFSET;
            if (b.getByte(body) != HeadChunkDescriptor.TYPE_CHUNK
                || b.getLong(body + HeadChunkDescriptor.MAX_TIME_OFFSET) < minValid) {
                break; // padded by repair, or compacted into a block
            }
            out[0] += b.getShort(body + HeadChunkDescriptor.SAMPLES_OFFSET) & 0xFFFF;
            out[1]++;
            out[2] += b.getInt(frame) - HeadChunkDescriptor.DATA_OFFSET;
            out[3] = b.getLong(body + HeadChunkDescriptor.MIN_TIME_OFFSET);
            long previous = b.getLong(body + HeadChunkDescriptor.PREVIOUS_OFFSET);
            if (relinked != null && relinked.get(pos) != relinked.missingValue()) {
                previous = relinked.get(pos);
            }
            pos = previous;
        }
        if (snap.openSamples > 0) {
            XorIterator it = scratch.iterator;
            it.reset(snap.open, 0, snap.openLength, snap.openSamples);
            if (it.next() && it.timestamp() >= minValid) { // else its window is in a block
                out[0] += snap.openSamples;
                out[1]++;
                out[2] += snap.openLength;
                if (out[3] == Long.MAX_VALUE) {
                    out[3] = it.timestamp();
                }
            }
        }
        return out;
    }

    /** Receives the chunks of one series that lie in a time range, oldest first. */
    public interface ChunkSink {
        void chunk(long minTime, long maxTime, DirectBuffer buffer, int offset, int length) throws IOException;
    }

    /**
     * Hands {@code sink} the chunks of local id {@code id} that lie in {@code [start, end)}, oldest
     * first: full chunks from the chunk log, then the open chunk if its window is in the range (the
     * caller has made sure no sample can still be appended there). Chunks never straddle a multiple
     * of the chunk range, so {@code [start, end)} on such multiples takes whole chunks. The caller
     * holds the reader gate. Any thread.
     *
     * @return false if the series has nothing in the range
     */
    public boolean chunksIn(int id, long start, long end, ChunkSink sink, ReadScratch scratch) throws IOException {
        return chunkPositionsIn(id, start, end, (pos, minT, maxT, b, off, len) -> sink.chunk(minT, maxT, b, off, len),
            scratch);
    }

    /** Receives chunks with their head-chunk log positions ({@link #OPEN_CHUNK} for the open chunk). */
    @FunctionalInterface
    public interface PositionSink {
        void chunk(long position, long minTime, long maxTime, DirectBuffer buffer, int offset, int length)
            throws IOException;
    }

    /** The position {@link PositionSink} gets for the open chunk, which has none in the log. */
    public static final long OPEN_CHUNK = -1;

    /**
     * As {@link #chunksIn}, handing over each chunk's position in the head-chunk log too, so that a
     * caller may read it again later with {@link #chunkAt} instead of walking the chain again. The
     * open chunk's bytes are a copy, valid until the scratch is used again.
     */
    public boolean chunkPositionsIn(int id, long start, long end, PositionSink sink, ReadScratch scratch)
        throws IOException {
        HeadSeries s = get(id);
        if (s == null) {
            return false;
        }
        HeadSeries.Snapshot snap = scratch.snapshot;
        snapshot(s, snap);
        WalSegment[] files = chunks.files();
        int n = collectChain(snap.lastChunk, files, chunks.start(), start, end - 1, scratch);
        boolean any = false;
        for (int i = n - 1; i >= 0; i--) {
            long pos = scratch.chain[i];
            WalSegment f = HeadChunkLog.find(files, pos);
            DirectBuffer b = f.mapping().buffer();
            int frame = (int) (pos - f.basePosition());
            int body = frame + io.sluice.wal.FrameDescriptor.BODY_OFFSET;
            long minT = b.getLong(body + HeadChunkDescriptor.MIN_TIME_OFFSET);
            long maxT = b.getLong(body + HeadChunkDescriptor.MAX_TIME_OFFSET);
            if (minT >= start && maxT < end) {
                sink.chunk(pos, minT, maxT, b, body + HeadChunkDescriptor.DATA_OFFSET,
                    b.getInt(frame) - HeadChunkDescriptor.DATA_OFFSET);
                any = true;
            }
        }
        if (snap.openSamples > 0) {
            XorIterator it = scratch.iterator;
            it.reset(snap.open, 0, snap.openLength, snap.openSamples);
            long first = Long.MIN_VALUE;
            long last = Long.MIN_VALUE;
            while (it.next()) {
                if (first == Long.MIN_VALUE) {
                    first = it.timestamp();
                }
                last = it.timestamp();
            }
            if (first >= start && last < end) {
                org.agrona.concurrent.UnsafeBuffer copy = scratch.openView;
                copy.wrap(snap.open, 0, snap.openLength);
                sink.chunk(OPEN_CHUNK, first, last, copy, 0, snap.openLength);
                any = true;
            }
        }
        return any;
    }

    /**
     * Hands {@code sink} the chunk at {@code position} in the head-chunk log, as {@link
     * #chunkPositionsIn} found it. The caller holds the reader gate and knows that the chunk's file
     * is still there (the head keeps files whose chunks end at or after its read bound).
     *
     * @throws IllegalStateException if no file holds the position any more
     */
    public void chunkAt(long position, ChunkSink sink) throws IOException {
        WalSegment f = HeadChunkLog.find(chunks.files(), position);
        if (f == null) {
            throw new IllegalStateException("shard " + shard + ": no head-chunk file holds position " + position);
        }
        DirectBuffer b = f.mapping().buffer();
        int frame = (int) (position - f.basePosition());
        int body = frame + io.sluice.wal.FrameDescriptor.BODY_OFFSET;
        sink.chunk(b.getLong(body + HeadChunkDescriptor.MIN_TIME_OFFSET), b.getLong(body + HeadChunkDescriptor.MAX_TIME_OFFSET),
            b, body + HeadChunkDescriptor.DATA_OFFSET, b.getInt(frame) - HeadChunkDescriptor.DATA_OFFSET);
    }

    /** Bytes of off-heap slots holding open chunks. */
    public long openChunkSlotBytes() {
        return arena.slotBytes();
    }

    /** Bytes of off-heap pages reserved for open chunks. */
    public long openChunkReservedBytes() {
        return arena.reservedBytes();
    }

    /** Frees the open chunks' memory and closes the chunk log. Call once no reader can be inside. */
    @Override
    public void close() {
        if (chunks != null) {
            chunks.close();
        }
        arena.close();
    }

    /** A reader's reusable buffers: one per reading thread at a time. */
    public static final class ReadScratch {
        final HeadSeries.Snapshot snapshot = new HeadSeries.Snapshot();
        final XorIterator iterator = new XorIterator();
        final org.agrona.concurrent.UnsafeBuffer openView = new org.agrona.concurrent.UnsafeBuffer(new byte[0]);
        long[] chain = new long[16];
    }
}
