package io.sluice.server;

import java.util.Arrays;
import net.openhft.hashing.LongHashFunction;

/**
 * Maps a series' label bytes, as a request carries them, to the engine's series ref, and keeps what
 * the server last wrote to each series (timestamp and value bits) so that out-of-order and conflicting
 * samples are answered before anything of the request is written. One ingest thread owns it.
 *
 * <p>Open addressing over parallel arrays; a key is the labels' canonical bytes ({@code len name len
 * value ...} in request order). A hit compares bytes against the request and allocates nothing.
 */
final class SeriesCache {
    private static final LongHashFunction XX3 = LongHashFunction.xx3();

    private long[] hashes = new long[1024];
    private byte[][] keys = new byte[1024][];
    private long[] refs = new long[1024];
    /** Newest timestamp and value bits written through the server, per slot; MIN_VALUE if unknown. */
    private long[] lastTs = new long[1024];
    private long[] lastBits = new long[1024];
    private boolean[] bitsKnown = new boolean[1024];
    private int size;

    int size() {
        return size;
    }

    static long hash(WriteBatch b, int s) {
        long h = 0x9E3779B97F4A7C15L * b.labelCount[s];
        for (int l = b.labelFrom[s], end = l + b.labelCount[s]; l < end; l++) {
            h = (h ^ XX3.hashBytes(b.buf, b.nameOff[l], b.nameLen[l])) * 0xC2B2AE3D27D4EB4FL;
            h = (h ^ XX3.hashBytes(b.buf, b.valueOff[l], b.valueLen[l])) * 0x165667B19E3779F9L;
            h ^= h >>> 29;
        }
        return h;
    }

    /** The slot of series {@code s} of the batch, or -1. */
    int find(WriteBatch b, int s, long hash) {
        int mask = hashes.length - 1;
        for (int i = (int) (hash ^ (hash >>> 32)) & mask; keys[i] != null; i = (i + 1) & mask) {
            if (hashes[i] == hash && sameKey(keys[i], b, s)) {
                return i;
            }
        }
        return -1;
    }

    int insert(WriteBatch b, int s, long hash, long ref, long newestTimestamp) {
        if (2 * (size + 1) > hashes.length) {
            grow();
        }
        int slot = put(hash, key(b, s), ref);
        lastTs[slot] = newestTimestamp;
        bitsKnown[slot] = false;
        size++;
        return slot;
    }

    /** Grows now so that {@code more} inserts keep every slot handed out meanwhile valid. */
    void ensureCapacity(int more) {
        while (2 * (size + more) > hashes.length) {
            grow();
        }
    }

    void restore(int slot, long timestamp, long bits, boolean known) {
        lastTs[slot] = timestamp;
        lastBits[slot] = bits;
        bitsKnown[slot] = known;
    }

    long ref(int slot) {
        return refs[slot];
    }

    long lastTimestamp(int slot) {
        return lastTs[slot];
    }

    boolean bitsKnown(int slot) {
        return bitsKnown[slot];
    }

    long lastBits(int slot) {
        return lastBits[slot];
    }

    void written(int slot, long timestamp, long bits) {
        lastTs[slot] = timestamp;
        lastBits[slot] = bits;
        bitsKnown[slot] = true;
    }

    private int put(long hash, byte[] key, long ref) {
        int mask = hashes.length - 1;
        int i = (int) (hash ^ (hash >>> 32)) & mask;
        while (keys[i] != null) {
            i = (i + 1) & mask;
        }
        hashes[i] = hash;
        keys[i] = key;
        refs[i] = ref;
        return i;
    }

    private void grow() {
        long[] oh = hashes;
        byte[][] ok = keys;
        long[] or = refs;
        long[] ot = lastTs;
        long[] ob = lastBits;
        boolean[] okn = bitsKnown;
        int n = oh.length * 2;
        hashes = new long[n];
        keys = new byte[n][];
        refs = new long[n];
        lastTs = new long[n];
        lastBits = new long[n];
        bitsKnown = new boolean[n];
        for (int i = 0; i < oh.length; i++) {
            if (ok[i] != null) {
                int slot = put(oh[i], ok[i], or[i]);
                lastTs[slot] = ot[i];
                lastBits[slot] = ob[i];
                bitsKnown[slot] = okn[i];
            }
        }
    }

    private static byte[] key(WriteBatch b, int s) {
        int len = 0;
        for (int l = b.labelFrom[s], end = l + b.labelCount[s]; l < end; l++) {
            len += 8 + b.nameLen[l] + b.valueLen[l];
        }
        byte[] k = new byte[len];
        int p = 0;
        for (int l = b.labelFrom[s], end = l + b.labelCount[s]; l < end; l++) {
            p = putInt(k, p, b.nameLen[l]);
            System.arraycopy(b.buf, b.nameOff[l], k, p, b.nameLen[l]);
            p += b.nameLen[l];
            p = putInt(k, p, b.valueLen[l]);
            System.arraycopy(b.buf, b.valueOff[l], k, p, b.valueLen[l]);
            p += b.valueLen[l];
        }
        return k;
    }

    private static int putInt(byte[] k, int p, int v) {
        k[p] = (byte) (v >>> 24);
        k[p + 1] = (byte) (v >>> 16);
        k[p + 2] = (byte) (v >>> 8);
        k[p + 3] = (byte) v;
        return p + 4;
    }

    private static int getInt(byte[] k, int p) {
        return (k[p] & 0xFF) << 24 | (k[p + 1] & 0xFF) << 16 | (k[p + 2] & 0xFF) << 8 | (k[p + 3] & 0xFF);
    }

    private static boolean sameKey(byte[] k, WriteBatch b, int s) {
        int p = 0;
        for (int l = b.labelFrom[s], end = l + b.labelCount[s]; l < end; l++) {
            if (p + 4 > k.length || getInt(k, p) != b.nameLen[l]) {
                return false;
            }
            p += 4;
            if (!Arrays.equals(k, p, p + b.nameLen[l], b.buf, b.nameOff[l], b.nameOff[l] + b.nameLen[l])) {
                return false;
            }
            p += b.nameLen[l];
            if (p + 4 > k.length || getInt(k, p) != b.valueLen[l]) {
                return false;
            }
            p += 4;
            if (!Arrays.equals(k, p, p + b.valueLen[l], b.buf, b.valueOff[l], b.valueOff[l] + b.valueLen[l])) {
                return false;
            }
            p += b.valueLen[l];
        }
        return p == k.length;
    }
}
