package io.sluice.bench;

import com.lmax.disruptor.RingBuffer;
import io.sluice.engine.Appender;
import io.sluice.engine.Labels;
import io.sluice.engine.WaitStrategyKind;
import io.sluice.ingest.CommitClock;
import io.sluice.ingest.Lane;
import io.sluice.ingest.Lanes;
import io.sluice.ingest.SampleBatchEvent;
import io.sluice.wal.MappedWalFileSystem;
import io.sluice.wal.SegmentMapping;
import io.sluice.wal.ZeroFill;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;

/**
 * The floor of a {@code load} run: the engine's ring as the engine builds it ({@link Lanes}: a
 * single-producer Disruptor ring of the same size per producer thread, the engine's slots
 * ({@link SampleBatchEvent}: a per-item commit in four longs, two slots to a cache line) carrying up
 * to {@code eventCapacity} samples, the same wait strategy, one consumer thread polling them all),
 * fed by the same producers with the same pacing, but with a handler that only copies each event's
 * samples into heap arrays it already owns and records publish→handled latency at the end of each
 * batch, per sample, exactly as the shard handler records publish→appended. No WAL, no head, no file, no other thread: what is left is the
 * ring, the scheduler and the JIT on this machine, in the same process and run.
 *
 * <p>{@link Kind#MAPPED} adds the best case of an mmap append to that handler: it also writes each
 * sample's 24 bytes (timestamp, value bits, ref) into a file mapped exactly as the WAL's segments are
 * ({@link MappedWalFileSystem#map}, chronicle-bytes), but one prepared before the run so that the handler never takes a page fault: zero-filled
 * with write(2) (no unwritten extent to convert), forced, mapped and then written once per page
 * through the mapping (Chronicle's pretouch), all before the first sample. It wraps to its start
 * when full, rewriting pages it has already dirtied. No other thread of the floor touches it.
 *
 * <p>Threading: {@link #appender()} per producer thread; the handler on its own thread.
 */
final class FloorRing implements LoadCommand.Target, AutoCloseable {
    private static final int STORE = 1 << 20; // samples the handler keeps (overwritten in turn)
    private static final int RECORD = 24;
    private static final int PAGE = 4096;
    /** Largest mapped floor file; a longer run wraps. */
    static final long MAX_MAPPED_BYTES = 1L << 30;

    /** What the floor's handler writes. */
    enum Kind {
        /** heap arrays it owns */
        HEAP,
        /** the heap arrays, plus each sample into a pre-touched mapped file */
        MAPPED
    }

    private final Lanes<SampleBatchEvent> lanes;
    private volatile Throwable failure;
    private final int capacity;
    private final Recorder recorder = new Recorder(TimeUnit.HOURS.toNanos(1), 3);
    private int nextId;
    private final Path file;
    private final SegmentMapping mapping;
    /** The mapping's bytes (null for {@link Kind#HEAP}). */
    private final UnsafeBuffer store;

    FloorRing(int ringSize, int eventCapacity, WaitStrategyKind waitStrategy) throws IOException {
        this(ringSize, eventCapacity, waitStrategy, Kind.HEAP, null, 0);
    }

    /**
     * @param dir   with {@link Kind#MAPPED}: where the mapped file goes (the data's file system)
     * @param bytes with {@link Kind#MAPPED}: its size, rounded up to a whole page
     */
    FloorRing(int ringSize, int eventCapacity, WaitStrategyKind waitStrategy, Kind kind, Path dir, long bytes)
        throws IOException {
        this.capacity = eventCapacity;
        if (kind == Kind.MAPPED) {
            long size = Math.max(PAGE, (bytes + PAGE - 1) / PAGE * PAGE);
            this.file = Files.createTempFile(dir, ".sluice-floor-", ".map");
            try {
                zeroFill(file, size);
                this.mapping = MappedWalFileSystem.INSTANCE.map(file, size);
            } catch (IOException | RuntimeException e) {
                Files.deleteIfExists(file);
                throw e;
            }
            this.store = mapping.buffer();
            for (int at = 0; at < store.capacity(); at += PAGE) {
                store.putLong(at, 0L); // pretouch: a write fault per page now, none in the handler
            }
        } else {
            this.file = null;
            this.mapping = null;
            this.store = null;
        }
        this.lanes = new Lanes<>(ringSize, size -> SampleBatchEvent.ringSlots(size, eventCapacity), waitStrategy,
            java.util.List.of(new Handler(ringSize)), "floor-handler-");
        lanes.start();
    }

    @Override
    public synchronized long series(Labels labels) {
        return nextId++;
    }

    @Override
    public Appender appender() {
        return new FloorAppender();
    }

