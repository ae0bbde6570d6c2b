package io.sluice.index;

import io.sluice.engine.Labels;
import io.sluice.engine.SeriesRef;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;
import java.util.function.ToIntFunction;

/**
 * Maps label sets to series refs and back, for all shards.
 *
 * <p>A new series goes to shard {@code hash & (shards - 1)} and gets the next local id of that
 * shard. Resolution is by full label comparison behind the hash (see {@link SeriesTable}), so a
 * 64-bit collision still yields two series.
 *
 * <p>Threading: every method is safe to call from any thread. Lookups are lock-free; creation
 * locks one shard's table. {@link #restore} is for replay, which runs one thread per shard.
 */
public final class SeriesRegistry {
    private static final VarHandle LABELS = MethodHandles.arrayElementVarHandle(Labels[].class);
    private static final int PAGE_BITS = 12;
    private static final int PAGE_SIZE = 1 << PAGE_BITS;

    private final int shards;
    private final int shardMask;
    private final LabelsHasher hasher;
    private final ToIntFunction<Labels> validator;
    private final Shard[] shardState;

    /**
     * @param shards    shard count, a power of two
     * @param hasher    label hash; {@link LabelsHasher#DEFAULT} outside tests
     * @param validator called before a new series is created; throws {@link IllegalArgumentException}
     *                  for label sets the engine cannot store (e.g. larger than a segment)
     */
    public SeriesRegistry(int shards, LabelsHasher hasher, ToIntFunction<Labels> validator) {
        if (shards <= 0 || Integer.bitCount(shards) != 1 || shards > SeriesRef.MAX_SHARDS) {
            throw new IllegalArgumentException("shards must be a power of two in [1, " + SeriesRef.MAX_SHARDS
                + "], got " + shards);
        }
        this.shards = shards;
        this.shardMask = shards - 1;
        this.hasher = Objects.requireNonNull(hasher, "hasher");
        this.validator = Objects.requireNonNull(validator, "validator");
        this.shardState = new Shard[shards];
        for (int i = 0; i < shards; i++) {
            shardState[i] = new Shard();
        }
    }

    /** Number of shards. */
    public int shards() {
        return shards;
    }

    /** The shard a label set belongs to. */
    public int shardOf(Labels labels) {
        return shardOf(hasher.hash(labels));
    }

    private int shardOf(long hash) {
        return (int) (hash >>> 40) & shardMask;
    }

    /** The ref of {@code labels}, creating the series if it is new. */
    public long getOrCreate(Labels labels) {
        long hash = hasher.hash(labels);
        int shard = shardOf(hash);
        Shard s = shardState[shard];
        int id = s.table.find(hash, labels);
        if (id < 0) {
            id = s.create(hash, labels, validator);
        }
        return SeriesRef.of(shard, id);
    }

    /** The ref of {@code labels}, or -1 if no such series exists. */
    public long find(Labels labels) {
        long hash = hasher.hash(labels);
        int shard = shardOf(hash);
        int id = shardState[shard].table.find(hash, labels);
        return id < 0 ? -1 : SeriesRef.of(shard, id);
    }

    /** The labels of a series, or {@code null} if the ref names no series. */
    public Labels labels(long ref) {
        int shard = SeriesRef.shard(ref);
        int id = SeriesRef.localId(ref);
        if (shard >= shards || id < 0) {
            return null;
        }
        return shardState[shard].labels(id);
    }

    /** Labels by shard and local id, or {@code null}. */
    public Labels labels(int shard, int localId) {
        return shardState[shard].labels(localId);
    }

    /** One more than the highest local id handed out in {@code shard}: refs below it exist. */
    public int idLimit(int shard) {
        return shardState[shard].idLimit;
    }

    /** Number of series in all shards. */
    public long size() {
        long n = 0;
        for (Shard s : shardState) {
            n += s.table.size();
        }
        return n;
    }

    /**
     * Re-creates a series read from the WAL of {@code shard}. Returns false if that local id is
     * already taken by different labels, or the labels already have another id; the caller treats
     * that as corruption.
     */
    public boolean restore(int shard, int localId, Labels labels) {
        long hash = hasher.hash(labels);
        if (shardOf(hash) != shard) {
            return false;
        }
        return shardState[shard].restore(hash, labels, localId);
    }

    /** Per-shard state. Creation is serialized by the table's monitor. */
    private static final class Shard implements SeriesTable.IdSource {
        final SeriesTable table = new SeriesTable(this);
        volatile Labels[][] pages = new Labels[16][];
        volatile int idLimit;

        int create(long hash, Labels labels, ToIntFunction<Labels> validator) {
            validator.applyAsInt(labels); // only on a miss, so the write path never pays for it
            return table.findOrInsert(hash, labels);
        }

        /** Called under the table monitor by {@link SeriesTable#findOrInsert}. */
        @Override
        public int next(Labels labels) {
            int id = idLimit;
            if (id == Integer.MAX_VALUE) {
                throw new IllegalStateException("shard is full: 2^31-1 series");
            }
            store(id, labels);
            idLimit = id + 1;
            return id;
        }

        boolean restore(long hash, Labels labels, int localId) {
            synchronized (table) { // the monitor findOrInsert holds
                int existing = table.find(hash, labels);
                if (existing >= 0) {
                    return existing == localId;
                }
                Labels taken = labels(localId);
                if (taken != null) {
                    return false;
                }
                store(localId, labels);
                table.insert(hash, localId);
                if (localId >= idLimit) {
                    idLimit = localId + 1;
                }
                return true;
            }
        }

        private void store(int id, Labels labels) {
            int page = id >>> PAGE_BITS;
            Labels[][] p = pages;
            if (page >= p.length) {
                Labels[][] grown = new Labels[Math.max(page + 1, p.length * 2)][];
                System.arraycopy(p, 0, grown, 0, p.length);
                p = grown;
                pages = grown;
            }
            if (p[page] == null) {
                p[page] = new Labels[PAGE_SIZE];
                pages = p; // republish so that readers see the new page
            }
            LABELS.setRelease(p[page], id & (PAGE_SIZE - 1), labels);
        }

        @Override
        public Labels labels(int id) {
            Labels[][] p = pages;
            int page = id >>> PAGE_BITS;
            if (page >= p.length || p[page] == null) {
                return null;
            }
            return (Labels) LABELS.getAcquire(p[page], id & (PAGE_SIZE - 1));
        }
    }
}
