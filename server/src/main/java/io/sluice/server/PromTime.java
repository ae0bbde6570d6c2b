package io.sluice.server;

import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/** Prometheus' HTTP API time and duration parameters, and its number formats. */
final class PromTime {
    private PromTime() {
    }

    /** A time parameter: Unix seconds (decimal) or RFC 3339. Returns milliseconds. */
    static long parseTime(String param, String text) throws BadRequestException {
        String t = text.trim();
        try {
            BigDecimal secs = new BigDecimal(t);
            return secs.movePointRight(3).setScale(0, java.math.RoundingMode.HALF_EVEN).longValueExact();
        } catch (NumberFormatException | ArithmeticException notNumber) {
            try {
                return OffsetDateTime.parse(t).toInstant().toEpochMilli();
            } catch (DateTimeParseException | ArithmeticException e) {
                throw new BadRequestException("invalid parameter \"" + param + "\": cannot parse \"" + text
                    + "\" to a valid timestamp");
            }
        }
    }

    /**
     * A Prometheus duration: {@code 5m}, {@code 1h30m}, {@code 250ms}, units ms s m h d w y
     * (largest first, each once); or, if {@code secondsAllowed}, decimal seconds. Returns milliseconds.
     */
    static long parseDuration(String param, String text, boolean secondsAllowed) throws BadRequestException {
        String t = text.trim();
        if (secondsAllowed) {
            try {
                BigDecimal secs = new BigDecimal(t);
                long ms = secs.movePointRight(3).setScale(0, java.math.RoundingMode.HALF_EVEN).longValueExact();
                if (ms <= 0) {
                    throw new BadRequestException("invalid parameter \"" + param + "\": zero or negative duration");
                }
                return ms;
            } catch (NumberFormatException | ArithmeticException notNumber) {
                // a duration with units
            }
        }
        String[] units = {"y", "w", "d", "h", "m", "s", "ms"};
        long[] factor = {365L * 86_400_000, 7L * 86_400_000, 86_400_000, 3_600_000, 60_000, 1000, 1};
        long total = 0;
        int i = 0;
        int lastUnit = -1;
        if (t.isEmpty()) {
            throw badDuration(param, text);
        }
        while (i < t.length()) {
            int start = i;
            while (i < t.length() && Character.isDigit(t.charAt(i))) {
                i++;
            }
            if (start == i) {
                throw badDuration(param, text);
            }
            int ustart = i;
            while (i < t.length() && Character.isLetter(t.charAt(i))) {
                i++;
            }
            String unit = t.substring(ustart, i);
            int u = -1;
            for (int k = 0; k < units.length; k++) {
                if (units[k].equals(unit)) {
                    u = k;
                }
            }
            if (u < 0 || u <= lastUnit) {
                throw badDuration(param, text);
            }
            lastUnit = u;
            try {
                total = Math.addExact(total, Math.multiplyExact(Long.parseLong(t.substring(start, ustart)), factor[u]));
            } catch (NumberFormatException | ArithmeticException e) {
                throw badDuration(param, text);
            }
        }
        if (total <= 0) {
            throw new BadRequestException("invalid parameter \"" + param + "\": zero or negative duration");
        }
        return total;
    }

    private static BadRequestException badDuration(String param, String text) {
        return new BadRequestException("invalid parameter \"" + param + "\": cannot parse \"" + text
            + "\" to a valid duration (e.g. 5m, 1h30m, 250ms)");
    }

    /** A sample time as Prometheus writes it in JSON: Unix seconds with up to three decimals. */
    static String seconds(long ms) {
        long s = Math.floorDiv(ms, 1000);
        int frac = Math.floorMod(ms, 1000);
        if (frac == 0) {
            return Long.toString(s);
        }
        String f = String.format("%03d", frac);
        int end = f.length();
        while (f.charAt(end - 1) == '0') {
            end--;
        }
        return s + "." + f.substring(0, end);
    }

    /** A value as Prometheus writes it (Go's {@code strconv.FormatFloat(v, 'f', -1, 64)}). */
    static String value(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        if (v == 0) {
            return (1 / v < 0) ? "-0" : "0";
        }
        return new BigDecimal(Double.toString(v)).stripTrailingZeros().toPlainString();
    }

    /** Prometheus' staleness marker (value.StaleNaN). */
    static final long STALE_NAN_BITS = 0x7ff0000000000002L;

    static boolean isStale(double v) {
        return Double.doubleToRawLongBits(v) == STALE_NAN_BITS;
    }
}
