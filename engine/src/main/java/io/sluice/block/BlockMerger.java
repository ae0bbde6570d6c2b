package io.sluice.block;

import io.sluice.engine.Labels;
import org.roaringbitmap.IntIterator;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;

/**
 * The series of several blocks merged into one {@link BlockSource}, as Prometheus' leveled compactor
 * merges blocks that do not overlap in time: a series present in several parents gets their chunks
 * one after the other, copied byte for byte (no chunk is re-encoded).
 *
 * <p>The merge walks the parents' indexes in label order once, up front, and keeps each parent's
 * symbols (decoded once, equal strings shared), each output series' label set (whose strings are
 * those symbols: about 100 bytes a series) and two ints per (series, parent) pair.
 *
 * <p>The parents must be in time order and must not overlap ({@code parents[i].maxTime <=
 * parents[i + 1].minTime}), and must have no tombstones; the constructor refuses anything else with
 * an {@link IllegalArgumentException}.
 *
 * <p>Threading: the writer's thread only. The parents must stay open until the block is written.
 */
public final class BlockMerger implements BlockSource {
    private final BlockReader[] parents;
    private final BooleanSupplier cancelled;
    private final ChunkView view = new ChunkView();
    private final String[][] symbols; // per parent, its symbols decoded once
    private String[] union;
    private int count;
    private int[] starts = new int[1024]; // output series i owns pairs [starts[i], starts[i + 1])
    private int pairs;
    private Labels[] labels = new Labels[1024]; // per output series; their strings are the interned symbols
    private int[] pairBlock = new int[1024];
    private int[] pairId = new int[1024];

    /**
     * Plans the merge of {@code parents}.
     *
     * @param cancelled polled between series; once it answers true the write fails with a
     *                  {@link CancellationException} (and {@link BlockWriter} deletes what it wrote)
     * @throws BlockCorruptionException if a parent's index is damaged
     */
    public BlockMerger(List<BlockReader> parents, BooleanSupplier cancelled) throws BlockCorruptionException {
        this.parents = parents.toArray(new BlockReader[0]);
        this.cancelled = cancelled;
        this.symbols = new String[this.parents.length][];
        for (int i = 0; i < this.parents.length; i++) {
            BlockReader b = this.parents[i];
            if (!b.tombstones().isEmpty()) {
                throw new IllegalArgumentException("block " + b.meta().ulid() + " has tombstones; it cannot be merged"
                    + " by copying chunks");
            }
            symbols[i] = new String[b.symbolCount()];
            if (i > 0 && this.parents[i - 1].meta().maxTime() > b.meta().minTime()) {
                throw new IllegalArgumentException("blocks " + this.parents[i - 1].meta().ulid() + " and "
                    + b.meta().ulid() + " overlap or are out of time order");
            }
        }
        // Every parent's symbols, decoded once, equal strings of different parents made one object:
        // comparing label sets across parents then mostly finds identical strings.
        java.util.HashMap<String, String> interned = new java.util.HashMap<>();
        for (int i = 0; i < this.parents.length; i++) {
            BlockReader b = this.parents[i];
            for (int n = 0; n < symbols[i].length; n++) {
                String sym = b.symbol(n);
                String canonical = interned.putIfAbsent(sym, sym);
                symbols[i][n] = canonical != null ? canonical : sym;
            }
        }
        // The merged block's symbol table is the union of the parents' (each lists exactly the strings
        // of its series), as in Prometheus' populateBlock: the writer streams with it.
        union = interned.keySet().toArray(new String[0]);
        LabelOrder.sort(union);
        plan();
    }

    private void plan() throws BlockCorruptionException {
        int k = parents.length;
        IntIterator[] its = new IntIterator[k];
        Labels[] cur = new Labels[k];
        int[] curId = new int[k];
        for (int b = 0; b < k; b++) {
            its[b] = parents[b].allSeries().getIntIterator();
            advance(b, its, cur, curId);
        }
        starts[0] = 0;
        while (true) {
            Labels min = null;
            for (int b = 0; b < k; b++) {
                if (cur[b] != null && (min == null || LabelOrder.compare(cur[b], min) < 0)) {
                    min = cur[b];
                }
            }
            if (min == null) {
                return;
            }
            if (count == labels.length) {
                labels = Arrays.copyOf(labels, count * 2);
            }
            labels[count] = min;
            for (int b = 0; b < k; b++) { // parents in time order: so are a series' chunks
                if (cur[b] != null && LabelOrder.compare(cur[b], min) == 0) {
                    addPair(b, curId[b]);
                    advance(b, its, cur, curId);
                }
            }
            count++;
            if (count + 1 >= starts.length) {
                starts = Arrays.copyOf(starts, starts.length * 2);
            }
            starts[count] = pairs;
        }
    }

    private void advance(int b, IntIterator[] its, Labels[] cur, int[] curId) throws BlockCorruptionException {
        if (its[b].hasNext()) {
            curId[b] = its[b].next();
            cur[b] = parents[b].labels(curId[b], symbols[b]);
        } else {
            cur[b] = null;
        }
    }

    private void addPair(int block, int id) {
        if (pairs == pairBlock.length) {
            pairBlock = Arrays.copyOf(pairBlock, pairs * 2);
            pairId = Arrays.copyOf(pairId, pairs * 2);
        }
        pairBlock[pairs] = block;
        pairId[pairs++] = id;
    }

    @Override
    public String[] symbols() {
        return union;
    }

    @Override
    public int seriesCount() {
        return count;
    }

    @Override
    public Labels labels(int i) {
        return labels[i];
    }

    @Override
    public void chunks(int i, ChunkSink sink) throws IOException {
        if (cancelled.getAsBoolean()) {
            throw new CancellationException("block merge cancelled");
        }
        for (int p = starts[i]; p < starts[i + 1]; p++) {
            BlockReader block = parents[pairBlock[p]];
            BlockSeries s = block.chunkMetas(pairId[p]);
            for (int c = 0; c < s.chunkCount(); c++) {
                block.chunk(s.chunkRef(c), view);
                sink.chunk(s.chunkMinTime(c), s.chunkMaxTime(c), view.encoding(), view.buffer(), view.offset(),
                    view.length());
            }
        }
    }
}
