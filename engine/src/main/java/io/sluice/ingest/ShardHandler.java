package io.sluice.ingest;

import io.sluice.engine.Durability;
import io.sluice.engine.Labels;
import io.sluice.engine.SeriesRef;
import io.sluice.index.PostingsShard;
import io.sluice.index.SeriesRegistry;
import io.sluice.metrics.LatencyRecorders;
import io.sluice.metrics.ShardCounters;
import io.sluice.record.CompactRecord;
import io.sluice.record.SamplesRecord;
import io.sluice.record.SeriesRecord;
import io.sluice.head.HeadSeries;
import io.sluice.head.ShardHead;
import io.sluice.wal.FrameDescriptor;
import io.sluice.wal.ShardWal;
import io.sluice.wal.WalSegment;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.locks.Lock;

/**
 * The single writer of one shard. It takes the shard's events from every producer's ring ({@link
 * Lanes}), writes each run of a
 * series' samples as one SAMPLES record straight into the mapped segment (a SERIES record first if
 * the series is new to the WAL), commits it, and only then appends the accepted samples to the
 * head's XOR chunks, so readers see committed samples only. Events of short runs (one sample each
 * of many series, or a single sample per commit) share one COMPACT record per batch instead: one
 * frame and one checksum for all of them, with varint deltas for series and timestamps, committed
 * before the batch's positions are published. At the end of each batch it publishes how far it got
 * in each producer's ring, forces the segment as the durability mode asks, records latencies, and starts the shard's maintenance (WAL truncation behind the head,
 * retention of old head-chunk files) on the retention thread.
 *
 * <p>Threading: every method but {@link #finish} runs on the shard's consumer thread (asserted);
 * {@link #finish} runs on the closing thread after that thread has stopped.
 */
public final class ShardHandler implements Lanes.Consumer<SampleBatchEvent> {
    /**
     * Latency origins kept for events waiting for a force in INTERVAL mode; beyond this, events fold
     * into the oldest entry (their durable latency is over-stated, never lost, never forced early).
     */
    static final int MAX_PENDING_DURABLE = 1 << 16;
    /**
     * An event whose mean run of one series is shorter than this goes into the COMPACT record that
     * the batch's small events share; others are written as one SAMPLES record per run.
     */
    static final int COMPACT_MAX_MEAN_RUN = 3;

    /**
     * Tests only: runs on the shard writer after a record's bytes are written and before its frame
     * is committed, to show that nothing of an uncommitted record is visible to readers.
     */
    static volatile Runnable beforeCommit;

    /**
     * Tests only: runs on the shard writer after an event's samples were added to the open COMPACT
     * record and before that record is committed, with the record's entry count (the crash test
     * kills the process here).
     */
    static volatile java.util.function.IntConsumer afterCoalesce;

    /**
     * Entries the open COMPACT record reserves room for (28 KiB of body at the largest entry size);
     * the small events of a batch share it until it is full.
     */
    static final int COALESCE_ENTRIES = 1024;

    private final int shard;
    private final ShardWal wal;
    private final ShardHead head;
    private final SeriesRegistry registry;
    private final PostingsShard index;
    private final Durability.Mode mode;
    private final long intervalNanos;
    private final LatencyRecorders latency;
    private final ShardCounters counters;
    private final ShardProgress progress;
    private final DurableSignal durableSignal;
    private final EngineState engine;

    // The open COMPACT record the batch's small events share: frame offset (-1: none), room in
    // entries, entries, where the next entry goes, its first entry (the deltas' base), and the
    // entries again on the heap, for the head once the record is committed.
    private int openFrame = -1;
    private int openCapacity;
    private int openEntries;
    private int openWrite;
    private int openBaseId;
    private long openBaseTimestamp;
    private long openNewest = Long.MIN_VALUE;
    private HeadSeries[] openSeries = new HeadSeries[COALESCE_ENTRIES];
    /** The series of the event being coalesced, looked up once (event capacity at most). */
    private HeadSeries[] eventSeries = new HeadSeries[16];
    private long[] openTimestamps = new long[COALESCE_ENTRIES];
    private long[] openBits = new long[COALESCE_ENTRIES];

