package io.sluice.bench.jmh;

import com.lmax.disruptor.BatchEventProcessor;
import com.lmax.disruptor.BatchEventProcessorBuilder;
import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.PhasedBackoffWaitStrategy;
import com.lmax.disruptor.RingBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32C;

/**
 * Ring topology, isolated from the WAL: which way of carrying samples from producers ({@code -t N})
 * to per-shard single writers moves the most samples per second?
 *
 * <ul>
 *   <li>{@code ONE_RING_BATCH}: one multi-producer ring; an event carries up to 256 samples of one
 *       shard; every shard's handler sees every event and skips the others' (what Sluice does).</li>
 *   <li>{@code RING_PER_SHARD_BATCH}: one ring per shard, same batch events.</li>
 *   <li>{@code ONE_RING_PER_SAMPLE}: one ring; an event is one sample; handlers filter.</li>
 *   <li>{@code RING_PER_SHARD_PER_SAMPLE}: one ring per shard; an event is one sample.</li>
 * </ul>
 *
 * Every handler does the same work per sample: it copies the timestamp and value into a 64 MiB
 * off-heap buffer (as the WAL does) and checksums what it wrote with CRC32C at the end of each batch.
 * A producer operation writes 100 samples of one series (its shard is the series id mod shards) and
 * publishes them. Wait strategy: Sluice's default (phased backoff, lite lock).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class TopologyBenchmark {
    static final int BATCH = 100;
    static final int CAPACITY = 256;
    static final int RING = 1024;

    /** A batch of one shard's samples. */
    public static final class BatchEvent {
        int shard;
        int count;
        final long[] ts = new long[CAPACITY];
        final double[] values = new double[CAPACITY];
    }

    /** One sample. */
    public static final class SampleEvent {
        int shard;
        long ts;
        double value;
    }

    /** The work every topology's handler does per sample: an off-heap append, a CRC per batch. */
    static final class Sink {
        final UnsafeBuffer buf;
        final ByteBuffer crcView;
        final CRC32C crc = new CRC32C();
        int pos;
        int batchStart;
        long checksum;

        Sink() {
            ByteBuffer bb = ByteBuffer.allocateDirect(64 << 20).order(ByteOrder.LITTLE_ENDIAN);
            crcView = bb.duplicate();
            buf = new UnsafeBuffer(bb);
        }

        void append(long ts, double value) {
            if (pos + 16 > buf.capacity()) {
                endOfBatch();
                pos = 0;
                batchStart = 0;
            }
            buf.putLong(pos, ts);
            buf.putDouble(pos + 8, value);
            pos += 16;
        }

        void endOfBatch() {
            if (pos > batchStart) {
                crcView.limit(pos).position(batchStart);
                crc.reset();
                crc.update(crcView);
                checksum += crc.getValue();
                batchStart = pos;
            }
        }
    }

    static final class BatchHandler implements EventHandler<BatchEvent> {
        final int shard;
        final Sink sink = new Sink();

        BatchHandler(int shard) {
            this.shard = shard;
        }

        @Override
        public void onEvent(BatchEvent e, long sequence, boolean endOfBatch) {
            if (e.shard == shard) {
                for (int i = 0; i < e.count; i++) {
                    sink.append(e.ts[i], e.values[i]);
                }
            }
            if (endOfBatch) {
                sink.endOfBatch();
            }
        }
    }

    static final class SampleHandler implements EventHandler<SampleEvent> {
        final int shard;
        final Sink sink = new Sink();

        SampleHandler(int shard) {
            this.shard = shard;
        }

        @Override
        public void onEvent(SampleEvent e, long sequence, boolean endOfBatch) {
            if (e.shard == shard) {
                sink.append(e.ts, e.value);
            }
            if (endOfBatch) {
                sink.endOfBatch();
            }
        }
    }

    /** The rings and handler threads of one topology. */
    @State(Scope.Benchmark)
    public static class Pipeline {
        @Param({"ONE_RING_BATCH", "RING_PER_SHARD_BATCH", "ONE_RING_PER_SAMPLE", "RING_PER_SHARD_PER_SAMPLE"})
        String topology;

        @Param({"1", "2"})
        int shards;

        RingBuffer<BatchEvent>[] batchRings;
        RingBuffer<SampleEvent>[] sampleRings;
        BatchEventProcessor<?>[] processors;
        Thread[] threads;
        final AtomicInteger producers = new AtomicInteger();

        boolean perShard() {
            return topology.startsWith("RING_PER_SHARD");
        }

        boolean batch() {
            return topology.endsWith("BATCH");
        }

        @Setup(Level.Trial)
        @SuppressWarnings({"unchecked", "rawtypes"})
        public void start() {
            int rings = perShard() ? shards : 1;
            processors = new BatchEventProcessor[shards];
            threads = new Thread[shards];
            if (batch()) {
                batchRings = new RingBuffer[rings];
                for (int r = 0; r < rings; r++) {
                    batchRings[r] = RingBuffer.createMultiProducer(BatchEvent::new, RING, waitStrategy());
                }
                for (int s = 0; s < shards; s++) {
                    RingBuffer<BatchEvent> ring = batchRings[perShard() ? s : 0];
                    BatchEventProcessor<BatchEvent> p = new BatchEventProcessorBuilder().build(ring, ring.newBarrier(),
                        new BatchHandler(s));
                    ring.addGatingSequences(p.getSequence());
                    processors[s] = p;
                }
            } else {
                sampleRings = new RingBuffer[rings];
                for (int r = 0; r < rings; r++) {
                    sampleRings[r] = RingBuffer.createMultiProducer(SampleEvent::new, RING * CAPACITY / 4,
                        waitStrategy());
                }
                for (int s = 0; s < shards; s++) {
                    RingBuffer<SampleEvent> ring = sampleRings[perShard() ? s : 0];
                    BatchEventProcessor<SampleEvent> p = new BatchEventProcessorBuilder().build(ring,
                        ring.newBarrier(), new SampleHandler(s));
                    ring.addGatingSequences(p.getSequence());
                    processors[s] = p;
                }
            }
            for (int s = 0; s < shards; s++) {
                threads[s] = new Thread(processors[s], "topology-shard-" + s);
                threads[s].setDaemon(true);
                threads[s].start();
            }
        }

        private static PhasedBackoffWaitStrategy waitStrategy() {
            return PhasedBackoffWaitStrategy.withLiteLock(10_000, 100_000, TimeUnit.NANOSECONDS);
        }

        @TearDown(Level.Trial)
        public void stop() throws InterruptedException {
            for (BatchEventProcessor<?> p : processors) {
                p.halt();
            }
            for (Thread t : threads) {
                t.join(5000);
            }
        }
    }

    /** A producer's staging area and series. */
    @State(Scope.Thread)
    public static class Producer {
        final long[] ts = new long[BATCH];
        final double[] values = new double[BATCH];
        long series;
        long clock;

        @Setup(Level.Trial)
        public void init(Pipeline p) {
            series = p.producers.getAndIncrement() * 1000L;
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void publish(Pipeline p, Producer producer) {
        long s = producer.series++;
        int shard = (int) (s % p.shards);
        long base = producer.clock += BATCH;
        for (int j = 0; j < BATCH; j++) {
            producer.ts[j] = base + j;
            producer.values[j] = s + j;
        }
        int ring = p.perShard() ? shard : 0;
        if (p.batch()) {
            RingBuffer<BatchEvent> rb = p.batchRings[ring];
            long seq = rb.next();
            BatchEvent e = rb.get(seq);
            e.shard = shard;
            e.count = BATCH;
            System.arraycopy(producer.ts, 0, e.ts, 0, BATCH);
            System.arraycopy(producer.values, 0, e.values, 0, BATCH);
            rb.publish(seq);
        } else {
            RingBuffer<SampleEvent> rb = p.sampleRings[ring];
            long hi = rb.next(BATCH);
            long lo = hi - BATCH + 1;
            for (int j = 0; j < BATCH; j++) {
                SampleEvent e = rb.get(lo + j);
                e.shard = shard;
                e.ts = producer.ts[j];
                e.value = producer.values[j];
            }
            rb.publish(lo, hi);
        }
    }
}
