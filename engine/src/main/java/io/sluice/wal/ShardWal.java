package io.sluice.wal;

import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.locks.Lock;

import static io.sluice.wal.FrameDescriptor.BODY_OFFSET;
import static io.sluice.wal.FrameDescriptor.CRC_OFFSET;
import static io.sluice.wal.FrameDescriptor.END_BODY_LENGTH;
import static io.sluice.wal.FrameDescriptor.END_FRAME_LENGTH;
import static io.sluice.wal.FrameDescriptor.LENGTH_OFFSET;
import static io.sluice.wal.FrameDescriptor.TYPE_END;
import static io.sluice.wal.FrameDescriptor.framedLength;

/**
 * The append side of one shard's log: frames go straight into the mapped current segment, and a
 * segment that cannot take the next frame is sealed with an end marker and followed by a new
 * preallocated one, named by its base position.
 *
 * <p>Use: {@link #reserve} room for a body, write the body at {@code frameOffset + 8} of
 * {@link #buffer()}, then {@link #commit}; the length store in {@code commit} is what makes the
 * frame visible to a reader or to replay.
 *
 * <p>Threading: single writer, the shard's handler thread (asserted). {@link #segments()} may be
 * read from any thread.
 */
public final class ShardWal implements AutoCloseable {
    private final WalFileSystem fs;
    private final Path dir;
    private final int shard;
    private final int shardCount;
    private final long segmentSize;
    /** Durability is not NONE: new segments are created durably and sealed ones wait for the next force. */
    private final boolean forceOnRoll;
    /** Segments sealed since the last force that still hold unforced frames: the next force covers them. */
    private final java.util.ArrayList<WalSegment> unforcedSealed = new java.util.ArrayList<>();
    private final WalSegments segments;
    private final SegmentPreparer preparer;
    private final SpareSegments spares;
    private final FrameCrc crc = new FrameCrc();
    private Future<WalSegment> next;

    private WalSegment current;
    private UnsafeBuffer buf;
    private ByteBuffer crcView;
    private int writeOffset;
    private boolean dirty;
    private long framedBytes;
    private long forces;
    private int rolls;
    private Thread writer;
    private boolean closed;
    private volatile Path checkpoint;

    private ShardWal(WalFileSystem fs, Path dir, int shard, int shardCount, long segmentSize, boolean forceOnRoll,
                     WalSegments segments, SegmentPreparer preparer, SpareSegments spares) {
        this.preparer = preparer;
        this.spares = spares;
        this.fs = fs;
        this.dir = dir;
        this.shard = shard;
        this.shardCount = shardCount;
        this.segmentSize = segmentSize;
        this.forceOnRoll = forceOnRoll;
        this.segments = segments;
    }

    /**
     * Continues the log that replay left behind: appends after its last valid frame, or starts a new
     * segment if there is none or the last one is sealed.
     *
     * @param forceOnRoll   force a segment before moving past it (any mode but NONE)
     * @param preparer      creates next segments in the background; null to create them on this thread
     * @param spareCapacity retired segments kept for recycling (the segments one truncation retires:
     *                      {@code walTruncateSegments})
     */
    public static ShardWal resume(WalFileSystem fs, Path dir, int shard, int shardCount, long segmentSize,
                                  boolean forceOnRoll, ReplayOutcome replayed, SegmentPreparer preparer,
                                  int spareCapacity) throws IOException {
        ShardWal wal = new ShardWal(fs, dir, shard, shardCount, segmentSize, forceOnRoll, replayed.segments(),
            preparer, SpareSegments.scan(fs, dir, segmentSize, spareCapacity));
        wal.checkpoint = replayed.checkpoint();
        WalSegment[] existing = replayed.segments().snapshot();
        if (existing.length == 0) {
            wal.startSegment(replayed.startPosition());
        } else if (replayed.resumeOffset() < 0) {
            wal.startSegment(existing[existing.length - 1].endPosition());
        } else {
            WalSegment last = existing[existing.length - 1];
            if ((long) replayed.resumeOffset() + END_FRAME_LENGTH > last.size()) {
                throw new IOException("cannot resume shard " + shard + " in " + last.path() + " at offset "
                    + replayed.resumeOffset() + ": no room left for its end marker");
            }
            wal.use(last, replayed.resumeOffset());
        }
        return wal;
    }