    // Latency origins of this batch's events, and of appended-but-unforced events in INTERVAL mode.
    private final long[] batchOrigins;
    private final int[] batchCounts;
    private int batchEvents;
    private final long[] unforcedOrigins;
    // The samples of events that carry no latency origin, counted with the next that does (CommitClock).
    private final CommitClock.Carry appendedCarry = new CommitClock.Carry();
    private final CommitClock.Carry durableCarry = new CommitClock.Carry();
    private final int[] unforcedCounts;
    private int unforcedEvents;
    // The producers' rings, and those this batch took events from, with how far. A force makes
    // every ring durable as far as this shard has appended it (the ring's own position).
    private Lanes<SampleBatchEvent> lanes;
    @SuppressWarnings("unchecked")
    private Lane<SampleBatchEvent>[] batchLanes = (Lane<SampleBatchEvent>[]) new Lane<?>[16];
    private long[] batchLaneSequences = new long[16];
    private int batchLaneCount;
    /** INTERVAL mode: some ring was appended since the last force. */
    private boolean lanesUnforced;

    private long records;
    private long bytes;
    private long samples;
    private long seriesCreated;
    private long outOfOrder;
    private long duplicates;
    private long durableSamples;
    private long lastForceNanos = System.nanoTime();
    private boolean failed;
    private Thread writer;
    /** Retention period in timestamp units (milliseconds by convention); 0 keeps everything. */
    private final long retention;
    /** Newest sample timestamp written to this shard: the clock retention measures age against. */
    private long newestTimestamp;
    /** Oldest sample appended in this session (replay's figure is in the progress). */
    private long minAppended = Long.MAX_VALUE;
    private long lastRetireNanos;
    /** Retention deletes segments at most this often: each deletion writes a checkpoint of every series. */
    private final long retireIntervalNanos;
    private long retiredSegments;
    /** Truncate the WAL once this many segments are sealed. */
    private final int truncateSegments;
    /**
     * Truncations' worth of sealed segments ({@code truncateSegments} each) that may wait behind one
     * in flight before the writer waits for it.
     */
    public static final int TRUNCATION_BACKLOG = 4;
    private final int shardCount;
    private final ExecutorService maintenanceThread;
    private final Lock readerGate;
    /** The maintenance task in flight (one at a time), or null. */
    private Future<?> maintenance;
    private long truncations;
    private long retiredChunkFiles;

    public ShardHandler(int shard, int shardCount, ShardWal wal, ShardHead head, SeriesRegistry registry,
                        PostingsShard index, Durability durability, int ringSize, LatencyRecorders latency,
                        ShardCounters counters, ShardProgress progress, DurableSignal durableSignal, EngineState engine,
                        long retention, long retireIntervalNanos, int truncateSegments,
                        ExecutorService maintenanceThread, Lock readerGate) {
        this.shard = shard;
        this.shardCount = shardCount;
        this.wal = wal;
        this.head = head;
        this.registry = registry;
        this.index = index;
        this.mode = durability.mode();
        this.intervalNanos = durability.interval().toNanos();
        this.latency = latency;
        this.counters = counters;
        this.progress = progress;
        this.durableSignal = durableSignal;
        this.engine = engine;
        this.batchOrigins = new long[ringSize];
        this.batchCounts = new int[ringSize];
        int pending = mode == Durability.Mode.INTERVAL ? MAX_PENDING_DURABLE : 0;
        this.unforcedOrigins = new long[pending];
        this.unforcedCounts = new int[pending];
        this.retention = retention;
        long newest = Long.MIN_VALUE;
        for (int id = 0; id < registry.idLimit(shard); id++) {
            HeadSeries s = head.get(id);
            if (s != null) {
                newest = Math.max(newest, s.newestTimestamp());
            }
        }
        this.newestTimestamp = newest;
        this.retireIntervalNanos = retireIntervalNanos;
        this.lastRetireNanos = System.nanoTime() - retireIntervalNanos;
        this.truncateSegments = truncateSegments;
        this.maintenanceThread = maintenanceThread;
        this.readerGate = readerGate;
    }

    @Override
    public void onStart(Lanes<SampleBatchEvent> lanes) {
        this.lanes = lanes;
        writer = Thread.currentThread();
        wal.bindWriter(writer);
        index.bindWriter(writer);
        head.bindWriter(writer);
    }

    @Override
    public void onEvent(SampleBatchEvent event) throws IOException {
        assert Thread.currentThread() == writer : "shard " + shard + " handler called on " + Thread.currentThread();
        if (failed) {
            return; // keep draining so that no producer blocks on a full ring; nothing is acknowledged
        }
        long header = event.header();
        if (SampleBatchEvent.shard(header) == shard && SampleBatchEvent.count(header) > 0) {
            append(event, header);
        }
    }

