package io.sluice.chunk;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One series of a Prometheus 2.42 head, reduced to what decides its chunks ({@code memSeries.append}
 * and {@code appendPreprocessor}): an open {@link XorAppender}, the series' {@code nextAt}, and the
 * chunks cut so far. It calls {@link ChunkCutRule} the way the class comment there prescribes.
 */
final class HeadSeriesModel {
    /** A chunk the model cut (or the open one): its time range and a copy of its bytes. */
    record Chunk(long minT, long maxT, int numSamples, byte[] bytes) {
    }

    private final long chunkRange;
    private final XorAppender open = new XorAppender(128);
    private final List<Chunk> sealed = new ArrayList<>();
    private long nextAt;
    private boolean created;

    HeadSeriesModel(long chunkRange) {
        this.chunkRange = chunkRange;
    }

    /**
     * Appends as the head does: an out-of-order or duplicate timestamp is refused (false); returns
     * true otherwise. {@link #lastAppendCreatedChunk()} says whether it started a chunk.
     */
    boolean append(long t, long valueBits) {
        int n = open.numSamples();
        if (n > 0 && t <= open.lastTimestamp()) {
            return false;
        }
        long next = ChunkCutRule.nextAtBeforeAppend(n, open.firstTimestamp(), open.lastTimestamp(), nextAt, t, chunkRange);
        created = n == 0;
        if (ChunkCutRule.cutBeforeAppend(n, next, t)) {
            sealed.add(snapshot());
            open.reset();
            next = ChunkCutRule.rangeForTimestamp(t, chunkRange);
            created = true;
        }
        nextAt = next;
        open.append(t, valueBits);
        return true;
    }

    boolean lastAppendCreatedChunk() {
        return created;
    }

    long nextAt() {
        return nextAt;
    }

    /** The cut chunks and then the open one (if it has samples). */
    List<Chunk> chunks() {
        List<Chunk> all = new ArrayList<>(sealed);
        if (open.numSamples() > 0) {
            all.add(snapshot());
        }
        return all;
    }

    private Chunk snapshot() {
        return new Chunk(open.firstTimestamp(), open.lastTimestamp(), open.numSamples(),
            Arrays.copyOf(open.bytes(), open.byteLength()));
    }
}
