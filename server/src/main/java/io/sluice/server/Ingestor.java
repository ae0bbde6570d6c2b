package io.sluice.server;

import io.sluice.engine.Appender;
import io.sluice.engine.Labels;
import io.sluice.engine.Sluice;
import io.sluice.engine.SluiceFailedException;
import java.io.IOException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.xerial.snappy.Snappy;

/**
 * Takes decoded-on-arrival write requests off the network threads and writes them into the engine,
 * answering each only once its samples are durable under the engine's mode.
 *
 * <p>Two threads. {@code sluice-ingest} owns one {@link Appender} (so one ring) and the
 * {@link SeriesCache}: it decompresses and decodes a request, resolves every series, checks every
 * sample against what the server last wrote to its series, and only if all of that passes adds and
 * commits the samples (a bad request writes nothing). It hands the commit's sequence to
 * {@code sluice-acks}, which waits for it to become durable and answers 204. Sequences of one ring
 * grow, so acks answer in order.
 *
 * <p>Bounded: requests wait in a queue of at most {@code maxPendingBytes} of bodies (a request
 * larger than the budget is still taken when the queue is empty); beyond, {@link #submit} refuses and
 * the caller answers 429 with {@code Retry-After}. When the ring is full the ingest thread blocks in
 * {@code commit}, the queue fills, and clients are told to retry: nothing is buffered without bound.
 */
final class Ingestor {
    /** Prometheus' limit on a decompressed remote-write body. */
    static final int MAX_DECOMPRESSED = 32 << 20;

    enum Format { REMOTE_WRITE }

    private record Job(byte[] body, Format format, Reply.Sink sink) { }

    private record Ack(long sequence, int samples, Reply.Sink sink) { }

    private static final Job STOP = new Job(new byte[0], Format.REMOTE_WRITE, r -> { });

    private final Sluice engine;
    private final ServerMetrics metrics;
    private final long maxPendingBytes;
    private final AtomicLong pendingBytes = new AtomicLong();
    private final BlockingQueue<Job> queue = new LinkedBlockingQueue<>();
    private final BlockingQueue<Ack> acks = new LinkedBlockingQueue<>();
    private final Thread ingest;
    private final Thread acker;
    private volatile boolean accepting = true;

    // Owned by the ingest thread.
    private final RemoteWriteDecoder remoteWrite = new RemoteWriteDecoder();
    private final WriteBatch batch = new WriteBatch();
    private final SeriesCache cache = new SeriesCache();
    private byte[] plain = new byte[1 << 16];
    private int[] slots = new int[64];
    private boolean[] skip = new boolean[1024];
    private long[] undo = new long[3 * 64];
    private boolean[] undoKnown = new boolean[64];
    private Appender appender;

    Ingestor(Sluice engine, ServerMetrics metrics, long maxPendingBytes) {
        this.engine = engine;
        this.metrics = metrics;
        this.maxPendingBytes = maxPendingBytes;
        this.ingest = new Thread(this::ingestLoop, "sluice-ingest");
        this.acker = new Thread(this::ackLoop, "sluice-acks");
        ingest.setDaemon(true);
        acker.setDaemon(true);
        ingest.start();
        acker.start();
    }

    /**
     * Queues a request body. False (answer 429) if the queue holds its budget of bytes already, or if
     * the server is shutting down.
     */
    boolean submit(byte[] body, Format format, Reply.Sink sink) {
        if (!accepting) {
            return false;
        }
        long after = pendingBytes.addAndGet(body.length);
        if (after > maxPendingBytes && after != body.length) {
            pendingBytes.addAndGet(-body.length);
            return false;
        }
        queue.add(new Job(body, format, sink));
        return true;
    }

    long pendingBytes() {
        return pendingBytes.get();
    }