    @Override
    public void taken(Lane<SampleBatchEvent> lane, long sequence) {
        if (batchLaneCount > 0 && batchLanes[batchLaneCount - 1] == lane) {
            batchLaneSequences[batchLaneCount - 1] = sequence; // the same ring again, in the next sweep
            return;
        }
        if (batchLaneCount == batchLanes.length) {
            batchLanes = java.util.Arrays.copyOf(batchLanes, batchLaneCount * 2);
            batchLaneSequences = java.util.Arrays.copyOf(batchLaneSequences, batchLaneCount * 2);
        }
        batchLanes[batchLaneCount] = lane;
        batchLaneSequences[batchLaneCount++] = sequence;
    }

    private void append(SampleBatchEvent event, long header) throws IOException {
        int n = SampleBatchEvent.count(header);
        if (n == 1) {
            // A per-item commit: its sample is in the slot's words (SampleBatchEvent, "Layout").
            appendOne(SampleBatchEvent.id(header), event.timestamp(), event.valueBits());
        } else {
            int[] ids = event.localIds();
            int runs = 1;
            for (int k = 1; k < n; k++) {
                if (ids[k] != ids[k - 1]) {
                    runs++;
                }
            }
            // Short runs (scrape-shaped traffic: one sample each of many series; per-item commits: one
            // sample per event) go into the open COMPACT record, which the small events of a batch
            // share: 10 to 13 bytes per sample and one frame and checksum per record, against 40 bytes
            // and a checksum per sample as one-sample SAMPLES records. Runs of 3 or more stay SAMPLES
            // records (16 bytes a sample, and the head appends a run of one series at a time).
            if (runs * COMPACT_MAX_MEAN_RUN > n) {
                appendCoalesced(event, n);
            } else {
                closeOpenRecord();
                appendRuns(event, n);
            }
        }
        batchOrigins[batchEvents] = event.originNanos();
        batchCounts[batchEvents] = n;
        batchEvents++;
    }

    private void appendRuns(SampleBatchEvent event, int n) throws IOException {
        int[] ids = event.localIds();
        int i = 0;
        while (i < n) {
            int id = ids[i];
            int j = i + 1;
            while (j < n && ids[j] == id) {
                j++;
            }
            appendRun(id, event.timestamps(), event.values(), i, j);
            i = j;
        }
    }

    /**
     * Adds the event's samples to the open COMPACT record (opening one if none is open or it is full),
     * after the SERIES records of any series new to the WAL, which close the open record first: a
     * SERIES record always precedes the records that use its series. The entries are written and
     * checked against each series' newest sample now (only the writer's view of it moves, so a later
     * entry of the same series is checked against this one); the record is committed, and its samples
     * reach the head and its readers, by {@link #closeOpenRecord}: at the end of the batch, before a
     * record of another kind, or when full. Until then nothing of it is visible or acknowledged.
     */
    private void appendCoalesced(SampleBatchEvent event, int n) throws IOException {
        int[] ids = event.localIds();
        if (eventSeries.length < n) {
            eventSeries = new HeadSeries[Math.max(n, 2 * eventSeries.length)]; // grows to the event capacity once
        }
        HeadSeries[] series = eventSeries;
        for (int k = 0; k < n; k++) {
            HeadSeries s = head.getOrCreate(ids[k]); // a plain lookup once the series exists
            if (!s.isLogged()) {
                closeOpenRecord();
                logSeries(s, ids[k]);
            }
            series[k] = s;
        }
        if (openFrame >= 0 && openEntries + n > openCapacity) {
            closeOpenRecord();
        }
        if (openFrame < 0) {
            openRecord(n);
        }
        long[] ts = event.timestamps();
        double[] vs = event.values();
        long minValid = head.bounds().appendMinValid(); // before it, the range is (being) compacted
        for (int k = 0; k < n; k++) {
            coalesce(series[k], ids[k], ts[k], Double.doubleToRawLongBits(vs[k]), minValid);
        }
        afterCoalesce();
    }

