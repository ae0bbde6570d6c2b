package io.sluice.block;

/**
 * One entry of a block's {@code tombstones} file: the samples of series {@code seriesId} between
 * {@code minTime} and {@code maxTime} (both inclusive) are deleted. Sluice writes none; Prometheus
 * writes them for the delete-series API.
 *
 * <p>Threading: immutable.
 *
 * @param seriesId the series id, as in the index
 * @param minTime  first deleted time
 * @param maxTime  last deleted time
 */
public record Tombstone(long seriesId, long minTime, long maxTime) {
}
