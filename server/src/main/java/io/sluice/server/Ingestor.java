package io.sluice.server;

import io.sluice.engine.Appender;
import io.sluice.engine.Labels;
import io.sluice.engine.Sluice;
import io.sluice.engine.SluiceFailedException;
import java.io.IOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.xerial.snappy.Snappy;

/**
 * Takes write requests off the network thread and writes them into the engine, answering each only
 * once its samples are durable under the engine's mode.
 *
 * <p>Three threads, in a pipeline. {@code sluice-decode} decompresses a request, decodes it into one of
 * {@value #BATCHES} {@link WriteBatch}es and hashes each series' label key. {@code sluice-ingest}
 * owns one {@link Appender} (so one ring) and the {@link SeriesCache}: it resolves every series of a
 * batch, checks every sample against what the server last wrote to its series, and only if all of
 * that passes adds and commits the samples (a bad request writes nothing). It hands the commit's
 * sequence to {@code sluice-acks}, which waits for it to become durable and answers 204. Sequences of
 * one ring grow, so acks answer in order.
 *
 * <p>Bounded: requests wait in a queue of at most {@code maxPendingBytes} of bodies (a request larger
 * than the budget is still taken when the queue is empty); beyond, {@link #submit} refuses and the
 * caller answers 429 with {@code Retry-After}. When the ring is full the ingest thread blocks in
 * {@code commit}, the batches and then the queue fill, and clients are told to retry: nothing is
 * buffered without bound.
 */
final class Ingestor {
    /** Prometheus' limit on a decompressed remote-write body. */
    static final int MAX_DECOMPRESSED = 32 << 20;
    /** Decoded batches in flight between the decode and the ingest thread. */
    static final int BATCHES = 4;

    enum Format { REMOTE_WRITE, OTLP, OTLP_GZIP }

    private record Job(byte[] body, Format format, Reply.Sink sink) { }

    private record Decoded(Job job, WriteBatch batch) { }

    private record Ack(long sequence, int samples, Reply.Sink sink, Format format, int dropped, String dropReason) { }

    private static final Job STOP = new Job(new byte[0], Format.REMOTE_WRITE, r -> { });
    private static final Decoded STOP_DECODED = new Decoded(STOP, null);

    private final Sluice engine;
    private final ServerMetrics metrics;
    private final long maxPendingBytes;
    private final AtomicLong pendingBytes = new AtomicLong();
    private final BlockingQueue<Job> queue = new LinkedBlockingQueue<>();
    private final BlockingQueue<WriteBatch> free = new ArrayBlockingQueue<>(BATCHES);
    private final BlockingQueue<Decoded> decoded = new ArrayBlockingQueue<>(BATCHES + 1);
    private final BlockingQueue<Ack> acks = new LinkedBlockingQueue<>();
    private final Thread decoder;
    private final Thread ingest;
    private final Thread acker;
    private volatile boolean accepting = true;

    // Owned by the decode thread.
    private final RemoteWriteDecoder remoteWrite = new RemoteWriteDecoder();
    private final OtlpDecoder otlp = new OtlpDecoder();

    // Owned by the ingest thread.
    private final SeriesCache cache = new SeriesCache();
    private int[] states = new int[64];
    private final ProtoReader labelReader = new ProtoReader("Label");
    private boolean[] skip = new boolean[1024];
    private long[] undo = new long[3 * 64];
    private boolean[] undoKnown = new boolean[64];
    private Appender appender;

    /** Benchmarks only: answer a write once decoded, without touching the engine (the request's own floor). */
    private final boolean floor;

    Ingestor(Sluice engine, ServerMetrics metrics, long maxPendingBytes) {
        this(engine, metrics, maxPendingBytes, false);
    }

