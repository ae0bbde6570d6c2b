package io.sluice.block;

import org.agrona.collections.Long2LongHashMap;

import java.util.Arrays;

/**
 * Gathers the postings of a block being written: for every (name, value) pair, the ids of the
 * series that carry it, in series order. It keeps one int per (series, label) and a hash entry per
 * distinct pair, and no object per posting: the pairs are grouped with a counting sort at the end.
 * A pair is identified by its two symbol numbers; since symbols are numbered in sorted order,
 * sorting pairs by {@code (name symbol, value symbol)} sorts them by (name, value) as well.
 *
 * <p>Threading: one thread.
 */
final class PostingsCollector {
    private final Long2LongHashMap pairIds = new Long2LongHashMap(-1);
    private long[] pairKeys = new long[1024];
    private int[] pairCounts = new int[1024];
    private int pairs;

    private int[] labelPairs = new int[4096];
    private int labelCount;
    private int[] seriesIds = new int[256];
    private int[] seriesLabelEnd = new int[256];
    private int series;

    /** Records series {@code id} (ids must increase) with {@code n} labels as symbol numbers {@code name0, value0, ...}. */
    void add(int id, int[] symbols, int n) {
        if (series == seriesIds.length) {
            seriesIds = Arrays.copyOf(seriesIds, 2 * series);
            seriesLabelEnd = Arrays.copyOf(seriesLabelEnd, 2 * series);
        }
        if (labelCount + n > labelPairs.length) {
            labelPairs = Arrays.copyOf(labelPairs, Math.max(2 * labelPairs.length, labelCount + n));
        }
        for (int i = 0; i < n; i++) {
            long key = (long) symbols[2 * i] << 32 | (symbols[2 * i + 1] & 0xFFFF_FFFFL);
            long pair = pairIds.get(key);
            if (pair < 0) {
                if (pairs == pairKeys.length) {
                    pairKeys = Arrays.copyOf(pairKeys, 2 * pairs);
                    pairCounts = Arrays.copyOf(pairCounts, 2 * pairs);
                }
                pair = pairs++;
                pairIds.put(key, pair);
                pairKeys[(int) pair] = key;
            }
            pairCounts[(int) pair]++;
            labelPairs[labelCount++] = (int) pair;
        }
        seriesIds[series] = id;
        seriesLabelEnd[series] = labelCount;
        series++;
    }

    /** Series recorded. */
    int seriesCount() {
        return series;
    }

    /** The id of the i-th series recorded: together, the all-series posting. */
    int seriesId(int i) {
        return seriesIds[i];
    }

    /** The grouped postings, pairs in (name, value) order. */
    Grouped group() {
        long[] sortedKeys = Arrays.copyOf(pairKeys, pairs);
        Arrays.sort(sortedKeys);
        int[] rank = new int[pairs]; // pair id -> position in sorted order
        for (int r = 0; r < pairs; r++) {
            rank[(int) pairIds.get(sortedKeys[r])] = r;
        }
        int[] start = new int[pairs + 1];
        for (int p = 0; p < pairs; p++) {
            start[rank[p] + 1] = pairCounts[p];
        }
        for (int r = 0; r < pairs; r++) {
            start[r + 1] += start[r];
        }
        int[] fill = Arrays.copyOf(start, pairs);
        int[] refs = new int[labelCount];
        int label = 0;
        for (int s = 0; s < series; s++) {
            for (int end = seriesLabelEnd[s]; label < end; label++) {
                refs[fill[rank[labelPairs[label]]]++] = seriesIds[s];
            }
        }
        labelPairs = null; // the grouped copy replaces it
        return new Grouped(sortedKeys, start, refs);
    }

    /**
     * Postings grouped by pair: pair {@code r} (in sorted order) has name symbol
     * {@code keys[r] >>> 32}, value symbol {@code (int) keys[r]}, and series ids
     * {@code refs[start[r] .. start[r + 1])}, ascending.
     */
    record Grouped(long[] keys, int[] start, int[] refs) {
        int nameSymbol(int r) {
            return (int) (keys[r] >>> 32);
        }

        int valueSymbol(int r) {
            return (int) keys[r];
        }
    }
}
