package io.sluice.chunk;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Writes {@code golden/chunks/golden.om}, the OpenMetrics input that promtool turned into the golden
 * chunks (see that directory's README.md). Deterministic: a fixed seed, so running it again gives the
 * same file. The checked-in file, not this class, is the contract; this says how it was made.
 *
 * <p>Timestamps start at 1,700,000,000,000 ms, 800 s into a 2 h block, and are written as seconds
 * with three decimals (promtool reads {@code (long) (seconds * 1000)}).
 */
final class GoldenChunkInput {
    static final long T0 = 1_700_000_000_000L;
    static final long BLOCK = 7_200_000L;

    private final StringBuilder out = new StringBuilder();
    private final SplittableRandom random = new SplittableRandom(20_260_420L);

    public static void main(String[] args) throws IOException {
        Path file = Path.of(args.length > 0 ? args[0] : "engine/src/test/resources/golden/chunks/golden.om");
        Files.writeString(file, new GoldenChunkInput().build(), StandardCharsets.UTF_8);
        System.out.println("wrote " + file);
    }

    String build() {
        constant();
        counter();
        randomGauge();
        ieeeValues();
        everyDodBucket();
        fastSawtooth();
        slowThenFast();
        sparse();
        out.append("# EOF\n");
        return out.toString();
    }

    /** 600 samples of 42 every 15 s: crosses a block boundary, cut by the quarter-chunk prediction. */
    private void constant() {
        family("golden_constant", "gauge");
        for (int i = 0; i < 600; i++) {
            sample("golden_constant{step=\"15s\"}", T0 + 15_000L * i, "42");
        }
    }

    /** A counter with random increments, a reset, and a few missed scrapes (30 s gaps). */
    private void counter() {
        family("golden_requests", "counter");
        long t = T0;
        long count = 0;
        for (int i = 0; i < 600; i++) {
            if (i == 250) {
                count = 0;
            }
            count += random.nextInt(50);
            sample("golden_requests_total{kind=\"counter\"}", t, Long.toString(count));
            t += i % 97 == 13 ? 30_000 : 15_000;
        }
    }

    /** A gauge with three decimals, at 15 s with up to ±20 ms of jitter (14-bit dods). */
    private void randomGauge() {
        family("golden_gauge", "gauge");
        double v = 50;
        for (int i = 0; i < 600; i++) {
            v += (random.nextDouble() - 0.5) * 10;
            long jitter = random.nextInt(41) - 20;
            sample("golden_gauge{kind=\"random\"}", T0 + 15_000L * i + jitter, String.format(Locale.ROOT, "%.3f", v));
        }
    }

    /**
     * Every 1 ms, values that exercise the XOR forms: repeats, NaN, infinities, signed zeros, sign
     * flips (64 significant bits), neighbours one ulp apart (leading zeros clamped to 31), subnormals.
     */
    private void ieeeValues() {
        family("golden_special", "gauge");
        String[] cycle = {
            "NaN", "NaN", "+Inf", "-Inf", "-0.0", "0", "1.5", "1.5", "-1.5", "1.0E-300", "1.0E300", "4.9E-324",
            "1.7976931348623157E308", "0.1", "0.30000000000000004", "1", "1.0000000000000002", "1.0000000000000004",
            "-2.2250738585072014E-308", "123456.789", "123456.79", "-123456.789", "3", "3", "3", "1024", "1025",
            "65535.99609375",
        };
        for (int i = 0; i < 400; i++) {
            // A random value every 7th sample; the cycle runs in order between them, so neighbours meet.
            String value = i % 7 == 6 ? Double.toString(random.nextDouble() * 1e6 - 5e5) : cycle[(i - i / 7) % cycle.length];
            sample("golden_special{kind=\"ieee\"}", T0 + 60_000 + i, value);
        }
    }

    /**
     * Timestamps whose deltas of deltas hit each bucket at and just beyond its bounds: a base step of
     * 1 s, then a step of 1 s + x and back to 1 s, for x at the 14-, 17- and 20-bit limits.
     */
    private void everyDodBucket() {
        family("golden_dod", "gauge");
        long[] jumps = {1, 8191, 8192, 8193, 65535, 65536, 65537, 524287, 524288, 524289, 1_000_000, 2};
        long t = T0 + 120_000;
        int i = 0;
        for (int round = 0; round < 2; round++) {
            for (long jump : jumps) {
                for (int k = 0; k < 12; k++) {
                    sample("golden_dod{kind=\"buckets\"}", t, Integer.toString(i++ % 10));
                    t += 1000;
                }
                t += jump;
                sample("golden_dod{kind=\"buckets\"}", t, Integer.toString(i++ % 10));
                t += 1000;
            }
        }
        while (i < 360) {
            sample("golden_dod{kind=\"buckets\"}", t, Integer.toString(i++ % 10));
            t += 1000;
        }
    }

    /** A sawtooth every 1 ms: chunks of about 120 samples. */
    private void fastSawtooth() {
        family("golden_fast", "gauge");
        for (int i = 0; i < 1000; i++) {
            sample("golden_fast{step=\"1ms\"}", T0 + 30_000 + i, Integer.toString(i % 97));
        }
    }

    /**
     * 30 samples every 3 min, then 400 every 1 ms in the same block: the prediction made at 30 samples
     * is the window's end, so the chunk is cut at 2 × 120 samples.
     */
    private void slowThenFast() {
        family("golden_rate_change", "gauge");
        long t = T0 - 800_000 + BLOCK + 60_000; // one minute into the next block
        for (int i = 0; i < 30; i++) {
            sample("golden_rate_change{kind=\"slow_then_fast\"}", t, Integer.toString(i));
            t += 180_000;
        }
        for (int i = 0; i < 400; i++) {
            sample("golden_rate_change{kind=\"slow_then_fast\"}", t, String.format(Locale.ROOT, "%.2f", i * 0.25));
            t += 1;
        }
    }

    /** Six samples 50 min apart: blocks holding one, two or three samples, so chunks of one sample. */
    private void sparse() {
        family("golden_sparse", "gauge");
        for (int i = 0; i < 6; i++) {
            sample("golden_sparse{kind=\"few\"}", T0 + 3_000_000L * i, Double.toString(i * 1.25));
        }
    }

    private void family(String name, String type) {
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private void sample(String series, long t, String value) {
        out.append(series).append(' ').append(value).append(' ')
            .append(t / 1000).append('.').append(String.format(Locale.ROOT, "%03d", t % 1000)).append('\n');
    }
}
