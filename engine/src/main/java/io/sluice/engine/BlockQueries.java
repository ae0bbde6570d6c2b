package io.sluice.engine;

import io.sluice.block.BlockCorruptionException;
import io.sluice.block.BlockReader;
import io.sluice.block.BlockSeries;
import io.sluice.block.ChunkView;
import io.sluice.chunk.XorChunkDescriptor;
import io.sluice.chunk.XorIterator;
import org.roaringbitmap.RoaringBitmap;

import java.io.UncheckedIOException;

/**
 * The read side over a {@link BlockStore.View}'s blocks: a series found by its labels in each block,
 * its chunks decoded in place. Blocks are read oldest first, and a sample at or before the last one
 * delivered is skipped, so blocks that overlap (imported from Prometheus, say) never repeat a sample.
 * Samples a block's tombstones delete (Prometheus' admin API writes them) are skipped and not counted,
 * as Prometheus' queries skip them.
 * A damaged block found while reading throws {@link UncheckedIOException} wrapping the
 * {@link BlockCorruptionException} that names the file and offset.
 *
 * <p>Threading: static; the caller holds the engine's reader gate (blocks stay mapped).
 */
final class BlockQueries {
    private BlockQueries() {
    }

    /** The id of the series with exactly {@code labels} in {@code block}, or -1. */
    static int find(BlockReader block, Labels labels) throws BlockCorruptionException {
        RoaringBitmap ids = null;
        for (int i = 0; i < labels.size() && (ids == null || !ids.isEmpty()); i++) {
            RoaringBitmap p = block.postings(labels.name(i), labels.value(i));
            ids = ids == null ? p : RoaringBitmap.and(ids, p);
        }
        if (ids == null) {
            return -1;
        }
        org.roaringbitmap.IntIterator it = ids.getIntIterator();
        while (it.hasNext()) {
            int id = it.next();
            if (block.labels(id).equals(labels)) {
                return id;
            }
        }
        return -1;
    }

    /**
     * Delivers the samples of {@code labels} in {@code [mint, maxt]} from every block, oldest first,
     * each after {@code last[0]} (updated).
     *
     * @return samples delivered
     */
    static long read(BlockReader[] blocks, Labels labels, long mint, long maxt, SampleConsumer consumer, long[] last) {
        long delivered = 0;
        ChunkView view = new ChunkView();
        XorIterator it = new XorIterator();
        try {
            for (BlockReader b : blocks) {
                if (b.meta().maxTime() <= mint || b.meta().minTime() > maxt) {
                    continue;
                }
                int id = find(b, labels);
                if (id < 0) {
                    continue;
                }
                BlockSeries series = b.series(id);
                long[] deleted = b.deletedRanges(id);
                for (int c = 0; c < series.chunkCount(); c++) {
                    if (series.chunkMaxTime(c) < mint || series.chunkMaxTime(c) <= last[0]) {
                        continue;
                    }
                    if (series.chunkMinTime(c) > maxt) {
                        break;
                    }
                    b.chunk(series.chunkRef(c), view);
                    if (view.encoding() != XorChunkDescriptor.ENCODING_XOR) {
                        continue; // native histograms: not samples Sluice serves
                    }
                    it.reset(view.buffer(), view.offset(), view.length());
                    while (it.next()) {
                        long ts = it.timestamp();
                        if (ts > maxt) {
                            break;
                        }
                        if (ts >= mint && ts > last[0] && !BlockReader.isDeleted(deleted, ts)) {
                            consumer.accept(ts, it.value());
                            last[0] = ts;
                            delivered++;
                        }
                    }
                }
            }
        } catch (BlockCorruptionException e) {
            throw new UncheckedIOException(e);
        }
        return delivered;
    }

    /**
     * Samples of {@code labels} in every block (overlapping blocks counted once each): the chunk
     * headers' counts, or, for a series with tombstones, the samples they leave.
     */
    static long sampleCount(BlockReader[] blocks, Labels labels) {
        long n = 0;
        ChunkView view = new ChunkView();
        try {
            for (BlockReader b : blocks) {
                int id = find(b, labels);
                if (id < 0) {
                    continue;
                }
                BlockSeries series = b.series(id);
                long[] deleted = b.deletedRanges(id);
                for (int c = 0; c < series.chunkCount(); c++) {
                    b.chunk(series.chunkRef(c), view);
                    if (view.encoding() != XorChunkDescriptor.ENCODING_XOR) {
                        continue;
                    }
                    if (deleted == null) {
                        n += view.sampleCount();
                    } else {
                        XorIterator it = new XorIterator();
                        it.reset(view.buffer(), view.offset(), view.length());
                        while (it.next()) {
                            n += BlockReader.isDeleted(deleted, it.timestamp()) ? 0 : 1;
                        }
                    }
                }
            }
        } catch (BlockCorruptionException e) {
            throw new UncheckedIOException(e);
        }
        return n;
    }
}
