package io.sluice.block;

import io.sluice.chunk.ChunkCutRule;
import io.sluice.chunk.XorAppender;
import io.sluice.chunk.XorIterator;
import io.sluice.engine.Labels;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A series for block tests: its samples, and the XOR chunks that Prometheus' head would cut for them
 * (built with the chunk package's {@link XorAppender} and {@link ChunkCutRule}).
 */
final class TestSeries {
    /** One encoded chunk. */
    static final class Chunk {
        final long minT;
        final long maxT;
        final byte[] bytes;
        final int samples;

        Chunk(long minT, long maxT, byte[] bytes, int samples) {
            this.minT = minT;
            this.maxT = maxT;
            this.bytes = bytes;
            this.samples = samples;
        }
    }

    final Labels labels;
    final long[] times;
    final long[] valueBits;
    final List<Chunk> chunks;

    TestSeries(Labels labels, long[] times, long[] valueBits) {
        this.labels = labels;
        this.times = times;
        this.valueBits = valueBits;
        this.chunks = encode(times, valueBits);
    }

    int sampleCount() {
        return times.length;
    }

    /** Cuts and encodes the samples as Prometheus 2.42's head does (2 h chunk range). */
    static List<Chunk> encode(long[] times, long[] bits) {
        List<Chunk> out = new ArrayList<>();
        XorAppender app = new XorAppender(256);
        long nextAt = Long.MIN_VALUE;
        for (int i = 0; i < times.length; i++) {
            long t = times[i];
            int n = app.numSamples();
            nextAt = ChunkCutRule.nextAtBeforeAppend(n, app.firstTimestamp(), app.lastTimestamp(), nextAt, t,
                ChunkCutRule.DEFAULT_CHUNK_RANGE);
            if (ChunkCutRule.cutBeforeAppend(n, nextAt, t)) {
                out.add(seal(app));
                app.reset();
                nextAt = ChunkCutRule.rangeForTimestamp(t, ChunkCutRule.DEFAULT_CHUNK_RANGE);
            }
            app.append(t, bits[i]);
        }
        if (app.numSamples() > 0) {
            out.add(seal(app));
        }
        return out;
    }

    private static Chunk seal(XorAppender app) {
        return new Chunk(app.firstTimestamp(), app.lastTimestamp(), Arrays.copyOf(app.bytes(), app.byteLength()),
            app.numSamples());
    }

    /** Decodes a chunk view into (time, value bits) pairs appended to the two lists. */
    static void decode(ChunkView v, List<Long> times, List<Long> bits) {
        XorIterator it = new XorIterator();
        it.reset(v.buffer(), v.offset(), v.length());
        while (it.next()) {
            times.add(it.timestamp());
            bits.add(it.valueBits());
        }
    }

    /** A source over series already sorted in {@link LabelOrder}, handing over every chunk. */
    static BlockSource source(List<TestSeries> sorted) {
        return new BlockSource() {
            @Override
            public int seriesCount() {
                return sorted.size();
            }

            @Override
            public Labels labels(int i) {
                return sorted.get(i).labels;
            }

            @Override
            public void chunks(int i, ChunkSink sink) throws IOException {
                UnsafeBuffer buf = new UnsafeBuffer(new byte[0]);
                for (Chunk c : sorted.get(i).chunks) {
                    buf.wrap(c.bytes);
                    sink.chunk(c.minT, c.maxT, (byte) 1, buf, 0, c.bytes.length);
                }
            }
        };
    }
}
