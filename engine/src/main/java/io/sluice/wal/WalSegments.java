package io.sluice.wal;

import java.util.Arrays;

/**
 * The live segments of one shard in position order, for readers that hold a shard-log position
 * (the series store) and need the mapped bytes.
 *
 * <p>Threading: the shard writer appends; any thread may look up. The array is copy-on-write and
 * published through a volatile field, so a reader sees a consistent list.
 */
public final class WalSegments {
    /** An empty list; the shard's writer and replay fill it. */
    public WalSegments() {
    }

    private volatile WalSegment[] segments = new WalSegment[0];

    /** Appends a segment (the newest). Writer only. */
    public void add(WalSegment segment) {
        WalSegment[] s = segments;
        WalSegment[] grown = Arrays.copyOf(s, s.length + 1);
        grown[s.length] = segment;
        segments = grown;
    }

    /** Removes the oldest {@code n} segments (retention) and returns them, still mapped. Writer only. */
    public WalSegment[] removeFirst(int n) {
        WalSegment[] s = segments;
        segments = Arrays.copyOfRange(s, n, s.length);
        return Arrays.copyOf(s, n);
    }

    /** The segment holding {@code position}, or null if none does. */
    public WalSegment find(long position) {
        return find(segments, position);
    }

    /** The segment of {@code snapshot} (a {@link #snapshot()}) holding {@code position}, or null. */
    public static WalSegment find(WalSegment[] s, long position) {
        int lo = 0;
        int hi = s.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            WalSegment seg = s[mid];
            if (position < seg.basePosition()) {
                hi = mid - 1;
            } else if (position >= seg.endPosition()) {
                lo = mid + 1;
            } else {
                return seg;
            }
        }
        return null;
    }

    /** A snapshot of the segments, oldest first. */
    public WalSegment[] snapshot() {
        return segments;
    }

    public int count() {
        return segments.length;
    }

    /** Empties the list and unmaps every segment. */
    public void closeAll() {
        WalSegment[] s = segments;
        segments = new WalSegment[0];
        for (WalSegment seg : s) {
            seg.mapping().close();
        }
    }
}