    /** {@link #appendCoalesced} for an event of one sample. */
    private void appendOne(int id, long t, long bits) throws IOException {
        HeadSeries s = head.getOrCreate(id); // a plain lookup once the series exists
        if (!s.isLogged()) {
            closeOpenRecord();
            logSeries(s, id);
        }
        if (openFrame >= 0 && openEntries == openCapacity) {
            closeOpenRecord();
        }
        if (openFrame < 0) {
            openRecord(1);
        }
        coalesce(s, id, t, bits, head.bounds().appendMinValid()); // before minValid: (being) compacted
        afterCoalesce();
    }

    /**
     * Reserves the open COMPACT record: room for COALESCE_ENTRIES (at least {@code n}), but no more
     * than the current segment holds, so that a record never rolls the segment early; if {@code n}
     * entries do not fit there, a new segment (reserve rolls).
     */
    private void openRecord(int n) throws IOException {
        long here = (wal.maxBody(false) - CompactRecord.ENTRIES_OFFSET) / CompactRecord.MAX_ENTRY_LENGTH;
        long room = here >= n ? here
            : (wal.maxBody(true) - CompactRecord.ENTRIES_OFFSET) / CompactRecord.MAX_ENTRY_LENGTH;
        openCapacity = (int) Math.max(n, Math.min(Math.max(COALESCE_ENTRIES, n), room));
        openFrame = wal.reserve(CompactRecord.maxBodyLength(openCapacity));
        openWrite = openFrame + FrameDescriptor.BODY_OFFSET + CompactRecord.ENTRIES_OFFSET;
        if (openSeries.length < openCapacity) {
            openSeries = new HeadSeries[openCapacity];
            openTimestamps = new long[openCapacity];
            openBits = new long[openCapacity];
        }
    }

    /**
     * Writes one sample into the open record as its next entry if it is newer than the series'
     * newest (and not before {@code minValid}); else counts it as a duplicate or out of order.
     */
    private void coalesce(HeadSeries s, int id, long t, long bits, long minValid) {
        long last = s.acceptedTimestamp();
        if (t > last && t >= minValid) {
            UnsafeBuffer buf = wal.buffer();
            int accepted = openEntries;
            if (accepted == 0) {
                openBaseId = id;
                openBaseTimestamp = t;
                openWrite = CompactRecord.writeFirstEntry(buf, openWrite, id, t, bits);
            } else {
                openWrite = CompactRecord.writeEntry(buf, openWrite, (long) id - openBaseId, t - openBaseTimestamp,
                    bits);
            }
            openSeries[accepted] = s;
            openTimestamps[accepted] = t;
            openBits[accepted] = bits;
            openEntries = accepted + 1;
            s.accept(t, bits);
            if (t > openNewest) {
                openNewest = t;
            }
            if (t < minAppended) {
                minAppended = t;
            }
        } else if (t == last && bits == s.acceptedValueBits() && t >= minValid) {
            s.reject(0, 1);
            duplicates++;
        } else {
            s.reject(1, 0);
            outOfOrder++;
        }
    }

    private void afterCoalesce() {
        java.util.function.IntConsumer coalesced = afterCoalesce;
        if (coalesced != null) {
            coalesced.accept(openEntries);
        }
    }

    /**
     * Commits the open COMPACT record, if it holds any entry, and then hands its samples to the head.
     * A record left with no entry (every sample rejected) is dropped: its frame was only reserved.
     */
    private void closeOpenRecord() throws IOException {
        int frame = openFrame;
        if (frame < 0) {
            return;
        }
        int entries = openEntries;
        openFrame = -1;
        openEntries = 0;
        long newest = openNewest;
        openNewest = Long.MIN_VALUE;
        if (entries == 0) {
            return;
        }
        UnsafeBuffer buf = wal.buffer();
        int body = frame + FrameDescriptor.BODY_OFFSET;
        CompactRecord.writeHeader(buf, body, entries);
        int bodyLength = openWrite - body;
        Runnable hook = beforeCommit;
        if (hook != null) {
            hook.run();
        }
        head.walPosition(wal.commit(frame, bodyLength));
        // The record is committed: only now do its samples reach the head and its readers.
        HeadSeries[] series = openSeries;
        long[] ts = openTimestamps;
        long[] bits = openBits;
        for (int k = 0; k < entries; k++) {
            head.append(series[k], ts[k], bits[k]);
        }
        if (newest > newestTimestamp) {
            newestTimestamp = newest;
        }
        records++;
        bytes += FrameDescriptor.framedLength(bodyLength);
        samples += entries;
    }

