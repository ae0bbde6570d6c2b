package io.sluice.ingest;

import io.sluice.engine.Labels;
import io.sluice.engine.SeriesRef;
import io.sluice.head.HeadSeries;
import io.sluice.head.ShardHead;
import io.sluice.index.SeriesRegistry;
import io.sluice.record.CompactRecord;
import io.sluice.record.MixedRecord;
import io.sluice.record.RecordType;
import io.sluice.record.SamplesRecord;
import io.sluice.record.SeriesRecord;
import io.sluice.wal.Checkpoints;
import io.sluice.wal.Courtesy;
import io.sluice.wal.FrameDescriptor;
import io.sluice.wal.ShardWal;
import io.sluice.wal.WalFileSystem;
import io.sluice.wal.WalSegment;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * Truncates a shard's WAL behind its head, as Prometheus' {@code wlog} checkpoint does: the oldest
 * sealed segments go, and what the head still needs from them goes into a checkpoint first.
 *
 * <ol>
 *   <li>Read every series' open-chunk span in the WAL ({@link Reach}) and persisted max time (the
 *       newest chunk it wrote to the head-chunk log), then the chunk log's committed position, and
 *       force the chunk log up to it: every sample at or before a series' persisted max time is now
 *       on disk in a chunk.</li>
 *   <li>Write {@code <base>.ckpt}: a state frame with that forced position, a SERIES record for
 *       every series in the WAL, and, from the previous checkpoint and the segments that go, every
 *       sample newer than its series' persisted max time (the samples of chunks still open), as
 *       COMPACT records. Samples older than the retention cutoff are left out. Only the records
 *       that open chunks may reach are decoded ({@link Reach}).</li>
 *   <li>Delete the previous checkpoint, unmap the segments and retire them into the shard's pool of
 *       spares (renamed to {@code <base>.free}, for the preparer to recycle; deleted when the pool
 *       is full), force the directory.</li>
 * </ol>
 *
 * A series that stops receiving samples keeps its open chunk's samples in every checkpoint, so it
 * never pins a segment. Replay reads the checkpoint, then the chunk log, then only the WAL tail.
 *
 * <p>Threading: built on the shard writer (which detached the segments), run on the retention
 * thread. It reads the head's published state only.
 */
final class WalTruncation implements Callable<Void> {
    /** Entries per COMPACT record in a checkpoint. */
    static final int ENTRIES_PER_RECORD = 4096;
    /**
     * Samples read between pauses ({@link Courtesy}): tens of microseconds of decoding. A truncation
     * reads two segments' worth of samples, about a twentieth of a second of CPU here, and on a
     * two-core machine the retention thread shares a core with the shard writer or a producer; a
     * thread that never leaves the CPU kept it for up to the scheduler's tick (4 ms here) at a time
     * (docs/benchmarks.md, "Where the tail comes from").
     */
    static final int SAMPLES_PER_PAUSE = 4096;
    /**
     * The most bytes of encoded records a truncation keeps between sizing its checkpoint and writing
     * it (the {@link Scratch} of its thread). Within it, the departing segments are read once: the
     * sizing pass encodes the kept samples and the write copies them. Beyond it (millions of open
     * chunks' samples), the segments are read a second time to encode them again. Tests lower it.
     */
    static volatile int scratchLimit = 16 << 20;
    /** Passes over the departing samples, and truncations: what tests count. */
    static final java.util.concurrent.atomic.LongAdder PASSES = new java.util.concurrent.atomic.LongAdder();
    static final java.util.concurrent.atomic.LongAdder TRUNCATIONS = new java.util.concurrent.atomic.LongAdder();
    /** Bytes of departing segments that no open chunk reached, so not decoded; checkpoints not read. For tests. */
    static final java.util.concurrent.atomic.LongAdder SKIPPED_BYTES = new java.util.concurrent.atomic.LongAdder();
    static final java.util.concurrent.atomic.LongAdder CHECKPOINTS_SKIPPED = new java.util.concurrent.atomic.LongAdder();
    /** One per retention thread: truncations of one thread run one at a time. */
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private final int shard;
    private final int shardCount;
    private final ShardWal wal;
    private final ShardHead head;
    private final SeriesRegistry registry;
    private final WalSegment[] gone;
    private final long base;
    private final Path previous;
    private final long cutoff;

    WalTruncation(int shard, int shardCount, ShardWal wal, ShardHead head, SeriesRegistry registry, WalSegment[] gone,
                  long base, Path previous, long cutoff) {
        this.shard = shard;
        this.shardCount = shardCount;
        this.wal = wal;
        this.head = head;
        this.registry = registry;
        this.gone = gone;
        this.base = base;
        this.previous = previous;
        this.cutoff = cutoff;
    }

