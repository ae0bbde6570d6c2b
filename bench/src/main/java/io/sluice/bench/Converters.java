package io.sluice.bench;

import io.sluice.engine.Durability;
import io.sluice.engine.Durations;
import picocli.CommandLine;

import java.time.Duration;

/** picocli converters for the harness' option types; their messages become one-line usage errors. */
final class Converters {
    private Converters() {
    }

    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            try {
                return Durations.parse(value);
            } catch (ArithmeticException e) {
                throw new CommandLine.TypeConversionException("invalid duration '" + value + "': too large");
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    static final class DurabilityConverter implements CommandLine.ITypeConverter<Durability> {
        @Override
        public Durability convert(String value) {
            try {
                return Durability.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    static final class ValuesConverter implements CommandLine.ITypeConverter<Workload.Values> {
        @Override
        public Workload.Values convert(String value) {
            try {
                return Workload.Values.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    /** A count with an optional k, M or G suffix: 5000000, 5M, 100k. */
    static final class CountConverter implements CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            String v = value.trim().replace("_", "").replace(",", "");
            long mult = 1;
            if (!v.isEmpty()) {
                char c = Character.toLowerCase(v.charAt(v.length() - 1));
                if (c == 'k' || c == 'm' || c == 'g') {
                    mult = c == 'k' ? 1_000L : c == 'm' ? 1_000_000L : 1_000_000_000L;
                    v = v.substring(0, v.length() - 1);
                }
            }
            try {
                return Math.multiplyExact(Long.parseLong(v), mult);
            } catch (NumberFormatException | ArithmeticException e) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not a whole number"
                    + " (suffixes k, M, G allowed)");
            }
        }
    }

    /**
     * A size in bytes: a whole number with an optional binary suffix, {@code k}/{@code KiB} (1024),
     * {@code M}/{@code MiB} (1024^2) or {@code G}/{@code GiB} (1024^3), so that {@code 64M} is the
     * 67,108,864 bytes of the default segment size. Decimal counts use {@link CountConverter}.
     */
    static final class ByteSizeConverter implements CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            String v = value.trim().replace("_", "").replace(",", "");
            String lower = v.toLowerCase(java.util.Locale.ROOT);
            int cut = lower.endsWith("ib") ? 3 : 1; // "KiB" or "k"
            int power = lower.length() < cut ? 0 : "kmg".indexOf(lower.charAt(lower.length() - cut)) + 1;
            if (power > 0) {
                v = v.substring(0, v.length() - cut);
            }
            try {
                return Math.multiplyExact(Long.parseLong(v.trim()), 1L << (10 * power));
            } catch (NumberFormatException | ArithmeticException e) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not a size in bytes"
                    + " (a whole number; suffixes k, M, G or KiB, MiB, GiB are powers of 1024)");
            }
        }
    }
}