    private static void zeroFill(Path file, long size) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ZeroFill.write(ch, size);
            ch.force(false);
        }
    }

    /** The mapped file, or null for {@link Kind#HEAP}. */
    Path mappedFile() {
        return file;
    }

    /** What the handler writes, for the summary. */
    String describe() {
        return store == null ? "heap memory it owns"
            : "heap memory it owns and a pre-touched mapped file of " + Fmt.bytes(store.capacity());
    }

    /** Unmaps and deletes the mapped file, if any. */
    @Override
    public void close() throws IOException {
        if (mapping != null) {
            mapping.close();
            Files.deleteIfExists(file);
        }
    }

    /** Forgets what was recorded so far (the warm-up). */
    void reset() {
        recorder.getIntervalHistogram();
    }

    /** Waits until the handler has taken every published event, stops it, and returns what it recorded. */
    Histogram stop() throws InterruptedException {
        lanes.stop(TimeUnit.SECONDS.toMillis(30)); // takes every published event first
        if (failure != null) {
            throw new IllegalStateException("the floor's handler failed: " + failure, failure);
        }
        return recorder.getIntervalHistogram();
    }

    /** Copies samples into owned heap memory; records latency at the end of each batch. */
    private final class Handler implements Lanes.Consumer<SampleBatchEvent> {
        private final long[] timestamps = new long[STORE];
        private final long[] values = new long[STORE];
        private final int[] ids = new int[STORE];
        private int at;
        private final long[] origins;
        private final int[] counts;
        private final CommitClock.Carry carry = new CommitClock.Carry();
        private int events;
        private final int mappedSize = store == null ? 0 : store.capacity() / RECORD * RECORD;
        private int mappedAt;

        Handler(int ringSize) {
            origins = new long[ringSize];
            counts = new int[ringSize];
        }

        @Override
        public void onStart(Lanes<SampleBatchEvent> lanes) {
        }

        @Override
        public void taken(Lane<SampleBatchEvent> lane, long sequence) {
        }

        @Override
        public void endOfBatch() {
            flush();
        }

        @Override
        public void idle() {
        }

        @Override
        public void fail(Throwable cause) {
            failure = cause; // reported by stop()
        }

        @Override
        public void onEvent(SampleBatchEvent e) {
            long header = e.header();
            int n = SampleBatchEvent.count(header);
            if (n == 0) {
                return;
            }
            if (at + n > STORE) {
                at = 0;
            }
            if (n == 1) { // as the shard handler: a per-item commit's sample is in the slot's words
                take(SampleBatchEvent.id(header), e.timestamp(), e.valueBits());
            } else {
                int[] eIds = e.localIds();
                long[] eTimestamps = e.timestamps();
                double[] eValues = e.values();
                for (int i = 0; i < n; i++) {
                    take(eIds[i], eTimestamps[i], Double.doubleToRawLongBits(eValues[i]));
                }
            }
            if (events == origins.length) { // a batch longer than the ring cannot happen; be safe
                flush();
            }
            origins[events] = e.originNanos();
            counts[events++] = n;
        }

        private void take(int id, long timestamp, long valueBits) {
            timestamps[at] = timestamp;
            ids[at] = id;
            values[at++] = valueBits;
            if (store != null) {
                if (mappedAt == mappedSize) {
                    mappedAt = 0;
                }
                store.putLong(mappedAt, timestamp);
                store.putLong(mappedAt + 8, valueBits);
                store.putLong(mappedAt + 16, id);
                mappedAt += RECORD;
            }
        }

        private void flush() {
            long now = System.nanoTime();
            for (int i = 0; i < events; i++) {
                long weight = carry.weigh(origins[i], counts[i]); // as the shard handler (CommitClock)
                if (weight > 0) {
                    recorder.recordValueWithCount(Math.min(TimeUnit.HOURS.toNanos(1), Math.max(0, now - origins[i])),
                        weight);
                }
            }
            events = 0;
        }
    }

    /** Stages samples as the engine's appender does and publishes them one event per commit. */
    private final class FloorAppender implements Appender {
        private final int[] ids = new int[capacity];
        private final long[] timestamps = new long[capacity];
        private final double[] values = new double[capacity];
        private int staged;
        private long last = -1;
        private Lane<SampleBatchEvent> lane;
        private RingBuffer<SampleBatchEvent> ring;
        private final CommitClock clock = new CommitClock(1); // latency origins as the engine's appender reads them

        @Override
        public void add(long ref, long timestamp, double value) {
            if (staged == capacity) {
                publish(clock.origin(0, staged));
            }
            ids[staged] = (int) ref;
            timestamps[staged] = timestamp;
            values[staged++] = value;
        }

        @Override
        public long add(Labels labels, long timestamp, double value) {
            throw new UnsupportedOperationException("the floor ring takes refs only");
        }

        @Override
        public long commit() {
            if (staged > 0) {
                publish(clock.origin(0, staged));
            }
            return last;
        }

        @Override
        public long commit(long originNanos) {
            if (staged > 0) {
                publish(originNanos);
            }
            return last;
        }

        /** As the engine's appender: publish, then the wake-up check ({@link Lanes#afterPublish}). */
        private void publish(long originNanos) {
            if (ring == null) {
                lane = lanes.acquire(); // the publishing thread's ring, as the engine's appender takes it
                ring = lane.ring();
            }
            long seq = ring.next();
            ring.get(seq).fill(0, ids, timestamps, values, 0, staged, originNanos); // the engine's slot, as it fills it
            ring.publish(seq);
            lanes.afterPublish();
            staged = 0;
            last = lane.sequence(seq);
        }

        @Override
        public long commitDurable() {
            return commit(); // the floor has no durability: handled is as durable as it gets
        }

        @Override
        public boolean tryCommit() {
            commit();
            return true;
        }

        @Override
        public int staged() {
            return staged;
        }

        @Override
        public long lastSequence() {
            return last;
        }

        @Override
        public void close() {
            commit();
        }
    }
}
