package io.sluice.bench;

import io.sluice.engine.Labels;

/**
 * The load harness' series and values, fixed so that tools can compute the expected answers.
 *
 * <p>Series {@code i} (0 &lt;= i &lt; N) with {@code L} labels has {@code __name__=metric_<i mod 100>},
 * {@code host=host_<i mod 1000>}, {@code instance=i<i>}, and labels 4..L named {@code l4..lL}
 * with value {@code v<i mod 10>}. Each series' timestamps strictly increase, on the grid
 * {@code origin + k * step} of the directory's {@link SampleScheme}; {@code k} is the sample's step
 * index. The value of series {@code i} at timestamp {@code ts} (step index {@code k}) is one of:
 * <ul>
 *   <li>{@link Values#SAWTOOTH} ({@code --values sawtooth}, the default): {@link #value(long, long)},
 *       {@code 1024 * i + (ts mod 1024)}, an exact double, so a sample that lands in the wrong series
 *       or at the wrong time is caught;</li>
 *   <li>{@link Values#MIXED} ({@code --values mixed}): {@link #mixed(long, long)}, shaped like real
 *       scrapes. With {@code h(i, k) = mix64(mix64(i) + k * 0x9E3779B97F4A7C15) >>> 1} (wrapping
 *       64-bit arithmetic; {@code mix64} is SplitMix64's finalizer; the shift makes {@code h} a
 *       non-negative 63-bit number, so {@code mod} is the ordinary remainder) and
 *       {@code kind = i mod 10}:
 *       <ul>
 *         <li>kinds 0-4 (50%), counters that move every other step: with {@code b = k / 2},
 *             {@code 50 * b + (h(i, b) mod 51)}, never negative, each move adding 0 to 100;</li>
 *         <li>kinds 5-8 (40%), gauges with two decimals that move every fifth step: with
 *             {@code b = k / 5}, {@code cents / 100.0}, where
 *             {@code cents = center(i) + sum over j = b-7..b of (h(i, j) mod 101 - 50)} and
 *             {@code center(i) = h(i, -1) mod 100000}: a walk that stays within 400 cents of the
 *             center (consecutive moves differ by {@code d(b) - d(b-8)});</li>
 *         <li>kind 9 (10%), constants: {@code h(i, -2) mod 1000}.</li>
 *       </ul>
 *       The move rates are what real scrapes look like to Gorilla compression: an unchanged value
 *       costs one bit, a two-decimal gauge's move about six bytes (its binary fraction never ends).
 *       They put the mix near Prometheus' own 1.3 bytes per sample (docs/benchmarks.md).
 *       It depends only on {@code i} and {@code k}, so {@code verify} recomputes it from the sample's
 *       series and timestamp with the directory's recorded step and origin.</li>
 * </ul>
 * {@link #fill} computes a run of consecutive values for the producers without allocating.
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

    /** How a sample's value follows from its series and time: {@code load --values}. */
    public enum Values {
        /** {@code 1024 * i + (ts mod 1024)}: {@link #value(long, long)}. */
        SAWTOOTH,
        /** Counters, gauges and constants: {@link #mixed(long, long)}. */
        MIXED;

        /** The flag's spelling: {@code sawtooth}, {@code mixed}. */
        @Override
        public String toString() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        /**
         * The scheme a flag value names.
         *
         * @throws IllegalArgumentException naming the accepted values
         */
        public static Values parse(String text) {
            for (Values v : values()) {
                if (v.toString().equals(text)) {
                    return v;
                }
            }
            throw new IllegalArgumentException("unknown value scheme '" + text + "': use sawtooth or mixed");
        }
    }

    /** What a series is under {@link Values#MIXED}, by {@code kind = i mod 10}. */
    public enum Shape {
        /** Kinds 0-4: a counter, {@code 50 * k + (h(i, k) mod 51)}. */
        COUNTER,
        /** Kinds 5-8: a gauge, a walk with two decimals within 400 cents of its center. */
        GAUGE,
        /** Kind 9: a constant, {@code h(i, -2) mod 1000}. */
        CONSTANT
    }

    private static final long GAMMA = 0x9E3779B97F4A7C15L;
    /** A gauge's value is the sum of this many of its series' steps ({@code j = k-7..k}). */
    static final int GAUGE_WINDOW = 8;

    /** What series {@code i} is under {@code --values mixed}: kinds ({@code i mod 10}) 0-4, 5-8 and 9. */
    public static Shape shape(long i) {
        long kind = Math.floorMod(i, 10L);
        return kind < 5 ? Shape.COUNTER : kind < 9 ? Shape.GAUGE : Shape.CONSTANT;
    }

    /** SplitMix64's finalizer (Stafford's variant 13): a bijective 64-bit mix. */
    static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** {@code h(i, k)} of the mixed scheme: a non-negative 63-bit hash of series and step index. */
    public static long h(long i, long k) {
        return hashWithSeed(mix64(i), k);
    }

    private static long hashWithSeed(long seed, long k) {
        return mix64(seed + k * GAMMA) >>> 1;
    }

    /** A gauge's fixed center in cents: {@code h(i, -1) mod 100000}. */
    public static long gaugeCenter(long i) {
        return h(i, -1) % 100_000;
    }

    /** A gauge's step {@code d(j) = h(i, j) mod 101 - 50}, in cents; {@code seed} is {@code mix64(i)}. */
    private static long gaugeStep(long seed, long j) {
        return hashWithSeed(seed, j) % 101 - 50;
    }

    /** A gauge's value at move index {@code k} (step index / {@link #GAUGE_EVERY}), in cents. */
    public static long gaugeCents(long i, long k) {
        long seed = mix64(i);
        long cents = gaugeCenter(i);
        for (long j = k - (GAUGE_WINDOW - 1); j <= k; j++) {
            cents += gaugeStep(seed, j);
        }
        return cents;
    }

    /** A counter moves every this many steps. */
    static final long COUNTER_EVERY = 2;
    /** A gauge moves every this many steps. */
    static final long GAUGE_EVERY = 5;

    /** The value of series {@code i} at step index {@code k} under {@code --values mixed} (see the class comment). */
    public static double mixed(long i, long k) {
        switch (shape(i)) {
            case COUNTER: {
                long b = Math.floorDiv(k, COUNTER_EVERY);
                return (double) (50 * b + h(i, b) % 51);
            }
            case GAUGE:
                return gaugeCents(i, Math.floorDiv(k, GAUGE_EVERY)) / 100.0;
            default:
                return (double) (h(i, -2) % 1000);
        }
    }

    /**
     * Writes the values of series {@code i} for {@code n} consecutive samples into {@code out[0..n)}: the
     * first at step index {@code k0} and timestamp {@code ts0}, each next one step ({@code stepMillis})
     * later. Equal, bit for bit, to {@link #value(long, long)} or {@link #mixed(long, long)} per sample,
     * and allocation-free: a gauge costs two hashes per sample (its window slides), not eight.
     */
    public static void fill(Values values, long i, long k0, long ts0, long stepMillis, int n, double[] out) {
        if (values == Values.SAWTOOTH) {
            long hi = i << 10;
            long ts = ts0;
            for (int j = 0; j < n; j++) {
                out[j] = (double) (hi | (ts & 1023));
                ts += stepMillis;
            }
            return;
        }
        long seed = mix64(i);
        switch (shape(i)) {
            case COUNTER:
                for (int j = 0; j < n; j++) {
                    long b = Math.floorDiv(k0 + j, COUNTER_EVERY);
                    out[j] = (double) (50 * b + hashWithSeed(seed, b) % 51);
                }
                break;
            case GAUGE:
                long b = Math.floorDiv(k0, GAUGE_EVERY);
                long cents = gaugeCents(i, b);
                for (int j = 0; j < n; j++) {
                    long bj = Math.floorDiv(k0 + j, GAUGE_EVERY);
                    if (bj != b) { // moves by one window step at each new move index
                        b = bj;
                        cents += gaugeStep(seed, b) - gaugeStep(seed, b - GAUGE_WINDOW);
                    }
                    out[j] = cents / 100.0;
                }
                break;
            default:
                double c = (double) (h(i, -2) % 1000);
                for (int j = 0; j < n; j++) {
                    out[j] = c;
                }
        }
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
