package io.sluice.engine;

/**
 * Encoding of a series reference: a {@code long} that names a shard and a shard-local series id.
 *
 * <pre>
 *   bits 63..16  local id (non-negative, dense per shard, assigned at creation)
 *   bits 15..0   shard
 * </pre>
 *
 * A ref is valid only for the directory it came from; it is stable across reopen because it is
 * written in the shard's WAL. Thread-safety: static pure functions.
 */
public final class SeriesRef {
    /** Bits that hold the shard. */
    public static final int SHARD_BITS = 16;
    /** The largest shard count a ref can express. */
    public static final int MAX_SHARDS = 1 << SHARD_BITS;
    private static final long SHARD_MASK = MAX_SHARDS - 1;

    private SeriesRef() {
    }

    /** Builds a ref from a shard and a local id. */
    public static long of(int shard, int localId) {
        return ((long) localId << SHARD_BITS) | shard;
    }

    /** The shard that owns the series. */
    public static int shard(long ref) {
        return (int) (ref & SHARD_MASK);
    }

    /** The shard-local id of the series. */
    public static int localId(long ref) {
        return (int) (ref >>> SHARD_BITS);
    }

    /** Human-readable form, e.g. {@code 3@1} for local id 3 in shard 1. */
    public static String toString(long ref) {
        return localId(ref) + "@" + shard(ref);
    }
}
