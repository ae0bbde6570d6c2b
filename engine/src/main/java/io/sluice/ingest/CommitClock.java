package io.sluice.ingest;

/**
 * When a commit reads the clock for its latency origin, and how a shard counts the commits that did
 * not. Reading {@link System#nanoTime()} was a quarter of a per-item commit's producer time
 * (docs/benchmarks.md, "Batch and per-item commits"), so a producer reads it only once
 * {@link #EVERY_SAMPLES} samples have been committed to some shard of the commit since its last read
 * for that shard: a commit of that many samples or more reads it every time, and of per-item commits
 * to one shard one in sixteen does. The others carry {@link SampleBatchEvent#NO_ORIGIN}, and the
 * shard adds their samples to its next event that has an origin ({@link Carry}): per-item latency is
 * a systematic one-in-sixteen sample, each measured commit standing for the unmeasured ones before
 * it. Counting per shard keeps every shard measured whatever order the commits take (one shared
 * count would let a producer that alternates two shards measure only one of them), and the
 * histograms count every sample but a shard's last few (fewer than sixteen per producer).
 *
 * <p>Threading: one producer thread per instance; a {@link Carry} belongs to one consumer thread.
 */
public final class CommitClock {
    /** Samples committed between two reads of the clock. */
    public static final int EVERY_SAMPLES = 16;

    /** Per shard: samples committed since the clock was last read for it. */
    private final int[] unclocked;

    /** @param shards the shards commits go to */
    public CommitClock(int shards) {
        this.unclocked = new int[shards];
    }

    /**
     * The latency origin for a commit of {@code counts[s]} samples to each shard {@code s}: the clock
     * if some shard of the commit has had at least {@link #EVERY_SAMPLES} samples committed since its
     * last read, this commit's included (the read then counts for every shard of the commit); else
     * {@link SampleBatchEvent#NO_ORIGIN}.
     */
    public long origin(int[] counts) {
        boolean due = false;
        for (int s = 0; s < counts.length; s++) {
            int c = counts[s];
            if (c != 0 && (unclocked[s] += c) >= EVERY_SAMPLES) {
                due = true;
            }
        }
        if (!due) {
            return SampleBatchEvent.NO_ORIGIN;
        }
        for (int s = 0; s < counts.length; s++) {
            if (counts[s] != 0) {
                unclocked[s] = 0;
            }
        }
        return System.nanoTime();
    }

    /** {@link #origin(int[])} for a commit of {@code samples} to {@code shard} alone. */
    public long origin(int shard, int samples) {
        int u = unclocked[shard] + samples;
        if (u >= EVERY_SAMPLES) {
            unclocked[shard] = 0;
            return System.nanoTime();
        }
        unclocked[shard] = u;
        return SampleBatchEvent.NO_ORIGIN;
    }

    /** The consumer's side: the samples of events without an origin, until an event with one comes. */
    public static final class Carry {
        private long carried;

        /**
         * The count to record for an event of {@code count} samples with latency origin
         * {@code origin}: 0 (record nothing) if it has no origin, whose samples are carried;
         * otherwise its samples and those carried so far.
         */
        public long weigh(long origin, int count) {
            if (origin == SampleBatchEvent.NO_ORIGIN) {
                carried += count;
                return 0;
            }
            long weight = carried + count;
            carried = 0;
            return weight;
        }
    }
}