    private void appendRun(int id, long[] ts, double[] vs, int from, int to) throws IOException {
        HeadSeries s = head.getOrCreate(id); // a plain lookup once the series exists
        if (!s.isLogged()) {
            logSeries(s, id);
        }
        int frame = wal.reserve(SamplesRecord.bodyLength(to - from));
        UnsafeBuffer buf = wal.buffer();
        int body = frame + FrameDescriptor.BODY_OFFSET;
        long last = s.acceptedTimestamp();
        long lastBits = s.acceptedValueBits();
        long minValid = head.bounds().appendMinValid(); // before it, the range is (being) compacted
        int accepted = 0;
        long rejectedOld = 0;
        long rejectedDup = 0;
        int out = SamplesRecord.sampleOffset(body, 0);
        for (int k = from; k < to; k++) {
            long t = ts[k];
            long bits = Double.doubleToRawLongBits(vs[k]);
            if (t > last && t >= minValid) {
                buf.putLong(out, t);
                buf.putLong(out + 8, bits);
                out += SamplesRecord.SAMPLE_LENGTH;
                accepted++;
                last = t;
                lastBits = bits;
                if (t < minAppended) {
                    minAppended = t;
                }
            } else if (t == last && bits == lastBits && t >= minValid) {
                rejectedDup++;
            } else {
                rejectedOld++;
            }
        }
        if (rejectedOld != 0 || rejectedDup != 0) {
            s.reject(rejectedOld, rejectedDup);
            outOfOrder += rejectedOld;
            duplicates += rejectedDup;
        }
        if (accepted > 0) {
            SamplesRecord.writeHeader(buf, body, s.ref(), accepted);
            int bodyLength = SamplesRecord.bodyLength(accepted);
            Runnable hook = beforeCommit;
            if (hook != null) {
                hook.run();
            }
            head.walPosition(wal.commit(frame, bodyLength));
            s.accept(last, lastBits);
            // The record is committed: now the head (and so readers) get its samples.
            int at = SamplesRecord.sampleOffset(body, 0);
            for (int k = 0; k < accepted; k++, at += SamplesRecord.SAMPLE_LENGTH) {
                head.append(s, buf.getLong(at), buf.getLong(at + 8));
            }
            if (last > newestTimestamp) {
                newestTimestamp = last;
            }
            records++;
            bytes += FrameDescriptor.framedLength(bodyLength);
            samples += accepted;
        }
    }

    private void logSeries(HeadSeries s, int id) throws IOException {
        Labels labels = registry.labels(shard, id);
        if (labels == null) {
            throw new IllegalStateException("shard " + shard + " got samples for local id " + id
                + ", which the registry does not know");
        }
        int length = SeriesRecord.bodyLength(labels);
        int frame = wal.reserve(length);
        SeriesRecord.write(wal.buffer(), frame + FrameDescriptor.BODY_OFFSET, s.ref(), labels);
        wal.commit(frame, length);
        s.markLogged();
        index.add(id, labels); // after the record: the index holds exactly the series in the WAL
        records++;
        bytes += FrameDescriptor.framedLength(length);
        seriesCreated++;
    }

    @Override
    public void endOfBatch() throws IOException {
        assert Thread.currentThread() == writer : "shard " + shard + " handler called on " + Thread.currentThread();
        if (failed) {
            batchLaneCount = 0;
            batchEvents = 0;
            return;
        }
        closeOpenRecord();
        long now = System.nanoTime();
        // Latency sections stay short and never span I/O: the collector's flip waits for them.
        latency.begin();
        try {
            for (int e = 0; e < batchEvents; e++) {
                // Under NONE the durable histogram is the appended one (LatencyRecorders): one record.
                long origin = batchOrigins[e];
                long weight = appendedCarry.weigh(origin, batchCounts[e]); // 0: no origin (CommitClock)
                if (weight > 0) {
                    latency.recordAppended(now - origin, weight);
                }
            }
        } finally {
            latency.end();
        }
        // Counters are published before the sequences they account for, so that whoever sees a
        // sequence (awaitDurable returning) also sees the counters of its samples.
        switch (mode) {
            case NONE:
                durableSamples = samples;
                publishCounters();
                publishBatchLanes(true);
                break;
            case BATCH:
                publishCounters();
                publishBatchLanes(false);
                wal.force();
                recordDurable(batchOrigins, batchCounts, batchEvents, System.nanoTime());
                durableSamples = samples;
                publishCounters();
                publishDurableToAppended();
                break;
            case INTERVAL:
                queueUnforced();
                publishCounters();
                publishBatchLanes(false);
                lanesUnforced |= batchLaneCount > 0;
                // At most one force round per interval: the only trigger is the clock.
                if (!wal.hasUnforcedFrames() || now - lastForceNanos >= intervalNanos) {
                    forceUnforced();
                    publishCounters();
                    publishDurableToAppended();
                }
                break;
            default:
                throw new IllegalStateException(mode.toString());
        }
        batchEvents = 0;
        batchLaneCount = 0;
        durableSignal.signal();
        if (minAppended < progress.minTime) {
            progress.minTime(minAppended);
        }
        if (newestTimestamp > progress.maxTime) {
            progress.maxTime(newestTimestamp);
        }
        maintain(now);
    }

