package io.sluice.head;

import io.sluice.chunk.XorEncoder;
import org.agrona.UnsafeApi;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One series of one shard's head: its open XOR chunk (this object is the encoder; the bytes live in
 * the shard's {@link OpenChunkArena}), the position of its newest full chunk in the head-chunk log
 * (older ones are reached through each chunk's {@code previous} field), and its counters. One Java
 * object per series, whatever its samples and chunks (with its postings, 287 bytes of heap per active
 * series: docs/benchmarks.md, "Heap (head build)").
 *
 * <p>Readers see a consistent view through {@link #version}, a seqlock counter: the writer makes it
 * odd while it cuts, grows or moves the open chunk and even again after; {@link #snapshot} copies
 * the open chunk and the newest chunk's position, and reports a retry when the version moved.
 * Appending a sample changes only bits after the published samples, so it needs no version change:
 * the writer publishes the new sample count with a release store.
 *
 * <p>Threading: the shard writer mutates; any thread may call {@link #snapshot} and the published
 * getters.
 */
public final class HeadSeries extends XorEncoder {
    private static final VarHandle VERSION;
    private static final VarHandle PUBLISHED;
    private static final VarHandle LAST_CHUNK;
    private static final VarHandle CHUNKS;
    private static final VarHandle PERSISTED_MAX;
    private static final VarHandle NEWEST;
    private static final VarHandle OUT_OF_ORDER;
    private static final VarHandle DUPLICATES;
    private static final VarHandle LOGGED;
    private static final VarHandle OPEN_FROM;
    private static final VarHandle OPEN_TO;
    private static final long BYTE_ARRAY_BASE = UnsafeApi.arrayBaseOffset(byte[].class);

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            VERSION = l.findVarHandle(HeadSeries.class, "version", int.class);
            PUBLISHED = l.findVarHandle(HeadSeries.class, "published", int.class);
            LAST_CHUNK = l.findVarHandle(HeadSeries.class, "lastChunk", long.class);
            CHUNKS = l.findVarHandle(HeadSeries.class, "chunks", int.class);
            PERSISTED_MAX = l.findVarHandle(HeadSeries.class, "persistedMaxTime", long.class);
            NEWEST = l.findVarHandle(HeadSeries.class, "newestTimestamp", long.class);
            OUT_OF_ORDER = l.findVarHandle(HeadSeries.class, "outOfOrder", long.class);
            DUPLICATES = l.findVarHandle(HeadSeries.class, "duplicates", long.class);
            LOGGED = l.findVarHandle(HeadSeries.class, "logged", boolean.class);
            OPEN_FROM = l.findVarHandle(HeadSeries.class, "openFrom", long.class);
            OPEN_TO = l.findVarHandle(HeadSeries.class, "openTo", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final long ref;
    private final OpenChunkArena arena;
    /** Newest accepted timestamp (the out-of-order check); may run ahead of the chunk within an event. Writer only. */
    long acceptedTimestamp = Long.MIN_VALUE;
    /** Raw bits of the newest accepted value, for telling a duplicate from a conflicting sample. Writer only. */
    long acceptedValueBits;
    /** Prometheus' cut rule: the time at which the open chunk must end. Writer only. */
    long nextAt;

    @SuppressWarnings("unused") // through VERSION
    private int version;
    @SuppressWarnings("unused") // through PUBLISHED
    private int published;
    @SuppressWarnings("unused") // through LAST_CHUNK
    private long lastChunk = HeadChunkDescriptor.NO_PREVIOUS;
    @SuppressWarnings("unused") // through CHUNKS
    private int chunks;
    @SuppressWarnings("unused") // through PERSISTED_MAX
    private long persistedMaxTime = Long.MIN_VALUE;
    @SuppressWarnings("unused") // through NEWEST
    private long newestTimestamp = Long.MIN_VALUE;
    @SuppressWarnings("unused") // through OUT_OF_ORDER
    private long outOfOrder;
    @SuppressWarnings("unused") // through DUPLICATES
    private long duplicates;
    @SuppressWarnings("unused") // through LOGGED
    private boolean logged;
    /**
     * The WAL position of the record that holds the open chunk's first sample ({@link Long#MIN_VALUE}
     * if replay appended it: not known), or {@link Long#MAX_VALUE} before the series' first sample.
     */
    @SuppressWarnings("unused") // through OPEN_FROM
    private long openFrom = Long.MAX_VALUE;
    /**
     * The WAL position of the record that holds the open chunk's newest sample ({@link Long#MAX_VALUE}
     * if replay appended it), or {@link Long#MIN_VALUE} before the series' first sample.
     */
    @SuppressWarnings("unused") // through OPEN_TO
    private long openTo = Long.MIN_VALUE;

    HeadSeries(long ref, OpenChunkArena arena) {
        this.ref = ref;
        this.arena = arena;
    }

    /** The series ref: {@code (local id << 16) | shard}. */
    public long ref() {
        return ref;
    }

    @Override
    protected void grow(int minCapacity) {
        resize(OpenChunkArena.slotSize(minCapacity));
    }

    /** Moves the open chunk to a slot of {@code size} bytes (a {@link OpenChunkArena#slotSize}). Writer only. */
    void resize(int size) {
        long from = address();
        int old = capacity();
        if (from != 0 && size == old) {
            return;
        }
        long to = arena.allocate(size);
        beginChange();
        if (from != 0) {
            UnsafeApi.copyMemory(from, to, Math.min(byteLength(), size));
        }
        moveTo(to, size);
        endChange();
        if (from != 0) {
            arena.release(from, old);
        }
    }

    /** Releases the open chunk's slot (the series is dropped). Writer only. */
    void releaseSlot() {
        if (address() != 0) {
            beginChange();
            long from = address();
            int old = capacity();
            moveTo(0, 0);
            endChange();
            arena.release(from, old);
        }
    }

    /** Writer: readers that copy from now on retry until {@link #endChange()}. */
    void beginChange() {
        VERSION.setOpaque(this, (int) VERSION.getOpaque(this) + 1);
        VarHandle.storeStoreFence();
    }

    void endChange() {
        VERSION.setRelease(this, (int) VERSION.getOpaque(this) + 1);
    }

    /** Writer: readers may now decode {@code n} samples of the open chunk. */
    void publish(int n, long newest) {
        NEWEST.setRelease(this, newest);
        PUBLISHED.setRelease(this, n);
    }

    /** Writer, inside a change: the open chunk was written to the chunk log at {@code position}. */
    void chunkWritten(long position, long maxTime) {
        LAST_CHUNK.setOpaque(this, position);
        CHUNKS.setOpaque(this, (int) CHUNKS.getOpaque(this) + 1);
        PERSISTED_MAX.setRelease(this, maxTime);
        PUBLISHED.setOpaque(this, 0);
    }

    /** Writer: drops the open chunk (its window went into a block) and starts an empty one. */
    void dropOpenChunk() {
        beginChange();
        PUBLISHED.setOpaque(this, 0);
        reset();
        endChange();
    }

    /** Replay: the series' chunks found in the chunk log. Writer only, before readers. */
    void restoreChunks(long last, int count, long maxTime) {
        LAST_CHUNK.setRelease(this, last);
        CHUNKS.setRelease(this, count);
        PERSISTED_MAX.setRelease(this, maxTime);
        if (maxTime > (long) NEWEST.getOpaque(this)) {
            NEWEST.setRelease(this, maxTime);
        }
    }

    /** Retention dropped every chunk of this series: it now starts at its open chunk. Writer only. */
    void forgetChunks() {
        beginChange();
        LAST_CHUNK.setOpaque(this, HeadChunkDescriptor.NO_PREVIOUS);
        CHUNKS.setOpaque(this, 0);
        endChange();
    }

    /**
     * Writer, before each append: the sample is in the WAL record at {@code position} ({@link
     * ShardHead#UNKNOWN_POSITION} in replay), and {@code starts} says it is the open chunk's first.
     * The first position is stored with release after the cut that emptied the chunk, so a reader
     * that sees it also sees that cut's chunk committed to the chunk log.
     */
    void walSpan(boolean starts, long position) {
        if (starts) {
            OPEN_FROM.setRelease(this, position == ShardHead.UNKNOWN_POSITION ? Long.MIN_VALUE : position);
        }
        OPEN_TO.setOpaque(this, position);
    }

    /**
     * The WAL position of the record holding the open chunk's first sample: {@link Long#MIN_VALUE}
     * when replay appended it, {@link Long#MAX_VALUE} before the series' first sample. A reader may
     * see an older position (of a chunk since cut), never a newer one before the cut's chunk is in
     * the chunk log. Any thread.
     */
    public long openFrom() {
        return (long) OPEN_FROM.getAcquire(this);
    }

    /**
     * The WAL position of the record holding the open chunk's newest sample: {@link Long#MAX_VALUE}
     * when replay appended it, {@link Long#MIN_VALUE} before the series' first sample. Every append
     * that happened before a reader's read is covered. Any thread.
     */
    public long openTo() {
        return (long) OPEN_TO.getOpaque(this);
    }

    /** Writer: counts rejected samples. */
    public void reject(long old, long dup) {
        if (old != 0) {
            OUT_OF_ORDER.setRelease(this, (long) OUT_OF_ORDER.getOpaque(this) + old);
        }
        if (dup != 0) {
            DUPLICATES.setRelease(this, (long) DUPLICATES.getOpaque(this) + dup);
        }
    }

    /** Writer: the series record is in the WAL. */
    public void markLogged() {
        LOGGED.setRelease(this, true);
    }

    /** True once the series' SERIES record is in the WAL (or a checkpoint). */
    public boolean isLogged() {
        return (boolean) LOGGED.getAcquire(this);
    }

    /** Writer's view of the newest accepted timestamp. */
    public long acceptedTimestamp() {
        return acceptedTimestamp;
    }

    /** Writer's view of the newest accepted value's bits. */
    public long acceptedValueBits() {
        return acceptedValueBits;
    }

    /** Writer: the out-of-order check moves to this sample (the chunk follows after the WAL commit). */
    public void accept(long timestamp, long valueBits) {
        acceptedTimestamp = timestamp;
        acceptedValueBits = valueBits;
    }

    /** Newest sample timestamp in the head (published), or {@link Long#MIN_VALUE}. */
    public long newestTimestamp() {
        return (long) NEWEST.getAcquire(this);
    }

    /**
     * The max time of the series' newest chunk in the chunk log (published after the chunk's frame
     * is committed), or {@link Long#MIN_VALUE}. Every sample up to it is in the chunk log.
     */
    public long persistedMaxTime() {
        return (long) PERSISTED_MAX.getAcquire(this);
    }

    /** Samples rejected as out of order. */
    public long outOfOrder() {
        return (long) OUT_OF_ORDER.getAcquire(this);
    }

    /** Exact duplicates of the newest sample that were dropped. */
    public long duplicates() {
        return (long) DUPLICATES.getAcquire(this);
    }

    /** Full chunks the series has in the chunk log (retention may have deleted the oldest). */
    public int chunkCount() {
        return (int) CHUNKS.getAcquire(this);
    }

    /** Writer's view of the newest chunk's position. */
    long lastChunkWriter() {
        return (long) LAST_CHUNK.getOpaque(this);
    }

    /**
     * Copies the open chunk and the newest chunk's position into {@code into}.
     *
     * @return false if the writer changed the chunk meanwhile: call again
     */
    boolean snapshot(Snapshot into) {
        int v = (int) VERSION.getAcquire(this);
        if ((v & 1) != 0) {
            return false;
        }
        int n = (int) PUBLISHED.getAcquire(this);
        long last = (long) LAST_CHUNK.getOpaque(this);
        int count = (int) CHUNKS.getOpaque(this);
        int length = 0;
        if (n > 0) {
            long from = address();
            // Racy reads: checked by the version below; the arena's slack keeps a stale pair in bounds.
            length = Math.min(byteLength(), capacity());
            if (from == 0 || length <= 0) {
                return false;
            }
            byte[] buf = into.open;
            if (buf.length < length) {
                buf = new byte[Math.max(length, buf.length * 2)];
                into.open = buf;
            }
            UnsafeApi.copyMemory(null, from, buf, BYTE_ARRAY_BASE, length);
        }
        VarHandle.loadLoadFence();
        if ((int) VERSION.getOpaque(this) != v) {
            return false;
        }
        into.openSamples = n;
        into.openLength = length;
        into.lastChunk = last;
        into.chunks = count;
        return true;
    }

    /** A reader's copy of a series' open chunk and newest chunk position; reusable. */
    static final class Snapshot {
        byte[] open = new byte[256];
        int openSamples;
        int openLength;
        long lastChunk;
        int chunks;
    }
}
