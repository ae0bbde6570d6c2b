package io.sluice.bench;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * Builds a snappy block whose variable bytes can be rewritten in place, so that a load generator can
 * send fresh timestamps and values in a pre-compressed request without compressing again.
 *
 * <p>The input is a sequence of regions: constant ones, compressed greedily with 2-byte-offset copies
 * whose source lies wholly inside an earlier (or the same) constant region; and variable ones, emitted
 * as literals whose offsets in the compressed block are returned, so writing new bytes there changes
 * the decompressed bytes at the same places and nothing else. Format: the snappy block format
 * (varint length, then literal and copy elements), which any snappy decoder reads.
 */
final class PatchableSnappy {
    private final ByteArrayOutputStream plain = new ByteArrayOutputStream(1 << 16);
    private int[] regionStart = new int[64];
    private int[] regionEnd = new int[64];
    private boolean[] variable = new boolean[64];
    private int regions;

    /** Appends a constant region. */
    void constant(byte[] b, int off, int len) {
        region(b, off, len, false);
    }

    /** Appends a variable region; returns its index (for {@link #literalOffset}). */
    int variable(byte[] b, int off, int len) {
        return region(b, off, len, true);
    }

    private int region(byte[] b, int off, int len, boolean var) {
        if (regions == regionStart.length) {
            regionStart = Arrays.copyOf(regionStart, regions * 2);
            regionEnd = Arrays.copyOf(regionEnd, regions * 2);
            variable = Arrays.copyOf(variable, regions * 2);
        }
        regionStart[regions] = plain.size();
        plain.write(b, off, len);
        regionEnd[regions] = plain.size();
        variable[regions] = var;
        return regions++;
    }

    byte[] plain() {
        return plain.toByteArray();
    }

    /** Offsets in the compressed block of each variable region's first byte (by region index; -1 for constant ones). */
    private int[] literalAt;

    int literalOffset(int region) {
        return literalAt[region];
    }

    /** The compressed block. */
    byte[] compress() {
        byte[] in = plain.toByteArray();
        ByteArrayOutputStream out = new ByteArrayOutputStream(in.length / 2 + 16);
        varint(out, in.length);
        literalAt = new int[regions];
        Arrays.fill(literalAt, -1);
        int[] table = new int[1 << 16];
        Arrays.fill(table, -1);
        // region index of each plain byte's constant region end, for bounding copy sources
        int[] endOf = new int[in.length];
        for (int r = 0; r < regions; r++) {
            for (int i = regionStart[r]; i < regionEnd[r]; i++) {
                endOf[i] = variable[r] ? -1 : regionEnd[r];
            }
        }
        for (int r = 0; r < regions; r++) {
            int start = regionStart[r];
            int end = regionEnd[r];
            if (variable[r]) {
                literalAt[r] = literal(out, in, start, end - start);
                continue;
            }
            int p = start;
            int lit = start;
            while (p + 4 <= end) {
                int h = hash(in, p);
                int src = table[h];
                table[h] = p;
                if (src >= 0 && p - src <= 65535 && endOf[src] > 0 && same4(in, src, p)) {
                    int max = Math.min(end - p, endOf[src] - src);
                    int len = 4;
                    while (len < max && in[src + len] == in[p + len]) {
                        len++;
                    }
                    if (lit < p) {
                        literal(out, in, lit, p - lit);
                    }
                    int done = 0;
                    while (len - done >= 4) {
                        int n = Math.min(64, len - done);
                        if (len - done - n > 0 && len - done - n < 4) {
                            n = len - done - 4; // leave at least 4 for the last copy
                        }
                        out.write(((n - 1) << 2) | 2);
                        int offset = p + done - (src + done);
                        out.write(offset & 0xFF);
                        out.write(offset >>> 8);
                        done += n;
                    }
                    p += done;
                    lit = p;
                } else {
                    p++;
                }
            }
            if (lit < end) {
                literal(out, in, lit, end - lit);
            }
        }
        return out.toByteArray();
    }

    private static boolean same4(byte[] b, int a, int c) {
        return b[a] == b[c] && b[a + 1] == b[c + 1] && b[a + 2] == b[c + 2] && b[a + 3] == b[c + 3];
    }

    private static int hash(byte[] b, int p) {
        int v = (b[p] & 0xFF) | (b[p + 1] & 0xFF) << 8 | (b[p + 2] & 0xFF) << 16 | (b[p + 3] & 0xFF) << 24;
        return (v * 0x1E35A7BD) >>> 16;
    }

    /** Writes a literal element; returns the offset of its first data byte. */
    private static int literal(ByteArrayOutputStream out, byte[] in, int from, int len) {
        int n = len - 1;
        if (n < 60) {
            out.write(n << 2);
        } else if (n < 256) {
            out.write(60 << 2);
            out.write(n);
        } else if (n < 65536) {
            out.write(61 << 2);
            out.write(n & 0xFF);
            out.write(n >>> 8);
        } else {
            out.write(62 << 2);
            out.write(n & 0xFF);
            out.write((n >>> 8) & 0xFF);
            out.write(n >>> 16);
        }
        int at = out.size();
        out.write(in, from, len);
        return at;
    }

    private static void varint(ByteArrayOutputStream o, long v) {
        while ((v & ~0x7FL) != 0) {
            o.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        o.write((int) v);
    }
}
