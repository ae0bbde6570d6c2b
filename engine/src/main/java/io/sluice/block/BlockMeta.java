package io.sluice.block;

import java.util.List;
import java.util.Objects;

/**
 * A block's {@code meta.json}: Prometheus' {@code BlockMeta} (tsdb/block.go). The block holds the
 * samples with {@code minTime <= t < maxTime} ({@code maxTime} is exclusive). Fields of Prometheus'
 * meta that Sluice does not use ({@code compaction.parents}, {@code deletable}, {@code failed},
 * {@code hints}, and anything added by other tools) are skipped when reading and not written.
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
 * @param version           the meta.json format version, 1
 */
public record BlockMeta(Ulid ulid, long minTime, long maxTime, long numSamples, long numSeries, long numChunks,
                        long numTombstones, int compactionLevel, List<Ulid> compactionSources, int version) {
    /** The meta.json file's name inside a block directory. */
    public static final String FILE_NAME = "meta.json";
    /** The only meta.json version Prometheus writes and reads. */
    public static final int VERSION = 1;

    /** Copies the sources list; checks for nulls. */
    public BlockMeta {
        Objects.requireNonNull(ulid, "ulid");
        compactionSources = List.copyOf(compactionSources);
    }

    /** The meta of a level-1 block (cut from the head) whose only source is itself. */
    static BlockMeta level1(Ulid ulid, long minTime, long maxTime, long numSamples, long numSeries, long numChunks) {
        return new BlockMeta(ulid, minTime, maxTime, numSamples, numSeries, numChunks, 0, 1, List.of(ulid), VERSION);
    }
}
