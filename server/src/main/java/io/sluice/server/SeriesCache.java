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

    /** The state index of the key, or -1. */
    int find(byte[] b, int off, int len, long hash) {
        int mask = hashes.length - 1;
        for (int i = (int) (hash ^ (hash >>> 32)) & mask; keys[i] != null; i = (i + 1) & mask) {
            if (hashes[i] == hash && Arrays.equals(keys[i], 0, keys[i].length, b, off, off + len)) {
                return stateOf[i];
            }
        }
        return -1;
    }

    /** Adds a key for {@code ref}; returns the ref's state index (new, or shared with its other keys). */
    int insert(byte[] b, int off, int len, long hash, long ref, long newestTimestamp) {
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
        put(hash, Arrays.copyOfRange(b, off, off + len), state);
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