    /**
     * Starts the shard's maintenance on the retention thread, one task at a time: WAL truncation once
     * {@code truncateSegments} segments are sealed, else (at most once per retention check interval)
     * the deletion of head-chunk files whose chunks all ended before the retention cutoff. Costs a
     * few comparisons per batch; a failed task throws here, on the writer, and fails the engine.
     */
    private void maintain(long now) throws IOException {
        if (!maintenanceIdle()) {
            if (wal.detachableCount() < truncateSegments * TRUNCATION_BACKLOG) {
                return;
            }
            // The retention thread shares the CPUs with everything else, and on a busy machine it may
            // fall behind: waiting here gives it this writer's CPU and bounds the WAL on disk.
            Future<?> f = maintenance;
            maintenance = null;
            awaitMaintenance(f);
        }
        long cutoff = retentionCutoff();
        if (cutoff != Long.MIN_VALUE && now - lastRetireNanos >= retireIntervalNanos) {
            lastRetireNanos = now;
            WalSegment[] old = head.chunkLog().detachOlderThan(cutoff);
            if (old.length > 0) {
                retiredChunkFiles += old.length;
                maintenance = submit(() -> {
                    head.chunkLog().delete(old, readerGate);
                    return null;
                });
                return;
            }
        }
        int sealed = wal.detachableCount();
        if (sealed >= truncateSegments) {
            long base = wal.retainedBase(sealed);
            java.nio.file.Path previous = wal.checkpoint();
            WalSegment[] gone = wal.detachOldest(sealed);
            maintenance = submit(new WalTruncation(shard, shardCount, wal, head, registry, gone, base, previous,
                cutoff));
            truncations++;
            retiredSegments += gone.length;
        }
    }

    /**
     * Samples older than this may go from the head: older than the retention period, or in a range
     * compacted into a visible block. {@link Long#MIN_VALUE} keeps everything.
     */
    private long retentionCutoff() {
        long compacted = head.bounds().readMinValid();
        if (retention <= 0 || newestTimestamp == Long.MIN_VALUE) {
            return compacted;
        }
        long cutoff = newestTimestamp - retention;
        return Math.max(compacted, cutoff > newestTimestamp ? Long.MIN_VALUE : cutoff);
    }

    private Future<?> submit(java.util.concurrent.Callable<Void> task) throws IOException {
        if (maintenanceThread == null) {
            try {
                task.call();
            } catch (IOException | RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IOException("maintenance of shard " + shard + " failed: " + e, e);
            }
            return null;
        }
        return maintenanceThread.submit(task);
    }

    /** True if no maintenance task is in flight; a finished one that failed throws its error here. */
    private boolean maintenanceIdle() throws IOException {
        Future<?> f = maintenance;
        if (f == null) {
            return true;
        }
        if (!f.isDone()) {
            return false;
        }
        maintenance = null;
        awaitMaintenance(f);
        return true;
    }

    private void awaitMaintenance(Future<?> f) throws IOException {
        try {
            f.get();
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            throw c instanceof IOException ? (IOException) c
                : new IOException("maintenance of shard " + shard + " failed: " + c, c);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the maintenance of shard " + shard, e);
        }
    }

    /** WAL segments truncation has deleted in this session. */
    public long retiredSegments() {
        return retiredSegments;
    }

    /** WAL truncations started in this session. */
    public long truncations() {
        return truncations;
    }

    /** Head-chunk files retention has deleted in this session. */
    public long retiredChunkFiles() {
        return retiredChunkFiles;
    }

