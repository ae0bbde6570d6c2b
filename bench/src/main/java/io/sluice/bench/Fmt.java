package io.sluice.bench;

import java.util.Locale;

/** Number formatting for the harness' human-readable output. */
public final class Fmt {
    private Fmt() {
    }

    /** 12,345,678 */
    public static String n(long v) {
        return String.format(Locale.ROOT, "%,d", v);
    }

    /** Nanoseconds as whole microseconds with separators. */
    public static String us(long nanos) {
        return n(Math.round(nanos / 1000.0));
    }

    /** Nanoseconds as microseconds with one decimal below 100. */
    public static double usValue(long nanos) {
        double us = nanos / 1000.0;
        return us < 100 ? Math.round(us * 10) / 10.0 : Math.round(us);
    }

    public static String seconds(double s) {
        return String.format(Locale.ROOT, "%.2f", s);
    }

    /** Milliseconds in the largest unit that divides them: {@code 15s}, {@code 1500ms}, {@code 2h}. */
    public static String millis(long ms) {
        long[] sizes = {3_600_000L, 60_000L, 1_000L};
        String[] units = {"h", "m", "s"};
        for (int u = 0; u < sizes.length; u++) {
            if (ms != 0 && ms % sizes[u] == 0) {
                return ms / sizes[u] + units[u];
            }
        }
        return ms + "ms";
    }

    public static String bytes(long b) {
        if (b < 1024) {
            return b + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = b;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