    Ingestor(Sluice engine, ServerMetrics metrics, long maxPendingBytes, boolean floor) {
        this.floor = floor;
        this.engine = engine;
        this.metrics = metrics;
        this.maxPendingBytes = maxPendingBytes;
        for (int i = 0; i < BATCHES; i++) {
            free.add(new WriteBatch());
        }
        this.decoder = new Thread(this::decodeLoop, "sluice-decode");
        this.ingest = new Thread(this::ingestLoop, "sluice-ingest");
        this.acker = new Thread(this::ackLoop, "sluice-acks");
        for (Thread t : new Thread[] {decoder, ingest, acker}) {
            t.setDaemon(true);
            t.start();
        }
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

    private void decodeLoop() {
        try {
            while (true) {
                Job job = queue.take();
                if (job == STOP) {
                    break;
                }
                WriteBatch b = free.take();
                try {
                    switch (job.format) {
                        case REMOTE_WRITE -> {
                            int len = decompress(job.body, b); // may replace b.plain: read it after
                            remoteWrite.decode(b.plain, len, b);
                        }
                        case OTLP -> otlp.decode(job.body, job.body.length, b);
                        default -> {
                            int len = gunzip(job.body, b);
                            otlp.decode(b.plain, len, b);
                        }
                    }
                } catch (BadRequestException e) {
                    free.add(b);
                    pendingBytes.addAndGet(-job.body.length);
                    metrics.rejectedRequest(e.getMessage());
                    job.sink.send(Reply.text(e.status(), e.getMessage()));
                    continue;
                } catch (RuntimeException e) {
                    // A bug, not the client's fault: answer 500, keep serving.
                    free.add(b);
                    pendingBytes.addAndGet(-job.body.length);
                    job.sink.send(Reply.text(500, "internal error decoding the request: " + e));
                    continue;
                }
                if (floor) {
                    free.add(b);
                    pendingBytes.addAndGet(-job.body.length);
                    job.sink.send(job.format == Format.REMOTE_WRITE ? Reply.empty(204) : OtlpResponse.ok(0, null));
                    continue;
                }
                decoded.put(new Decoded(job, b));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            decoded.add(STOP_DECODED);
        }
    }

    private void ingestLoop() {
        try {
            while (true) {
                Decoded d = decoded.take();
                if (d == STOP_DECODED) {
                    break;
                }
                try {
                    process(d.job, d.batch);
                } finally {
                    free.add(d.batch);
                    pendingBytes.addAndGet(-d.job.body.length);
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
            acks.add(new Ack(-2, 0, null, null, 0, null));
        }
    }

    private void process(Job job, WriteBatch batch) throws InterruptedException {
        int samples;
        try {
            samples = write(batch);
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
        } catch (RuntimeException e) {
            job.sink.send(Reply.text(500, "internal error writing the request: " + e));
            return;
        }
        long seq = samples == 0 ? -1 : appender.commit();
        acks.put(new Ack(seq, samples, job.sink, job.format, batch.dropped, batch.dropReason));
    }

    private static int gunzip(byte[] body, WriteBatch b) throws BadRequestException {
        try (java.util.zip.GZIPInputStream in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(body))) {
            int n = 0;
            while (true) {
                if (n == b.plain.length) {
                    if (n >= MAX_DECOMPRESSED) {
                        throw new BadRequestException(413, "decompressed body is over the limit of " + MAX_DECOMPRESSED
                            + " bytes");
                    }
                    b.plain = java.util.Arrays.copyOf(b.plain, Math.min(MAX_DECOMPRESSED, n * 2));
                }
                int r = in.read(b.plain, n, b.plain.length - n);
                if (r < 0) {
                    return n;
                }
                n += r;
            }
        } catch (IOException e) {
            throw new BadRequestException("bad gzip body: " + e.getMessage());
        }
    }

    private static int decompress(byte[] body, WriteBatch b) throws BadRequestException {
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
        if (b.plain.length < n) {
            b.plain = new byte[Math.max(n, Math.min(MAX_DECOMPRESSED, b.plain.length * 2))];
        }
        try {
            if (!Snappy.isValidCompressedBuffer(body)) {
                throw new BadRequestException("bad snappy block: not a valid snappy-compressed buffer");
            }
            return Snappy.uncompress(body, 0, body.length, b.plain, 0);
        } catch (IOException | RuntimeException e) {
            throw new BadRequestException("bad snappy block: " + e.getMessage());
        }
    }

    /**
     * Resolves, checks, then writes the batch. Returns the samples added (not committed yet).
     * Nothing is added unless every series and sample passed.
     */
    private int write(WriteBatch b) throws BadRequestException {
        if (states.length < b.series) {
            states = new int[Math.max(b.series, states.length * 2)];
            undo = new long[3 * states.length];
            undoKnown = new boolean[states.length];
        }
        if (skip.length < b.samples) {
            skip = new boolean[Math.max(b.samples, skip.length * 2)];
        }
        for (int s = 0; s < b.series; s++) {
            long h = b.keyHash[s];
            int state = cache.find(b, s, h);
            if (state < 0) {
                state = newSeries(b, s, h);
            }
            states[s] = state;
        }
        // Check every sample before writing any; roll the cache back if one fails.
        int touched = 0;
        int duplicates = 0;
        for (int s = 0; s < b.series; s++) {
            int state = states[s];
            undo[3 * touched] = state;
            undo[3 * touched + 1] = cache.lastTimestamp(state);
            undo[3 * touched + 2] = cache.lastBits(state);
            undoKnown[touched] = cache.bitsKnown(state);
            touched++;
            for (int i = b.sampleFrom[s], end = i + b.sampleCount[s]; i < end; i++) {
                long t = b.timestamps[i];
                long bits = b.valueBits[i];
                long last = cache.lastTimestamp(state);
                skip[i] = false;
                if (t > last) {
                    cache.written(state, t, bits);
                    continue;
                }
                boolean known = cache.bitsKnown(state);
                if (t == last && known && cache.lastBits(state) == bits) {
                    skip[i] = true; // an exact duplicate: accepted and not written again, as Prometheus does
                    duplicates++;
                    continue;
                }
                if (t == last && !known) {
                    cache.written(state, t, bits); // the engine tells a duplicate from a conflict
                    continue;
                }
                rollback(touched);
                boolean ooo = t < last;
                metrics.rejectedSamples(ooo ? "out_of_order" : "duplicate_timestamp", b.samples);
                throw new BadRequestException(ooo
                    ? "out of order sample: series " + b.describe(s) + " has a sample at " + last
                        + ", this one is at " + t
                    : "duplicate sample for timestamp: series " + b.describe(s) + " has another value at " + t);
            }
        }
        if (appender == null) {
            appender = engine.appender();
        }
        int added = 0;
        for (int s = 0; s < b.series; s++) {
            long ref = cache.ref(states[s]);
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
            cache.restore((int) undo[3 * k], undo[3 * k + 1], undo[3 * k + 2], undoKnown[k]);
        }
    }

    private int newSeries(WriteBatch b, int s, long hash) throws BadRequestException {
        String[] kv = b.format[s] == WriteBatch.OTLP ? OtlpLabels.build(b, s) : b.parseLabels(s, labelReader);
        Labels labels;
        try {
            labels = Labels.of(kv);
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
        a.sink.send(a.format == Format.REMOTE_WRITE ? Reply.empty(204) : OtlpResponse.ok(a.dropped, a.dropReason));
    }

    /** Stops taking requests, writes and answers those queued, then returns. */
    void close() throws InterruptedException {
        accepting = false;
        queue.add(STOP);
        for (Thread t : new Thread[] {decoder, ingest, acker}) {
            t.join(TimeUnit.SECONDS.toMillis(60));
        }
    }
}
