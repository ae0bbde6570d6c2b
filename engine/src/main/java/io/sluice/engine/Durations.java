package io.sluice.engine;

import java.time.Duration;

/**
 * Parses and prints short durations: {@code 500us}, {@code 10ms}, {@code 5s}, {@code 2m}, {@code 1h}.
 * Threading: static, pure.
 */
public final class Durations {
    private Durations() {
    }

    /**
     * Parses a positive whole number followed by a unit (ns, us, ms, s, m, h).
     *
     * @throws IllegalArgumentException naming the accepted forms
     */
    public static Duration parse(String text) {
        String t = text.trim();
        int i = 0;
        while (i < t.length() && Character.isDigit(t.charAt(i))) {
            i++;
        }
        if (i == 0 || i == t.length()) {
            throw new IllegalArgumentException("invalid duration '" + text + "': use a whole number and a unit,"
                + " e.g. 10s, 2m, 500ms");
        }
        long n;
        try {
            n = Long.parseLong(t.substring(0, i));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid duration '" + text + "': number too large");
        }
        String unit = t.substring(i);
        switch (unit) {
            case "ns":
                return Duration.ofNanos(n);
            case "us":
                return Duration.ofNanos(Math.multiplyExact(n, 1_000L));
            case "ms":
                return Duration.ofMillis(n);
            case "s":
                return Duration.ofSeconds(n);
            case "m":
                return Duration.ofMinutes(n);
            case "h":
                return Duration.ofHours(n);
            default:
                throw new IllegalArgumentException("invalid duration '" + text + "': unknown unit '" + unit
                    + "' (use ns, us, ms, s, m or h)");
        }
    }

    /** The shortest exact form: {@code 10ms}, {@code 2m}. */
    public static String format(Duration d) {
        long nanos = d.toNanos();
        if (nanos % 3_600_000_000_000L == 0 && nanos != 0) {
            return nanos / 3_600_000_000_000L + "h";
        }
        if (nanos % 60_000_000_000L == 0 && nanos != 0) {
            return nanos / 60_000_000_000L + "m";
        }
        if (nanos % 1_000_000_000L == 0 && nanos != 0) {
            return nanos / 1_000_000_000L + "s";
        }
        if (nanos % 1_000_000L == 0) {
            return nanos / 1_000_000L + "ms";
        }
        if (nanos % 1_000L == 0) {
            return nanos / 1_000L + "us";
        }
        return nanos + "ns";
    }
}
