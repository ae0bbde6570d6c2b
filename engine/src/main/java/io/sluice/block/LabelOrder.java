package io.sluice.block;

import io.sluice.engine.Labels;

import java.util.Comparator;

/**
 * Prometheus' order of strings and label sets, which the block format depends on: symbols, label
 * values in postings and series in the index are sorted by it.
 *
 * <p>Strings compare as Go compares them: byte-wise over their UTF-8 encoding, which is the order
 * of Unicode code points. It is not {@link String#compareTo}, which compares UTF-16 code units and so
 * sorts a supplementary character (a surrogate pair, {@code 0xD800..0xDFFF}) before the characters
 * {@code U+E000..U+FFFF}, where UTF-8 sorts it after them. Label sets compare label by label (name,
 * then value); when one is a prefix of the other, the shorter comes first ({@code labels.Compare}).
 *
 * <p>Threading: stateless.
 */
public final class LabelOrder {
    /** Label sets in Prometheus' order. */
    public static final Comparator<Labels> LABELS = LabelOrder::compare;
    /** Strings in UTF-8 byte order. */
    public static final Comparator<String> STRINGS = LabelOrder::compare;

    private LabelOrder() {
    }

    /**
     * Sorts {@code a} in {@link #compare(String, String)} order: a merge sort that calls the
     * comparison directly. {@code Arrays.sort(a, STRINGS)} would do, but the JDK's one TimSort is
     * shared by every comparator in the process, and the JIT kept throwing away and recompiling it
     * as the comparators it saw changed: with a sort of every block's symbols in a compaction, that
     * recompiling took about a second of C2 time in a 10-second run on two cores.
     */
    public static void sort(String[] a) {
        if (a.length > 1) {
            mergeSort(a.clone(), a, 0, a.length);
        }
    }

    /** Sorts {@code dst[lo, hi)}; {@code src} holds the same elements there on entry (legacy merge sort). */
    private static void mergeSort(String[] src, String[] dst, int lo, int hi) {
        if (hi - lo < 16) {
            for (int i = lo + 1; i < hi; i++) {
                String x = dst[i];
                int j = i;
                while (j > lo && compare(dst[j - 1], x) > 0) {
                    dst[j] = dst[j - 1];
                    j--;
                }
                dst[j] = x;
            }
            return;
        }
        int mid = (lo + hi) >>> 1;
        mergeSort(dst, src, lo, mid);
        mergeSort(dst, src, mid, hi);
        if (compare(src[mid - 1], src[mid]) <= 0) {
            System.arraycopy(src, lo, dst, lo, hi - lo);
            return;
        }
        for (int i = lo, p = lo, q = mid; i < hi; i++) {
            if (q >= hi || p < mid && compare(src[p], src[q]) <= 0) {
                dst[i] = src[p++];
            } else {
                dst[i] = src[q++];
            }
        }
    }

    /** Compares two strings in the byte order of their UTF-8 encodings, without encoding them. */
    public static int compare(String a, String b) {
        if (a == b) {
            return 0;
        }
        int n = Math.min(a.length(), b.length());
        for (int i = 0; i < n; i++) {
            char x = a.charAt(i);
            char y = b.charAt(i);
            if (x != y) {
                // Only when both are at or above the surrogates does UTF-16 order differ from code point
                // order: move the surrogates above U+E000..U+FFFF (and those below them).
                if (x >= 0xD800 && y >= 0xD800) {
                    x = fixUp(x);
                    y = fixUp(y);
                }
                return x - y;
            }
        }
        return a.length() - b.length();
    }

    private static char fixUp(char c) {
        return (char) (c >= 0xE000 ? c - 0x800 : c + 0x2000);
    }

    /** Compares two label sets as Prometheus' {@code labels.Compare} does. */
    public static int compare(Labels a, Labels b) {
        if (a == b) {
            return 0;
        }
        int n = Math.min(a.size(), b.size());
        for (int i = 0; i < n; i++) {
            int c = compare(a.name(i), b.name(i));
            if (c != 0) {
                return c;
            }
            c = compare(a.value(i), b.value(i));
            if (c != 0) {
                return c;
            }
        }
        return a.size() - b.size();
    }
}