    @Override
    public Void call() throws IOException {
        TRUNCATIONS.increment();
        WalFileSystem fs = wal.fileSystem();
        Path dir = wal.dir();
        try {
            int limit = registry.idLimit(shard);
            Scratch scratch = SCRATCH.get().perSeries(limit);
            long[] persisted = scratch.persisted;
            Reach reach = new Reach(gone, gone.length > 0 ? gone[0].basePosition() : base);
            for (int id = 0; id < limit; id++) {
                HeadSeries s = head.get(id);
                if (s == null) {
                    persisted[id] = Long.MIN_VALUE; // no sample of it in the WAL yet
                    continue;
                }
                reach.add(s.openFrom(), s.openTo()); // before the persisted max time: see Reach
                persisted[id] = s.persistedMaxTime();
            }
            long forced = head.chunkLog().forceTo(head.chunkLog().committed());
            LoggedSeries logged = new LoggedSeries(limit, scratch);
            Path written;
            try {
                written = Checkpoints.write(fs, dir, shard, shardCount, base, forced, logged,
                    new KeptSamples(fs, persisted, limit, reach));
            } finally {
                logged.release(); // the thread's arrays must not keep labels alive
                scratch.start(null, 0); // nor its encoded records this truncation's samples, failed or not
            }
            wal.checkpoint(written);
            if (previous != null && !previous.equals(written)) {
                fs.delete(previous);
            }
            for (WalSegment g : gone) {
                g.mapping().close();
                wal.spares().retire(fs, g); // renamed into the pool for the preparer to recycle, or deleted
            }
            fs.syncDirectory(dir);
            return null;
        } finally {
            for (WalSegment g : gone) {
                g.mapping().close();
            }
        }
    }

    /** The SERIES records of every series of the shard that has one in the WAL. */
    private final class LoggedSeries implements Checkpoints.SeriesBodies {
        private final int[] ids;
        private final Labels[] labels;
        private final int count;

        LoggedSeries(int limit, Scratch scratch) {
            int[] found = scratch.ids;
            Labels[] ls = scratch.labels;
            int n = 0;
            for (int id = 0; id < limit; id++) {
                HeadSeries s = head.get(id);
                if (s != null && s.isLogged()) {
                    found[n] = id;
                    ls[n] = registry.labels(shard, id);
                    n++;
                }
            }
            this.ids = found;
            this.labels = ls;
            this.count = n;
        }

        @Override
        public int count() {
            return count;
        }

        void release() {
            java.util.Arrays.fill(labels, 0, count, null);
        }

        @Override
        public int bodyLength(int i) {
            return SeriesRecord.bodyLength(labels[i]);
        }

        @Override
        public void write(int i, MutableDirectBuffer buffer, int offset) {
            SeriesRecord.write(buffer, offset, SeriesRef.of(shard, ids[i]), labels[i]);
        }
    }

    /**
     * Where in the departing log open chunks have samples: for each departing segment, the position
     * of the first record that an open chunk's samples may be in ({@link Long#MAX_VALUE}: none), and
     * whether any open chunk starts before them (in the previous checkpoint). Built from each
     * series' {@link HeadSeries#openFrom} and {@link HeadSeries#openTo}, which are read before its
     * persisted max time and before the chunk log is forced:
     *
     * <ul>
     *   <li>A sample of a departing segment that is not in a series' open chunk when the positions
     *       are read was cut into a chunk before they were read (the first position changes only
     *       after a cut, stored with release), so the chunk log forced afterwards holds it: no record
     *       before the positions found needs decoding.</li>
     *   <li>A sample in an open chunk lies between its first and newest positions as read: the newest
     *       was stored before the segment was sealed and handed over, and positions only grow; a
     *       first position read stale is older, which only widens the span.</li>
     *   <li>Replay appends at an unknown position, which spans everything (until the chunk is cut).</li>
     *   <li>A series whose next chunk starts while the positions are read may show that chunk's first
     *       position with its previous newest one, an empty span: that chunk's records are all in the
     *       current segment, after the departing ones, and the chunk before it was cut.</li>
     * </ul>
     *
     * The records that are decoded still keep only the samples newer than their series' persisted max
     * time, as before: the reach only spares reading what that test would drop.
     */
    static final class Reach {
        private final WalSegment[] gone;
        /** Where the departing log starts: the previous checkpoint's samples are all before it. */
        private final long start;
        final long[] from;
        boolean before;

        Reach(WalSegment[] gone, long start) {
            this.gone = gone;
            this.start = start;
            this.from = new long[gone.length];
            java.util.Arrays.fill(from, Long.MAX_VALUE);
        }

