package io.sluice.block;

import java.util.List;
import java.util.Objects;

/**
 * A block's {@code meta.json}: Prometheus' {@code BlockMeta} (tsdb/block.go). The block holds the
 * samples with {@code minTime <= t < maxTime} ({@code maxTime} is exclusive). Fields of Prometheus'
 * meta that Sluice does not use ({@code deletable}, {@code failed}, {@code hints}, and anything added
 * by other tools) are skipped when reading and not written.
 *
 * <p>Threading: immutable.
 *
 * @param ulid              the block's name and identity
 * @param minTime           smallest sample time the block may hold, in milliseconds
 * @param maxTime           the exclusive upper bound of its sample times, in milliseconds
 * @param numSamples        samples in the block (the sum of its chunks' sample counts)
 * @param numSeries         series in the block
 * @param numChunks         chunks in the block
 * @param numTombstones     tombstones in the block's {@code tombstones} file, as the meta states it
 * @param compactionLevel   1 for a block cut from the head, higher for compacted blocks
 * @param compactionSources the ULIDs of the level-1 blocks this block's data came from
 * @param compactionParents the blocks this one was compacted from (empty for a level-1 block): once
 *                          it exists they are duplicates, and opening deletes any that remain
 * @param version           the meta.json format version, 1
 */
public record BlockMeta(Ulid ulid, long minTime, long maxTime, long numSamples, long numSeries, long numChunks,
                        long numTombstones, int compactionLevel, List<Ulid> compactionSources,
                        List<BlockDesc> compactionParents, int version) {
    /** The meta.json file's name inside a block directory. */
    public static final String FILE_NAME = "meta.json";
    /** The only meta.json version Prometheus writes and reads. */
    public static final int VERSION = 1;

    /** Copies the lists; checks for nulls. */
    public BlockMeta {
        Objects.requireNonNull(ulid, "ulid");
        compactionSources = List.copyOf(compactionSources);
        compactionParents = List.copyOf(compactionParents);
    }

    /** A meta without parents. */
    public BlockMeta(Ulid ulid, long minTime, long maxTime, long numSamples, long numSeries, long numChunks,
                     long numTombstones, int compactionLevel, List<Ulid> compactionSources, int version) {
        this(ulid, minTime, maxTime, numSamples, numSeries, numChunks, numTombstones, compactionLevel,
            compactionSources, List.of(), version);
    }

    /** This block as a parent of a compacted one. */
    public BlockDesc desc() {
        return new BlockDesc(ulid, minTime, maxTime);
    }

    /**
     * A parent of a compacted block: Prometheus' {@code BlockDesc}.
     *
     * @param ulid    the parent's ULID
     * @param minTime its minTime
     * @param maxTime its maxTime
     */
    public record BlockDesc(Ulid ulid, long minTime, long maxTime) {
        /** Checks for null. */
        public BlockDesc {
            Objects.requireNonNull(ulid, "ulid");
        }
    }

    /** The meta of a level-1 block (cut from the head) whose only source is itself. */
    static BlockMeta level1(Ulid ulid, long minTime, long maxTime, long numSamples, long numSeries, long numChunks) {
        return new BlockMeta(ulid, minTime, maxTime, numSamples, numSeries, numChunks, 0, 1, List.of(ulid), VERSION);
    }
}
