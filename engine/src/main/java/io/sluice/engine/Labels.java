package io.sluice.engine;

import net.openhft.hashing.LongHashFunction;

import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * An immutable, validated, name-sorted set of label pairs that identifies one series.
 *
 * <p>Rules (enforced with {@link IllegalArgumentException}): at least one label and at most
 * {@value #MAX_LABELS}; names match {@code [a-zA-Z_][a-zA-Z0-9_]*} and are unique; values are
 * non-empty, valid Unicode (so they encode to UTF-8 exactly); names and values are at most
 * {@value #MAX_LABEL_BYTES} bytes of UTF-8 each.
 *
 * <p>Thread-safety: immutable, safe to share. Build a {@code Labels} once and reuse it: the
 * 64-bit hash is computed on first use and kept, so that lookups on the write path hash a label set
 * once (and label sets that are never looked up, such as those a block merge decodes, never).
 */
public final class Labels {
    /** The most labels a series may carry. */
    public static final int MAX_LABELS = 64;
    /** The most UTF-8 bytes in one label name or one label value. */
    public static final int MAX_LABEL_BYTES = 16 * 1024;

    private static final LongHashFunction XX3 = LongHashFunction.xx3();

    /** Names and values interleaved, sorted by name: {@code n0, v0, n1, v1, ...} (one object per label set). */
    private final String[] pairs;
    // The racy single-check idiom of String.hashCode: a thread that sees `hashed` false computes the
    // same value again; `hashed` is written after `hash64`, and both are volatile, so a thread that
    // sees it true sees the hash.
    private volatile long hash64;
    private volatile boolean hashed;

    private Labels(String[] pairs) {
        this.pairs = pairs;
    }

    /**
     * Builds labels from alternating names and values: {@code Labels.of("__name__", "cpu", "host", "a")}.
     *
     * @throws IllegalArgumentException if the pairs break a rule in the class description
     */
    public static Labels of(String... namesAndValues) {
        Objects.requireNonNull(namesAndValues, "namesAndValues");
        if ((namesAndValues.length & 1) != 0) {
            throw new IllegalArgumentException("labels come in name/value pairs, but " + namesAndValues.length
                + " strings were given");
        }
        return build(namesAndValues.clone());
    }

    /**
     * Builds labels from a map of name to value.
     *
     * @throws IllegalArgumentException if the map breaks a rule in the class description
     */
    public static Labels of(Map<String, String> labels) {
        Objects.requireNonNull(labels, "labels");
        String[] pairs = new String[2 * labels.size()];
        int i = 0;
        for (Map.Entry<String, String> e : labels.entrySet()) {
            pairs[i++] = e.getKey();
            pairs[i++] = e.getValue();
        }
        return build(pairs);
    }

    /**
     * Builds labels from parallel arrays (copied). Used by decoders and by callers that already
     * hold arrays; the same validation applies.
     *
     * @throws IllegalArgumentException if the arrays differ in length or break a rule in the class description
     */
    public static Labels of(String[] names, String[] values) {
        Objects.requireNonNull(names, "names");
        Objects.requireNonNull(values, "values");
        if (names.length != values.length) {
            throw new IllegalArgumentException(names.length + " names but " + values.length + " values");
        }
        String[] pairs = new String[2 * names.length];
        for (int i = 0; i < names.length; i++) {
            pairs[2 * i] = names[i];
            pairs[2 * i + 1] = values[i];
        }
        return build(pairs);
    }

    /** Validates and sorts {@code pairs} (owned by the caller no more) in place. */
    private static Labels build(String[] pairs) {
        int n = pairs.length >>> 1;
        if (n == 0) {
            throw new IllegalArgumentException("a series needs at least one label");
        }
        if (n > MAX_LABELS) {
            throw new IllegalArgumentException("a series may have at most " + MAX_LABELS + " labels, got " + n);
        }
        for (int i = 0; i < pairs.length; i += 2) {
            validateName(pairs[i]);
            validateValue(pairs[i], pairs[i + 1]);
        }
        // Sort by name (insertion sort: label sets are small and usually arrive sorted), values along.
        for (int i = 2; i < pairs.length; i += 2) {
            String name = pairs[i];
            if (pairs[i - 2].compareTo(name) <= 0) {
                continue;
            }
            String value = pairs[i + 1];
            int j = i - 2;
            while (j >= 0 && pairs[j].compareTo(name) > 0) {
                pairs[j + 2] = pairs[j];
                pairs[j + 3] = pairs[j + 1];
                j -= 2;
            }
            pairs[j + 2] = name;
            pairs[j + 3] = value;
        }
        for (int i = 2; i < pairs.length; i += 2) {
            if (pairs[i].equals(pairs[i - 2])) {
                throw new IllegalArgumentException("duplicate label name '" + pairs[i] + "'");
            }
        }
        return new Labels(pairs);
    }

    private static void validateName(String name) {
        if (name == null) {
            throw new IllegalArgumentException("label name is null");
        }
        int len = name.length();
        if (len == 0) {
            throw new IllegalArgumentException("label name is empty");
        }
        if (len > MAX_LABEL_BYTES) {
            throw new IllegalArgumentException("label name is " + len + " bytes, more than the limit of "
                + MAX_LABEL_BYTES + ": '" + abbreviate(name) + "'");
        }
        for (int i = 0; i < len; i++) {
            char c = name.charAt(i);
            boolean ok = c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (i > 0 && c >= '0' && c <= '9');
            if (!ok) {
                throw new IllegalArgumentException("invalid label name '" + abbreviate(name) + "': character '" + c
                    + "' at index " + i + " (names match [a-zA-Z_][a-zA-Z0-9_]*)");
            }
        }
    }

    private static void validateValue(String name, String value) {
        if (value == null) {
            throw new IllegalArgumentException("value of label '" + name + "' is null");
        }
        if (value.isEmpty()) {
            throw new IllegalArgumentException("value of label '" + name + "' is empty; omit the label instead");
        }
        int bytes = 0;
        int len = value.length();
        for (int i = 0; i < len; i++) {
            char c = value.charAt(i);
            if (c < 0x80) {
                bytes += 1;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c)) {
                if (i + 1 >= len || !Character.isLowSurrogate(value.charAt(i + 1))) {
                    throw new IllegalArgumentException("value of label '" + name + "' is not valid Unicode:"
                        + " unpaired surrogate at index " + i);
                }
                bytes += 4;
                i++;
            } else if (Character.isLowSurrogate(c)) {
                throw new IllegalArgumentException("value of label '" + name + "' is not valid Unicode:"
                    + " unpaired surrogate at index " + i);
            } else {
                bytes += 3;
            }
        }
        if (bytes > MAX_LABEL_BYTES) {
            throw new IllegalArgumentException("value of label '" + name + "' is " + bytes
                + " bytes of UTF-8, more than the limit of " + MAX_LABEL_BYTES);
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }

    private static long computeHash(String[] pairs) {
        long h = 0x9E3779B97F4A7C15L * (pairs.length >>> 1);
        for (int i = 0; i < pairs.length; i += 2) {
            h = (h ^ XX3.hashChars(pairs[i])) * 0xC2B2AE3D27D4EB4FL;
            h = (h ^ XX3.hashChars(pairs[i + 1])) * 0x165667B19E3779F9L;
            h ^= h >>> 29;
        }
        return h;
    }

    /** Number of labels. */
    public int size() {
        return pairs.length >>> 1;
    }

    /** The i-th label name in sorted order. */
    public String name(int i) {
        return pairs[2 * i];
    }

    /** The i-th label value, in the same order as {@link #name(int)}. */
    public String value(int i) {
        return pairs[2 * i + 1];
    }

    /** The value of the named label, or {@code null} if the series has no such label. */
    public String get(String name) {
        int lo = 0;
        int hi = (pairs.length >>> 1) - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int c = pairs[2 * mid].compareTo(name);
            if (c < 0) {
                lo = mid + 1;
            } else if (c > 0) {
                hi = mid - 1;
            } else {
                return pairs[2 * mid + 1];
            }
        }
        return null;
    }

    /**
     * The 64-bit xxHash3-based hash of the label set. It chooses the shard of a new series, so it is
     * part of the on-disk contract (docs/format/wal.md); two different label sets may share it.
     */
    public long hash64() {
        if (hashed) {
            return hash64;
        }
        long h = computeHash(pairs);
        hash64 = h;
        hashed = true;
        return h;
    }

    /** A sorted name to value map (a copy). */
    public Map<String, String> toMap() {
        Map<String, String> m = new TreeMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put(pairs[i], pairs[i + 1]);
        }
        return m;
    }

    /** The number of bytes the names and values take in UTF-8, without framing. */
    public int utf8Bytes() {
        int n = 0;
        for (int i = 0; i < pairs.length; i += 2) {
            n += pairs[i].length();
            n += io.sluice.record.Utf8.encodedLength(pairs[i + 1]);
        }
        return n;
    }

    /** Equal when both hold the same name/value pairs. */
    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Labels)) {
            return false;
        }
        Labels other = (Labels) o;
        return hash64() == other.hash64() && Arrays.equals(pairs, other.pairs);
    }

    /**
     * Equality of content, ignoring the cached hash: used where a hash collision has to be ruled out
     * (the registry compares this way, so it never trusts the hash alone).
     */
    public boolean sameLabelsAs(Labels other) {
        return this == other || Arrays.equals(pairs, other.pairs);
    }

    /** Consistent with {@link #equals}; derived from {@link #hash64()}. */
    @Override
    public int hashCode() {
        long h = hash64();
        return (int) (h ^ (h >>> 32));
    }

    /** Prometheus notation: {@code {__name__="cpu", host="a"}}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(8 * pairs.length).append('{');
        for (int i = 0; i < pairs.length; i += 2) {
            if (i > 0) {
                sb.append(", ");
            }
            appendQuoted(sb.append(pairs[i]).append('='), pairs[i + 1]);
        }
        return sb.append('}').toString();
    }

    /** Appends {@code v} in double quotes, with {@code "}, {@code \\} and newline escaped (PromQL notation). */
    static StringBuilder appendQuoted(StringBuilder sb, String v) {
        sb.append('"');
        for (int k = 0; k < v.length(); k++) {
            char c = v.charAt(k);
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c == '\n') {
                sb.append("\\n");
            } else {
                sb.append(c);
            }
        }
        return sb.append('"');
    }
}
