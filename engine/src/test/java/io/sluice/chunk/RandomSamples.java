package io.sluice.chunk;

import java.util.SplittableRandom;

/**
 * Test helper: random series for round trips. Timestamps step by deltas of delta drawn from every
 * bucket, its bounds, and beyond (negative deltas and 64-bit wrap-around included, which the
 * encoding handles although Prometheus' head never appends them); values are realistic shapes and
 * arbitrary bit patterns (NaN payloads, the stale marker, signed zeros, infinities, subnormals).
 */
final class RandomSamples {
    /** Prometheus' stale marker, {@code value.StaleNaN}. */
    static final long STALE_NAN = 0x7FF0000000000002L;
    private static final long[] DOD_EDGES = {
        0, 1, -1, 8191, 8192, -8191, -8192, 8193, 65535, 65536, -65535, -65536, 65537,
        524287, 524288, -524287, -524288, 524289, Long.MAX_VALUE, Long.MIN_VALUE, Integer.MAX_VALUE,
    };
    private static final long[] SPECIAL_VALUES = {
        STALE_NAN, 0x7FF8000000000001L, 0x7FF8000000000000L, 0xFFF8000000000000L, 0x7FF0000000000001L,
        0xFFFFFFFFFFFFFFFFL, Double.doubleToRawLongBits(-0.0), 0L, Double.doubleToRawLongBits(Double.POSITIVE_INFINITY),
        Double.doubleToRawLongBits(Double.NEGATIVE_INFINITY), 1L, Double.doubleToRawLongBits(Double.MAX_VALUE),
        Long.MIN_VALUE, Long.MAX_VALUE,
    };

    private RandomSamples() {
    }

    /** {@code n} samples as {t, value bits} pairs, in one of several shapes. */
    static long[][] series(SplittableRandom r, int n) {
        long[][] out = new long[n][2];
        int timeShape = r.nextInt(4);
        int valueShape = r.nextInt(6);
        long t = r.nextInt(3) == 0 ? r.nextLong() : 1_700_000_000_000L + r.nextInt(1_000_000);
        long step = r.nextInt(4) == 0 ? 1 : 15_000;
        long delta = step;
        double v = r.nextDouble() * 100;
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                delta += switch (timeShape) {
                    case 0 -> 0; // regular
                    case 1 -> r.nextInt(10) == 0 ? r.nextInt(41) - 20 : 0; // jitter
                    case 2 -> DOD_EDGES[r.nextInt(DOD_EDGES.length)];
                    default -> r.nextInt(8) == 0 ? r.nextLong() : r.nextLong(-600_000, 600_000);
                };
                t += delta;
            }
            out[i][0] = t;
            out[i][1] = switch (valueShape) {
                case 0 -> Double.doubleToRawLongBits(42); // constant
                case 1 -> Double.doubleToRawLongBits(v += r.nextInt(100)); // counter
                case 2 -> Double.doubleToRawLongBits(Math.round((v += r.nextDouble() - 0.5) * 100) / 100.0); // gauge
                case 3 -> Double.doubleToRawLongBits(i % 120); // sawtooth
                case 4 -> r.nextLong(); // any bits
                default -> mixed(r, i > 0 ? out[i - 1][1] : 0);
            };
        }
        return out;
    }

    private static long mixed(SplittableRandom r, long previous) {
        return switch (r.nextInt(6)) {
            case 0 -> previous;
            case 1 -> SPECIAL_VALUES[r.nextInt(SPECIAL_VALUES.length)];
            case 2 -> previous ^ (1L << r.nextInt(64));
            case 3 -> previous ^ (r.nextLong() >>> r.nextInt(64));
            case 4 -> Double.doubleToRawLongBits(-Double.longBitsToDouble(previous));
            default -> r.nextLong();
        };
    }

    static long seed(String testName) {
        long seed = Long.getLong("sluice.test.seed", System.nanoTime());
        System.out.println(testName + " seed " + seed + " (rerun with -Dsluice.test.seed=" + seed + ")");
        return seed;
    }
}
