package io.sluice.server;

import java.util.Arrays;
import net.openhft.hashing.LongHashFunction;
import org.agrona.collections.Long2LongHashMap;

/**
 * Resolves a series from its label key (the raw bytes of its {@code Label} fields in a request) to
 * the engine's ref without a String per label, as VictoriaMetrics does, and keeps what the server
 * last wrote to each series (timestamp, value bits) so that out-of-order and conflicting samples are
 * answered before anything of the request is written. One ingest thread owns it.
 *
 * <p>Keys: open addressing over parallel arrays; a hit hashes the key bytes once (XXH3) and compares
 * them once. State: one entry per ref, shared by every key of the same series (two clients may order
 * or pad a series' labels differently; the engine gives both the same ref).
 */
final class SeriesCache {
    private static final LongHashFunction XX3 = LongHashFunction.xx3();

    private long[] hashes = new long[1024];
    private byte[][] keys = new byte[1024][];
    private int[] stateOf = new int[1024];
    private int size;

    private final Long2LongHashMap stateByRef = new Long2LongHashMap(-1);
    private long[] refs = new long[1024];
    private long[] lastTs = new long[1024];
    private long[] lastBits = new long[1024];
    private boolean[] bitsKnown = new boolean[1024];
    private int states;

    int size() {
        return size;
    }

    static long hash(byte[] b, int off, int len) {
        return XX3.hashBytes(b, off, len);
    }

    /** The state index of series {@code s}'s key (hash {@code hash}), or -1. */
    int find(WriteBatch b, int s, long hash) {
        int mask = hashes.length - 1;
        for (int i = (int) (hash ^ (hash >>> 32)) & mask; keys[i] != null; i = (i + 1) & mask) {
            if (hashes[i] == hash && sameKey(keys[i], b, s)) {
                return stateOf[i];
            }
        }
        return -1;
    }

    private static boolean sameKey(byte[] key, WriteBatch b, int s) {
        int p = 0;
        for (int g = b.segFrom[s], end = g + b.segCount[s]; g < end; g++) {
            int len = b.segLen[g];
            if (p + len > key.length || !Arrays.equals(key, p, p + len, b.segArray(g), b.segOff[g], b.segOff[g] + len)) {
                return false;
            }
            p += len;
        }
        return p == key.length;
    }

    /** Adds series {@code s}'s key for {@code ref}; returns the ref's state index (new, or shared with its other keys). */
    int insert(WriteBatch b, int s, long hash, long ref, long newestTimestamp) {
        if (2 * (size + 1) > hashes.length) {
            grow();
        }
        int state = (int) stateByRef.get(ref);
        if (state < 0) {
            if (states == refs.length) {
                int n = states * 2;
                refs = Arrays.copyOf(refs, n);
                lastTs = Arrays.copyOf(lastTs, n);
                lastBits = Arrays.copyOf(lastBits, n);
                bitsKnown = Arrays.copyOf(bitsKnown, n);
            }
            state = states++;
            refs[state] = ref;
            lastTs[state] = newestTimestamp;
            bitsKnown[state] = false;
            stateByRef.put(ref, state);
        }
        byte[] key = new byte[b.keyLength(s)];
        int p = 0;
        for (int g = b.segFrom[s], end = g + b.segCount[s]; g < end; g++) {
            System.arraycopy(b.segArray(g), b.segOff[g], key, p, b.segLen[g]);
            p += b.segLen[g];
        }
        put(hash, key, state);
        size++;
        return state;
    }

    long ref(int state) {
        return refs[state];
    }

    long lastTimestamp(int state) {
        return lastTs[state];
    }

    boolean bitsKnown(int state) {
        return bitsKnown[state];
    }

    long lastBits(int state) {
        return lastBits[state];
    }

    void written(int state, long timestamp, long bits) {
        lastTs[state] = timestamp;
        lastBits[state] = bits;
        bitsKnown[state] = true;
    }

    void restore(int state, long timestamp, long bits, boolean known) {
        lastTs[state] = timestamp;
        lastBits[state] = bits;
        bitsKnown[state] = known;
    }

    private void put(long hash, byte[] key, int state) {
        int mask = hashes.length - 1;
        int i = (int) (hash ^ (hash >>> 32)) & mask;
        while (keys[i] != null) {
            i = (i + 1) & mask;
        }
        hashes[i] = hash;
        keys[i] = key;
        stateOf[i] = state;
    }

    private void grow() {
        long[] oh = hashes;
        byte[][] ok = keys;
        int[] os = stateOf;
        int n = oh.length * 2;
        hashes = new long[n];
        keys = new byte[n][];
        stateOf = new int[n];
        for (int i = 0; i < oh.length; i++) {
            if (ok[i] != null) {
                put(oh[i], ok[i], os[i]);
            }
        }
    }
}