    /** Resume without a background preparer: new segments are created on the writer's thread. */
    public static ShardWal resume(WalFileSystem fs, Path dir, int shard, int shardCount, long segmentSize,
                                  boolean forceOnRoll, ReplayOutcome replayed) throws IOException {
        return resume(fs, dir, shard, shardCount, segmentSize, forceOnRoll, replayed, null, SpareSegments.MIN_CAPACITY);
    }

    /**
     * Makes room for a frame whose body is {@code bodyLength} bytes, rolling to a new segment if the
     * current one cannot hold it and still keep room for its end marker.
     *
     * @return the offset of the frame in {@link #buffer()}; its body starts 8 bytes later
     */
    public int reserve(int bodyLength) throws IOException {
        assert onWriterThread();
        int framed = framedLength(bodyLength);
        if ((long) writeOffset + framed + END_FRAME_LENGTH > buf.capacity()) {
            if ((long) SegmentDescriptor.HEADER_LENGTH + framed + END_FRAME_LENGTH > segmentSize) {
                throw new IllegalArgumentException("a record of " + bodyLength + " bytes cannot fit in a segment of "
                    + segmentSize + " bytes");
            }
            roll();
        }
        return writeOffset;
    }

    /**
     * The largest body a frame reserved now could have without rolling to a new segment (negative if
     * not even an empty one fits), or, with {@code fresh}, in a new empty segment.
     */
    public long maxBody(boolean fresh) {
        long end = fresh ? segmentSize : buf.capacity();
        long from = fresh ? SegmentDescriptor.HEADER_LENGTH : writeOffset;
        return (end - END_FRAME_LENGTH - from - FrameDescriptor.HEADER_LENGTH) & -FrameDescriptor.ALIGNMENT;
    }

    /** The shard-log position of the frame at {@code frameOffset} of the current segment. */
    public long positionOf(int frameOffset) {
        return current.basePosition() + frameOffset;
    }

    /** The current segment's bytes; valid until the next {@link #reserve}. */
    public UnsafeBuffer buffer() {
        return buf;
    }

    /**
     * Checksums the body written at {@code frameOffset + 8} ({@link FrameCrc}: seeded with the
     * segment's base position), then publishes the frame by storing its length last.
     *
     * @return the frame's shard-log position
     */
    public long commit(int frameOffset, int bodyLength) {
        assert onWriterThread();
        buf.putInt(frameOffset + CRC_OFFSET, crc.of(crcView, frameOffset + BODY_OFFSET, bodyLength));
        buf.putIntRelease(frameOffset + LENGTH_OFFSET, bodyLength);
        int framed = framedLength(bodyLength);
        writeOffset = frameOffset + framed;
        framedBytes += framed;
        dirty = true;
        return current.basePosition() + frameOffset;
    }

    /**
     * One force round: forces every segment that holds frames appended since the last round (the
     * segments sealed since then, oldest first, and the current one) to the device. A no-op when
     * nothing is pending. Rolling to a new segment never forces: the next round covers the sealed one.
     */
    public void force() throws IOException {
        assert onWriterThread();
        if (!dirty && unforcedSealed.isEmpty()) {
            return;
        }
        for (int i = 0; i < unforcedSealed.size(); i++) {
            fs.force(unforcedSealed.get(i).mapping());
        }
        unforcedSealed.clear();
        if (dirty) {
            fs.force(current.mapping());
            dirty = false;
        }
        forces++;
    }

    /** True if frames were committed since the last {@link #force}. */
    public boolean hasUnforcedFrames() {
        return dirty || !unforcedSealed.isEmpty();
    }

    private void roll() throws IOException {
        long base = current.endPosition();
        WalSegment prepared = null;
        if (next != null) {
            prepared = awaitPrepared(base); // before sealing: a failed preparation leaves this segment open
        }
        int body = writeOffset + BODY_OFFSET;
        buf.putByte(body, TYPE_END);
        commit(writeOffset, END_BODY_LENGTH);
        if (forceOnRoll) {
            unforcedSealed.add(current); // forced with the next round, not now: at most one round per decision
        }
        dirty = false;
        rolls++;
        if (prepared != null) {
            segments.add(prepared);
            use(prepared, SegmentDescriptor.HEADER_LENGTH);
            dirty = false;
        } else {
            startSegment(base);
        }
    }

    private WalSegment awaitPrepared(long base) throws IOException {
        Future<WalSegment> f = next;
        next = null;
        try {
            return f.get();
        } catch (ExecutionException e) {
            throw SegmentPreparer.unwrap(e.getCause(), base);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the segment at position " + base, e);
        }
    }

