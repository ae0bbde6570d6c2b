package io.sluice.index;

import io.sluice.engine.Labels;

/**
 * Hash function for label sets, used to pick a series' shard and its slot in a {@link SeriesTable}.
 * The default is {@link Labels#hash64()}; tests inject a colliding one to prove that the registry
 * never trusts a hash alone. Implementations must be pure and thread-safe.
 */
@FunctionalInterface
public interface LabelsHasher {
    /** The default: the xxHash3-based {@link Labels#hash64()}. */
    LabelsHasher DEFAULT = Labels::hash64;
    /** The identity of {@link #DEFAULT}, recorded in a data directory's {@code sluice.meta}. */
    String DEFAULT_ID = "labels-xxh3-v1";

    /** A 64-bit hash of {@code labels}; equal label sets must give equal hashes. */
    long hash(Labels labels);
}