        /** One series' open chunk spans the WAL positions {@code first} to {@code last} (empty if first > last). */
        void add(long first, long last) {
            if (first > last) {
                return;
            }
            if (first < start) {
                before = true;
            }
            for (int i = 0; i < gone.length; i++) {
                WalSegment g = gone[i];
                if (first < g.endPosition() && last >= g.basePosition()) {
                    from[i] = Math.min(from[i], Math.max(first, g.basePosition()));
                }
            }
        }
    }

    /** Receives one record's worth of kept samples. */
    private interface RecordSink {
        void record(long[] refs, long[] timestamps, long[] valueBits, int n) throws IOException;
    }

    /** Receives one kept sample. */
    private interface KeptSink {
        void sample(long ref, long ts, long valueBits) throws IOException;
    }

    /** The samples of the previous checkpoint and the departing segments that the head has not persisted. */
    private final class KeptSamples implements Checkpoints.Content {
        private final WalFileSystem fs;
        private final long[] persisted;
        /** Ids below it have an entry in {@link #persisted} (the array may be longer: it is reused). */
        private final int limit;

        private final Reach reach;

        KeptSamples(WalFileSystem fs, long[] persisted, int limit, Reach reach) {
            this.fs = fs;
            this.persisted = persisted;
            this.limit = limit;
            this.reach = reach;
        }

        private boolean keep(long ref, long ts) {
            int id = SeriesRef.localId(ref);
            return ts >= cutoff && (id >= limit || ts > persisted[id]);
        }

        /** Samples read since the last pause. */
        private int unpaused;

        private void forEachKept(KeptSink sink) throws IOException {
            PASSES.increment();
            Checkpoints.FrameReader reader = (type, buf, body, length) -> {
                unpaused += visit(type, buf, body, length, sink);
                if (unpaused >= SAMPLES_PER_PAUSE) {
                    unpaused = 0;
                    Courtesy.pause();
                }
            };
            if (previous != null) {
                if (reach.before) {
                    Checkpoints.forEachFrame(fs, previous, reader);
                } else {
                    CHECKPOINTS_SKIPPED.increment();
                }
            }
            for (int i = 0; i < gone.length; i++) {
                WalSegment g = gone[i];
                long from = reach.from[i];
                if (from == Long.MAX_VALUE) {
                    SKIPPED_BYTES.add(g.size());
                    continue;
                }
                int offset = (int) (from - g.basePosition()); // Reach.add keeps it within the segment
                SKIPPED_BYTES.add(offset);
                Checkpoints.forEachFrame(g.mapping().buffer(), (int) g.size(), offset, reader);
            }
        }

        /** Scratch for decoding COMPACT records (retention thread). */
        private long[] refs = new long[0];
        private long[] timestamps = new long[0];
        private long[] bits = new long[0];

        /** Hands the record's kept samples to {@code sink}; returns how many samples it holds. */
        private int visit(byte type, DirectBuffer buf, int body, int length, KeptSink sink) throws IOException {
            if (type == RecordType.SAMPLES) {
                long ref = SamplesRecord.ref(buf, body);
                int n = SamplesRecord.count(buf, body);
                if (!keep(ref, SamplesRecord.timestamp(buf, body, n - 1))) {
                    return n; // the record's newest sample is persisted, so all of them are
                }
                for (int i = 0; i < n; i++) {
                    long ts = SamplesRecord.timestamp(buf, body, i);
                    if (keep(ref, ts)) {
                        sink.sample(ref, ts, buf.getLong(SamplesRecord.sampleOffset(body, i) + 8));
                    }
                }
                return n;
            } else if (type == RecordType.COMPACT) {
                int n = CompactRecord.count(buf, body);
                if (refs.length < n) {
                    refs = new long[n];
                    timestamps = new long[n];
                    bits = new long[n];
                }
                String bad = CompactRecord.decode(buf, body, length, shard, refs, timestamps, bits);
                if (bad != null) { // replay validated the frame, or this engine wrote it
                    throw new IOException("shard " + shard + ": " + bad);
                }
                for (int i = 0; i < n; i++) {
                    if (keep(refs[i], timestamps[i])) {
                        sink.sample(refs[i], timestamps[i], bits[i]);
                    }
                }
                return n;
            } else if (type == RecordType.MIXED) {
                int n = MixedRecord.count(buf, body);
                for (int i = 0; i < n; i++) {
                    long ref = MixedRecord.ref(buf, body, i);
                    long ts = MixedRecord.timestamp(buf, body, i);
                    if (keep(ref, ts)) {
                        int e = MixedRecord.entryOffset(body, i);
                        sink.sample(ref, ts, buf.getLong(e + MixedRecord.ENTRY_VALUE));
                    }
                }
                return n;
            }
            return 0;
        }

