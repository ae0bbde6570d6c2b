package io.sluice.engine;

import net.openhft.hashing.LongHashFunction;

import java.nio.charset.StandardCharsets;
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
 * 64-bit hash is computed at construction so that lookups on the write path do no hashing.
 */
public final class Labels {
    /** The most labels a series may carry. */
    public static final int MAX_LABELS = 64;
    /** The most UTF-8 bytes in one label name or one label value. */
    public static final int MAX_LABEL_BYTES = 16 * 1024;

    private static final LongHashFunction XX3 = LongHashFunction.xx3();

    private final String[] names;
    private final String[] values;
    private final long hash64;

    private Labels(String[] names, String[] values) {
        this.names = names;
        this.values = values;
        this.hash64 = computeHash(names, values);
    }

    /**
     * Builds labels from alternating names and values: {@code Labels.of("__name__", "cpu", "host", "a")}.
     *
     * @throws IllegalArgumentException if the pairs break a rule in the class description
     */
    public static Labels of(String... namesAndValues) {
        Objects.requireNonNull(namesAndValues, "namesAndValues");
        if (namesAndValues.length == 0) {
            throw new IllegalArgumentException("a series needs at least one label");
        }
        if ((namesAndValues.length & 1) != 0) {
            throw new IllegalArgumentException("labels come in name/value pairs, but " + namesAndValues.length
                + " strings were given");
        }
        int n = namesAndValues.length / 2;
        String[] names = new String[n];
        String[] values = new String[n];
        for (int i = 0; i < n; i++) {
            names[i] = namesAndValues[2 * i];
            values[i] = namesAndValues[2 * i + 1];
        }
        return build(names, values);
    }

    /**
     * Builds labels from a map of name to value.
     *
     * @throws IllegalArgumentException if the map breaks a rule in the class description
     */
    public static Labels of(Map<String, String> labels) {
        Objects.requireNonNull(labels, "labels");
        String[] names = new String[labels.size()];
        String[] values = new String[labels.size()];
        int i = 0;
        for (Map.Entry<String, String> e : labels.entrySet()) {
            names[i] = e.getKey();
            values[i] = e.getValue();
            i++;
        }
        return build(names, values);
    }

    /**
     * Builds labels from parallel arrays (copied). Used by decoders and by callers that already
     * hold arrays; the same validation applies.
     */
    public static Labels of(String[] names, String[] values) {
        Objects.requireNonNull(names, "names");
        Objects.requireNonNull(values, "values");
        if (names.length != values.length) {
            throw new IllegalArgumentException(names.length + " names but " + values.length + " values");
        }
        return build(names.clone(), values.clone());
    }

    private static Labels build(String[] names, String[] values) {
        int n = names.length;
        if (n == 0) {
            throw new IllegalArgumentException("a series needs at least one label");
        }
        if (n > MAX_LABELS) {
            throw new IllegalArgumentException("a series may have at most " + MAX_LABELS + " labels, got " + n);
        }
        for (int i = 0; i < n; i++) {
            validateName(names[i]);
            validateValue(names[i], values[i]);
        }
        // Sort by name (insertion sort: label sets are small), carrying values along.
        for (int i = 1; i < n; i++) {
            String name = names[i];
            String value = values[i];
            int j = i - 1;
            while (j >= 0 && names[j].compareTo(name) > 0) {
                names[j + 1] = names[j];
                values[j + 1] = values[j];
                j--;
            }
            names[j + 1] = name;
            values[j + 1] = value;
        }
        for (int i = 1; i < n; i++) {
            if (names[i].equals(names[i - 1])) {
                throw new IllegalArgumentException("duplicate label name '" + names[i] + "'");
            }
        }
        return new Labels(names, values);
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

    private static long computeHash(String[] names, String[] values) {
        long h = 0x9E3779B97F4A7C15L * names.length;
        for (int i = 0; i < names.length; i++) {
            h = (h ^ XX3.hashChars(names[i])) * 0xC2B2AE3D27D4EB4FL;
            h = (h ^ XX3.hashChars(values[i])) * 0x165667B19E3779F9L;
            h ^= h >>> 29;
        }
        return h;
    }

    /** Number of labels. */
    public int size() {
        return names.length;
    }

    /** The i-th label name in sorted order. */
    public String name(int i) {
        return names[i];
    }

    /** The i-th label value, in the same order as {@link #name(int)}. */
    public String value(int i) {
        return values[i];
    }

    /** The value of the named label, or {@code null} if the series has no such label. */
    public String get(String name) {
        int i = Arrays.binarySearch(names, name);
        return i >= 0 ? values[i] : null;
    }

    /**
     * The 64-bit xxHash3-based hash of the label set. It chooses the shard of a new series, so it is
     * part of the on-disk contract (docs/format/wal.md); two different label sets may share it.
     */
    public long hash64() {
        return hash64;
    }

    /** A sorted name to value map (a copy). */
    public Map<String, String> toMap() {
        Map<String, String> m = new TreeMap<>();
        for (int i = 0; i < names.length; i++) {
            m.put(names[i], values[i]);
        }
        return m;
    }

    /** The number of bytes the names and values take in UTF-8, without framing. */
    public int utf8Bytes() {
        int n = 0;
        for (int i = 0; i < names.length; i++) {
            n += names[i].length();
            n += values[i].getBytes(StandardCharsets.UTF_8).length;
        }
        return n;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Labels)) {
            return false;
        }
        Labels other = (Labels) o;
        return hash64 == other.hash64 && Arrays.equals(names, other.names) && Arrays.equals(values, other.values);
    }

    /**
     * Equality of content, ignoring the cached hash: used where a hash collision has to be ruled out
     * (the registry compares this way, so it never trusts the hash alone).
     */
    public boolean sameLabelsAs(Labels other) {
        return this == other || (Arrays.equals(names, other.names) && Arrays.equals(values, other.values));
    }

    @Override
    public int hashCode() {
        return (int) (hash64 ^ (hash64 >>> 32));
    }

    /** Prometheus notation: {@code {__name__="cpu", host="a"}}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(16 * names.length).append('{');
        for (int i = 0; i < names.length; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            appendQuoted(sb.append(names[i]).append('='), values[i]);
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
