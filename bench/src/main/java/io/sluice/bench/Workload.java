package io.sluice.bench;

import io.sluice.engine.Labels;

/**
 * The load harness' series and values, fixed so that tools can compute the expected answers.
 *
 * <p>Series {@code i} (0 &lt;= i &lt; N) with {@code L} labels has {@code __name__=metric_<i mod 100>},
 * {@code host=host_<i mod 1000>}, {@code instance=i<i>}, and labels 4..L named {@code l4..lL}
 * with value {@code v<i mod 10>}. Each series' timestamps strictly increase. The value of series
 * {@code i} at timestamp {@code ts} is {@link #value(long, long)}: {@code 1024 * i + (ts mod 1024)},
 * an exact double, so a sample that lands in the wrong series or at the wrong time is caught.
 *
 * <p>Threading: immutable.
 */
public final class Workload {
    /** Fewest labels a workload series has: __name__, host, instance. */
    public static final int MIN_LABELS = 3;

    private final int series;
    private final int labels;

    public Workload(int series, int labels) {
        if (series < 1) {
            throw new IllegalArgumentException("series must be at least 1, got " + series);
        }
        if (labels < MIN_LABELS || labels > Labels.MAX_LABELS) {
            throw new IllegalArgumentException("labels must be from " + MIN_LABELS + " to " + Labels.MAX_LABELS
                + ", got " + labels);
        }
        this.series = series;
        this.labels = labels;
    }

    public int series() {
        return series;
    }

    public int labels() {
        return labels;
    }

    /** The labels of series {@code i}. */
    public Labels labelsOf(long i) {
        String[] kv = new String[2 * labels];
        kv[0] = "__name__";
        kv[1] = "metric_" + (i % 100);
        kv[2] = "host";
        kv[3] = "host_" + (i % 1000);
        kv[4] = "instance";
        kv[5] = "i" + i;
        String v = "v" + (i % 10);
        for (int k = 4; k <= labels; k++) {
            kv[2 * (k - 1)] = "l" + k;
            kv[2 * (k - 1) + 1] = v;
        }
        return Labels.of(kv);
    }

    /** The value of series {@code i} at {@code ts}: {@code 1024 * i + (ts mod 1024)}. */
    public static double value(long i, long ts) {
        return (double) ((i << 10) | (ts & 1023));
    }

    /**
     * The series index a label set encodes, or -1 if it does not follow this workload's scheme (with
     * any label count from 3 to 64).
     */
    public static long indexOf(Labels l) {
        String instance = l.get("instance");
        if (instance == null || instance.length() < 2 || instance.charAt(0) != 'i') {
            return -1;
        }
        long i;
        try {
            i = Long.parseLong(instance.substring(1));
        } catch (NumberFormatException e) {
            return -1;
        }
        if (i < 0 || !("metric_" + (i % 100)).equals(l.get("__name__")) || !("host_" + (i % 1000)).equals(l.get("host"))) {
            return -1;
        }
        String v = "v" + (i % 10);
        for (int k = 0; k < l.size(); k++) {
            String name = l.name(k);
            if (name.equals("__name__") || name.equals("host") || name.equals("instance")) {
                continue;
            }
            if (!isExtraLabel(name, l.size())) {
                return -1;
            }
            if (!v.equals(l.value(k))) {
                return -1;
            }
        }
        return l.size() >= MIN_LABELS ? i : -1;
    }

    /** l4..lL, where L is the label count: distinct names in that range are exactly the set. */
    private static boolean isExtraLabel(String name, int labelCount) {
        if (name.length() < 2 || name.charAt(0) != 'l') {
            return false;
        }
        try {
            int k = Integer.parseInt(name.substring(1));
            return k >= 4 && k <= labelCount && name.equals("l" + k);
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