    private void startSegment(long basePosition) throws IOException {
        boolean touch = preparer != null && preparer.touch();
        WalSegment segment = SegmentPreparer.nextSegment(fs, dir, shard, shardCount, basePosition, segmentSize, touch,
            touch && forceOnRoll, spares);
        segments.add(segment);
        use(segment, SegmentDescriptor.HEADER_LENGTH);
        dirty = false;
    }

    private void use(WalSegment segment, int offset) {
        current = segment;
        buf = segment.mapping().buffer();
        crcView = segment.mapping().byteBuffer();
        crc.forFile(buf); // a segment an older build created keeps that build's checksum rule
        writeOffset = offset;
        if (preparer != null) {
            next = preparer.prepare(fs, dir, shard, shardCount, segment.endPosition(), segmentSize, forceOnRoll, spares);
        }
    }

    /** Notes a sample timestamp just committed to the current segment, for retention. */
    public void noteTimestamp(long timestamp) {
        current.noteTimestamp(timestamp);
    }

    /** Shard-log position of segment {@code n}, where the log starts once the {@code n} before it are retired. */
    public long retainedBase(int n) {
        return segments.snapshot()[n].basePosition();
    }

    /** Live segments before the current one (sealed). Writer only. */
    public int sealedCount() {
        WalSegment[] s = segments.snapshot();
        int n = 0;
        while (n < s.length && s[n] != current) {
            n++;
        }
        return n;
    }

    /**
     * Sealed segments at the start of the log whose frames are all forced (or need no force, in
     * durability NONE): the ones truncation may take. A sealed segment still waiting for the next
     * force round stays, so that what a round acknowledges is on disk in the WAL or a checkpoint.
     * Writer only.
     */
    public int detachableCount() {
        return sealedCount() - unforcedSealed.size();
    }

    /**
     * Removes the oldest {@code n} sealed segments from the live list and returns them, still mapped:
     * the caller checkpoints what they hold, deletes them, and unmaps them. Writer only.
     */
    public WalSegment[] detachOldest(int n) {
        assert onWriterThread();
        if (n > detachableCount()) {
            throw new IllegalArgumentException("only " + detachableCount() + " forced sealed segments, asked for " + n);
        }
        return segments.removeFirst(n);
    }

    /** This shard's pool of retired segments that the next segments are recycled from. */
    public SpareSegments spares() {
        return spares;
    }

    /** The checkpoint the log currently starts with, or null. */
    public Path checkpoint() {
        return checkpoint;
    }

    /** Records the checkpoint a truncation wrote (the previous one is deleted by that truncation). */
    public void checkpoint(Path path) {
        this.checkpoint = path;
    }

    /** The directory of this shard's log. */
    public Path dir() {
        return dir;
    }

    /** The file-system facade. */
    public WalFileSystem fileSystem() {
        return fs;
    }

    /** Binds the single-writer check to the calling thread; replay hands the log to the handler. */
    public void bindWriter(Thread thread) {
        writer = thread;
    }

    private boolean onWriterThread() {
        Thread t = Thread.currentThread();
        if (writer == null) {
            writer = t;
        }
        if (writer != t) {
            throw new AssertionError("shard " + shard + " WAL written by " + t.getName() + " but its writer is "
                + writer.getName());
        }
        return true;
    }

    /** The live segments, for readers. */
    public WalSegments segments() {
        return segments;
    }

    /** Shard-log position of the next frame. */
    public long position() {
        return current.basePosition() + writeOffset;
    }

    /** Bytes of frames committed in this session, padding included. */
    public long framedBytes() {
        return framedBytes;
    }

    /** Forces performed in this session. */
    public long forces() {
        return forces;
    }

    /** Segments rolled over in this session. */
    public int rolls() {
        return rolls;
    }

    public int shard() {
        return shard;
    }

    /**
     * Forces pending frames (unless {@code force} is false), deletes a prepared segment that was never
     * used, and unmaps every segment. Idempotent.
     */
    public void close(boolean force) throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            discardPrepared();
            if (force) {
                force();
            }
        } finally {
            segments.closeAll();
        }
    }

    private void discardPrepared() {
        Future<WalSegment> f = next;
        next = null;
        if (f == null) {
            return;
        }
        try {
            WalSegment unused = f.get();
            unused.mapping().close();
            spares.retire(fs, unused); // its blocks are written: keep it for the next session to recycle
        } catch (ExecutionException | IOException e) {
            // nothing was prepared, or it could not be removed: replay deletes unused segments
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() throws IOException {
        close(true);
    }
}