    private void ingestLoop() {
        try {
            while (true) {
                Job job = queue.take();
                if (job == STOP) {
                    break;
                }
                try {
                    process(job);
                } finally {
                    pendingBytes.addAndGet(-job.body.length);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (appender != null) {
                try {
                    appender.close();
                } catch (RuntimeException e) {
                    // the engine closed first; nothing is staged between requests
                }
            }
            acks.add(new Ack(-2, 0, null));
        }
    }

    private void process(Job job) throws InterruptedException {
        int samples;
        try {
            int len = decompress(job.body);
            remoteWrite.decode(plain, len, batch);
            samples = write();
        } catch (BadRequestException e) {
            metrics.rejectedRequest(e.getMessage());
            job.sink.send(Reply.text(e.status(), e.getMessage()));
            return;
        } catch (SluiceFailedException e) {
            job.sink.send(Reply.text(503, "the engine failed: " + e.getMessage()));
            return;
        } catch (IllegalStateException e) {
            job.sink.send(Reply.text(503, "the server is shutting down: " + e.getMessage()));
            return;
        }
        long seq = samples == 0 ? -1 : appender.commit();
        acks.put(new Ack(seq, samples, job.sink));
    }

    private int decompress(byte[] body) throws BadRequestException {
        int n;
        try {
            n = Snappy.uncompressedLength(body);
        } catch (IOException | RuntimeException e) {
            throw new BadRequestException("bad snappy block: " + e.getMessage());
        }
        if (n < 0 || n > MAX_DECOMPRESSED) {
            throw new BadRequestException(413, "decompressed body of " + Integer.toUnsignedString(n)
                + " bytes is over the limit of " + MAX_DECOMPRESSED + " bytes");
        }
        if (plain.length < n) {
            plain = new byte[Math.max(n, Math.min(MAX_DECOMPRESSED, plain.length * 2))];
        }
        try {
            if (!Snappy.isValidCompressedBuffer(body)) {
                throw new BadRequestException("bad snappy block: not a valid snappy-compressed buffer");
            }
            return Snappy.uncompress(body, 0, body.length, plain, 0);
        } catch (IOException | RuntimeException e) {
            throw new BadRequestException("bad snappy block: " + e.getMessage());
        }
    }

    /**
     * Resolves, checks, then writes the batch. Returns the samples added (not committed yet).
     * Nothing is added unless every series and sample passed.
     */
    private int write() throws BadRequestException {
        WriteBatch b = batch;
        if (slots.length < b.series) {
            slots = new int[Math.max(b.series, slots.length * 2)];
            undo = new long[3 * slots.length];
            undoKnown = new boolean[slots.length];
        }
        if (skip.length < b.samples) {
            skip = new boolean[Math.max(b.samples, skip.length * 2)];
        }
        cache.ensureCapacity(b.series);
        for (int s = 0; s < b.series; s++) {
            long h = SeriesCache.hash(b, s);
            int slot = cache.find(b, s, h);
            if (slot < 0) {
                slot = newSeries(b, s, h);
            }
            slots[s] = slot;
        }
        // Check every sample before writing any; roll the cache back if one fails.
        int touched = 0;
        int duplicates = 0;
        for (int s = 0; s < b.series; s++) {
            int slot = slots[s];
            undo[3 * touched] = slot;
            undo[3 * touched + 1] = cache.lastTimestamp(slot);
            undo[3 * touched + 2] = cache.lastBits(slot);
            undoKnown[touched] = cache.bitsKnown(slot);
            touched++;
            for (int i = b.sampleFrom[s], end = i + b.sampleCount[s]; i < end; i++) {
                long t = b.timestamps[i];
                long bits = b.valueBits[i];
                long last = cache.lastTimestamp(slot);
                skip[i] = false;
                if (t < last || (t == last && cache.bitsKnown(slot) && cache.lastBits(slot) != bits)) {
                    rollback(touched);
                    boolean ooo = t < last;
                    metrics.rejectedSamples(ooo ? "out_of_order" : "duplicate_timestamp", b.samples);
                    throw new BadRequestException(ooo
                        ? "out of order sample: series " + b.describe(s) + " has a sample at " + last
                            + ", this one is at " + t
                        : "duplicate sample for timestamp: series " + b.describe(s) + " has another value at " + t);
                }
                if (t == last && cache.bitsKnown(slot)) {
                    skip[i] = true; // an exact duplicate: accepted and not written again, as Prometheus does
                    duplicates++;
                    continue;
                }
                cache.written(slot, t, bits);
            }
        }
        if (appender == null) {
            appender = engine.appender();
        }
        int added = 0;
        for (int s = 0; s < b.series; s++) {
            long ref = cache.ref(slots[s]);
            for (int i = b.sampleFrom[s], end = i + b.sampleCount[s]; i < end; i++) {
                if (!skip[i]) {
                    appender.add(ref, b.timestamps[i], Double.longBitsToDouble(b.valueBits[i]));
                    added++;
                }
            }
        }
        metrics.accepted(added, duplicates, b.series);
        return added;
    }

    private void rollback(int touched) {
        for (int k = touched - 1; k >= 0; k--) {
            int slot = (int) undo[3 * k];
            cache.restore(slot, undo[3 * k + 1], undo[3 * k + 2], undoKnown[k]);
        }
    }

    private int newSeries(WriteBatch b, int s, long hash) throws BadRequestException {
        int n = b.labelCount[s];
        String[] names = new String[n];
        String[] values = new String[n];
        for (int k = 0; k < n; k++) {
            names[k] = b.name(b.labelFrom[s] + k);
            values[k] = b.value(b.labelFrom[s] + k);
        }
        Labels labels;
        try {
            labels = Labels.of(names, values);
        } catch (IllegalArgumentException e) {
            throw new BadRequestException("invalid labels " + b.describe(s) + ": " + e.getMessage());
        }
        long ref = engine.series(labels);
        return cache.insert(b, s, hash, ref, engine.newestTimestamp(ref));
    }

    private void ackLoop() {
        try {
            while (true) {
                Ack a = acks.take();
                if (a.sequence == -2) {
                    return;
                }
                answer(a);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void answer(Ack a) throws InterruptedException {
        if (a.sink == null) {
            return;
        }
        if (a.sequence >= 0) {
            try {
                engine.awaitDurable(a.sequence);
            } catch (SluiceFailedException e) {
                a.sink.send(Reply.text(503, "the engine failed before the samples were durable: " + e.getMessage()));
                return;
            } catch (IllegalStateException e) {
                a.sink.send(Reply.text(503, "the engine closed before the samples were durable: " + e.getMessage()));
                return;
            }
        }
        metrics.durable(a.samples);
        a.sink.send(Reply.empty(204));
    }

    /** Stops taking requests, writes and answers those queued, then returns. */
    void close() throws InterruptedException {
        accepting = false;
        queue.add(STOP);
        ingest.join(TimeUnit.SECONDS.toMillis(60));
        acker.join(TimeUnit.SECONDS.toMillis(60));
    }
}