    /**
     * Nothing to take: in INTERVAL mode, the force that is due by the clock (what the last batch
     * left unforced), so that an idle shard still makes its events durable within the interval.
     */
    @Override
    public void idle() throws IOException {
        if (mode != Durability.Mode.INTERVAL || !lanesUnforced || failed) {
            return;
        }
        if (!wal.hasUnforcedFrames() || System.nanoTime() - lastForceNanos >= intervalNanos) {
            forceUnforced();
            publishCounters();
            publishDurableToAppended();
            durableSignal.signal();
        }
    }

    /** This batch's lanes: appended, and under NONE durable too. */
    private void publishBatchLanes(boolean durable) {
        for (int i = 0; i < batchLaneCount; i++) {
            batchLanes[i].publishAppended(shard, batchLaneSequences[i]);
            if (durable) {
                batchLanes[i].publishDurable(shard, batchLaneSequences[i]);
            }
        }
    }

    /**
     * After a force: every ring is durable as far as this shard has appended it (what it appended
     * is in the WAL before the force).
     */
    private void publishDurableToAppended() {
        for (Lane<SampleBatchEvent> lane : lanes.lanes()) {
            long appended = lane.appended(shard);
            if (lane.durable(shard) < appended) {
                lane.publishDurable(shard, appended);
            }
        }
        lanesUnforced = false;
    }

    private void recordDurable(long[] origins, int[] counts, int n, long now) {
        if (n == 0) {
            return;
        }
        latency.begin();
        try {
            for (int e = 0; e < n; e++) {
                long weight = durableCarry.weigh(origins[e], counts[e]); // 0: no origin (CommitClock)
                if (weight > 0) {
                    latency.recordDurable(now - origins[e], weight); // under NONE: the shared histogram
                }
            }
        } finally {
            latency.end();
        }
    }

    /** INTERVAL mode: this batch's events wait for the next force. */
    private void queueUnforced() {
        for (int e = 0; e < batchEvents; e++) {
            if (unforcedEvents == unforcedOrigins.length) {
                // Full (a force is due now): fold into the oldest entry, over-stating latency rather than losing it.
                unforcedCounts[0] += batchCounts[e];
            } else {
                unforcedOrigins[unforcedEvents] = batchOrigins[e];
                unforcedCounts[unforcedEvents] = batchCounts[e];
                unforcedEvents++;
            }
        }
    }

    /** INTERVAL mode: force (if anything is pending) and record the waiting events as durable. */
    private void forceUnforced() throws IOException {
        wal.force();
        long now = System.nanoTime();
        lastForceNanos = now;
        recordDurable(unforcedOrigins, unforcedCounts, unforcedEvents, now);
        unforcedEvents = 0;
        durableSamples = samples;
    }

    private void publishCounters() {
        counters.publish(records, bytes, samples, seriesCreated, outOfOrder, duplicates, wal.forces(), durableSamples);
    }

    /** A call of the consumer thread threw: the shard stops and the engine fails. */
    @Override
    public void fail(Throwable cause) {
        failed = true;
        counters.errors = counters.errors + 1;
        engine.fail(cause instanceof IOException ? cause : new IOException("shard " + shard + " failed: " + cause,
            cause));
        durableSignal.signal();
    }

    /**
     * After the consumer thread stopped: forces what is left (unless failed), marks everything
     * processed as durable, and closes the WAL.
     */
    void finish() throws IOException {
        wal.bindWriter(Thread.currentThread()); // the consumer thread has stopped: ownership passes here
        head.bindWriter(Thread.currentThread());
        try {
            Future<?> f = maintenance;
            maintenance = null;
            if (f != null) {
                awaitMaintenance(f); // its files are written and deleted before the directory is released
            }
            if (!failed) {
                closeOpenRecord(); // a batch cut short by a halt: its events were taken, so commit them
                wal.force();
                long now = System.nanoTime();
                recordDurable(batchOrigins, batchCounts, batchEvents, now);
                recordDurable(unforcedOrigins, unforcedCounts, unforcedEvents, now);
                batchEvents = 0;
                unforcedEvents = 0;
                durableSamples = samples;
                publishCounters();
                publishDurableToAppended(); // each batch published how far it appended
            }
        } finally {
            wal.close(!failed);
            durableSignal.signal();
        }
    }

    public int shard() {
        return shard;
    }
}
