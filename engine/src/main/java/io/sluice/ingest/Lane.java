package io.sluice.ingest;

import com.lmax.disruptor.BusySpinWaitStrategy;
import com.lmax.disruptor.EventFactory;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.Sequence;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * One producer's ring: a single-producer Disruptor ring that one appender at a time publishes to,
 * and that every consumer of its {@link Lanes} reads. The producer claims without a CAS and
 * publishes with a release store; nothing is shared with other producers. The ring's own wait
 * strategy is never waited on (consumers poll, {@link Lanes}), so it is one whose publish signals
 * nothing.
 *
 * <p>Each consumer has a gating {@link Sequence} here (the slots it has taken, which the producer
 * may then reuse) and two published positions: the last sequence whose events it has appended, and
 * the last it has made durable. They sit 128 bytes apart so that consumers do not share a cache line.
 *
 * <p>A lane belongs to one producer thread (the Disruptor asserts that of a single-producer ring);
 * every appender that thread publishes with uses it. Once that thread has ended and every consumer
 * has made all of the lane durable, {@link Lanes#acquire} may put a new lane at its index, whose
 * sequences continue where this one's ended ({@link #base()}), so a sequence never names two
 * samples.
 *
 * <p>Threading: {@link #ring()} claims and publishes belong to the owning appender's thread; the
 * positions are written by their consumer and read by anyone.
 *
 * @param <E> the ring's event type
 */
public final class Lane<E> {
    /** Longs between two consumers' positions: 128 bytes. */
    private static final int STRIDE = 16;
    private static final int DURABLE = 8;

    private final int index;
    private final long base;
    private final RingBuffer<E> ring;
    private final Sequence[] taken;
    private final AtomicLongArray positions;
    private final Thread producer;
    Lane(int index, long base, Thread producer, int size, EventFactory<E> factory, int consumers) {
        this.index = index;
        this.producer = producer;
        this.base = base;
        this.ring = RingBuffer.createSingleProducer(factory, size, new BusySpinWaitStrategy());
        this.taken = new Sequence[consumers];
        for (int c = 0; c < consumers; c++) {
            taken[c] = new Sequence();
        }
        ring.addGatingSequences(taken);
        this.positions = new AtomicLongArray(consumers * STRIDE);
        for (int c = 0; c < consumers; c++) {
            positions.set(c * STRIDE, -1);
            positions.set(c * STRIDE + DURABLE, -1);
        }
    }

    /** This lane's number, the low bits of every sequence published through it. */
    public int index() {
        return index;
    }

    /** The lane sequence of this ring's sequence 0: where the lane's earlier rings at this index ended. */
    public long base() {
        return base;
    }

    public RingBuffer<E> ring() {
        return ring;
    }

    /** The sequence callers see for this ring's sequence {@code ringSequence} ({@link Lanes#laneOf}). */
    public long sequence(long ringSequence) {
        return Lanes.sequence(index, base + ringSequence);
    }

    Thread producer() {
        return producer;
    }

    /** Its thread has ended, and every consumer has made everything published here durable. */
    boolean retired() {
        if (producer.isAlive()) {
            return false;
        }
        long cursor = ring.getCursor();
        for (int c = 0; c < taken.length; c++) {
            if (durable(c) < cursor) {
                return false;
            }
        }
        return true;
    }

    /** The slots consumer {@code c} has taken (a gating sequence of the ring). */
    Sequence taken(int c) {
        return taken[c];
    }

    /** Consumer {@code c} has appended this lane's events up to {@code sequence}. */
    public void publishAppended(int c, long sequence) {
        positions.setRelease(c * STRIDE, sequence);
    }

    /** Consumer {@code c} has made this lane's events durable up to {@code sequence}. */
    public void publishDurable(int c, long sequence) {
        positions.setRelease(c * STRIDE + DURABLE, sequence);
    }

    public long appended(int c) {
        return positions.get(c * STRIDE);
    }

    public long durable(int c) {
        return positions.get(c * STRIDE + DURABLE);
    }

    int consumers() {
        return taken.length;
    }

    /** True if consumer {@code c} has not taken every published event. */
    boolean hasUntaken(int c) {
        return ring.getCursor() > taken[c].get();
    }
}