        /** Sizes the checkpoint's records and, within {@link #scratchLimit}, encodes them into the scratch. */
        @Override
        public long framedBytes() throws IOException {
            Scratch scratch = SCRATCH.get();
            scratch.start(this, scratchLimit);
            long[] framed = {0};
            forEachRecord((refs, tss, values, n) -> {
                int length = CompactRecord.bodyLength(refs, tss, n);
                framed[0] += FrameDescriptor.framedLength(length);
                scratch.add(refs, tss, values, n, length);
            });
            return framed[0];
        }

        @Override
        public void write(Checkpoints.FrameWriter out) throws IOException {
            Scratch scratch = SCRATCH.get();
            if (scratch.holds(this)) {
                scratch.copyTo(out);
            } else {
                forEachRecord((refs, tss, values, n) -> record(out, refs, tss, values, n));
            }
        }

        /** The kept samples in COMPACT records of up to {@link #ENTRIES_PER_RECORD} entries, in log order. */
        private void forEachRecord(RecordSink sink) throws IOException {
            long[] refs = new long[ENTRIES_PER_RECORD];
            long[] tss = new long[ENTRIES_PER_RECORD];
            long[] values = new long[ENTRIES_PER_RECORD];
            int[] n = {0};
            forEachKept((ref, ts, bits) -> {
                refs[n[0]] = ref;
                tss[n[0]] = ts;
                values[n[0]] = bits;
                if (++n[0] == ENTRIES_PER_RECORD) {
                    sink.record(refs, tss, values, n[0]);
                    n[0] = 0;
                }
            });
            if (n[0] > 0) {
                sink.record(refs, tss, values, n[0]);
            }
        }

        private void record(Checkpoints.FrameWriter out, long[] refs, long[] tss, long[] values, int n)
            throws IOException {
            int body = out.reserve(CompactRecord.bodyLength(refs, tss, n));
            CompactRecord.write(out.buffer(), body, refs, tss, values, n);
            out.commit();
        }
    }

    /**
     * What a truncation needs per series and per record, kept for the thread's next truncation so
     * that a steady load allocates nothing here: the series' persisted max times, ids and labels,
     * and the encoded records of one checkpoint between its sizing pass and its write (their bytes
     * in a direct buffer that grows by doubling up to the limit, and their lengths). Retention
     * thread.
     */
    private static final class Scratch {
        private long[] persisted = new long[0];
        private int[] ids = new int[0];
        private Labels[] labels = new Labels[0];
        private UnsafeBuffer bytes = new UnsafeBuffer(java.nio.ByteBuffer.allocateDirect(0));
        private int[] lengths = new int[16];
        private Object owner;
        private int limit;
        private int used;
        private int records;
        private boolean spilled;

        /** Makes the per-series arrays hold at least {@code n} entries each (a quarter to spare), kept. */
        Scratch perSeries(int n) {
            if (persisted.length < n) {
                int grown = n + (n >> 2);
                persisted = new long[grown];
                ids = new int[grown];
                labels = new Labels[grown];
            }
            return this;
        }

        void start(Object owner, int limit) {
            this.owner = owner;
            this.limit = limit;
            used = 0;
            records = 0;
            spilled = false;
        }

        /** Encodes one record after the others, or gives up for this checkpoint past the limit. */
        void add(long[] refs, long[] tss, long[] values, int n, int length) {
            if (spilled) {
                return;
            }
            long need = (long) used + length;
            if (need > limit) {
                spilled = true; // the write encodes again, reading the samples a second time
                return;
            }
            if (need > bytes.capacity()) {
                int grown = (int) Math.min(limit, Math.max(need, 2L * bytes.capacity()));
                UnsafeBuffer bigger = new UnsafeBuffer(java.nio.ByteBuffer.allocateDirect(grown));
                bigger.putBytes(0, bytes, 0, used);
                bytes = bigger;
            }
            if (records == lengths.length) {
                lengths = java.util.Arrays.copyOf(lengths, 2 * records);
            }
            CompactRecord.write(bytes, used, refs, tss, values, n);
            lengths[records++] = length;
            used += length;
        }

        boolean holds(Object content) {
            return owner == content && !spilled;
        }

        /** Writes the records as frames, pausing between them ({@link Courtesy}). */
        void copyTo(Checkpoints.FrameWriter out) throws IOException {
            int offset = 0;
            for (int r = 0; r < records; r++) {
                int length = lengths[r];
                int body = out.reserve(length);
                out.buffer().putBytes(body, bytes, offset, length);
                out.commit();
                offset += length;
                Courtesy.pause();
            }
        }
    }
}
