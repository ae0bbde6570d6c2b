package io.sluice.block;

import java.security.SecureRandom;
import java.util.Objects;
import java.util.Random;

/**
 * A ULID (github.com/ulid/spec), the name of a block directory: 48 bits of Unix time in milliseconds
 * followed by 80 random bits, written as 26 characters of Crockford's base32 ({@code 0-9A-Z} without
 * {@code I L O U}), most significant first. The text sorts as the value does, so block directories
 * sort by creation time. Prometheus uses github.com/oklog/ulid, which this matches.
 *
 * <p>Threading: immutable.
 */
public final class Ulid implements Comparable<Ulid> {
    /** Length of the text form. */
    public static final int LENGTH = 26;
    /** The largest time a ULID can hold: 2^48 - 1 milliseconds. */
    public static final long MAX_TIME = (1L << 48) - 1;

    private static final char[] ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".toCharArray();
    private static final byte[] DECODE = new byte[128];
    private static final SecureRandom RANDOM = new SecureRandom();

    static {
        java.util.Arrays.fill(DECODE, (byte) -1);
        for (int i = 0; i < ALPHABET.length; i++) {
            DECODE[ALPHABET[i]] = (byte) i;
            DECODE[Character.toLowerCase(ALPHABET[i])] = (byte) i;
        }
    }

    /** Bits 127..64: the 48-bit time, then the first 16 random bits. */
    private final long hi;
    /** Bits 63..0: the last 64 random bits. */
    private final long lo;

    private Ulid(long hi, long lo) {
        this.hi = hi;
        this.lo = lo;
    }

    /** A new ULID for the current time, with randomness from a {@link SecureRandom}. */
    public static Ulid generate() {
        return generate(System.currentTimeMillis(), RANDOM);
    }

    /**
     * A ULID for {@code timeMillis} with 80 bits drawn from {@code random} (tests pass a seeded one).
     *
     * @throws IllegalArgumentException if the time is negative or above {@link #MAX_TIME}
     */
    public static Ulid generate(long timeMillis, Random random) {
        Objects.requireNonNull(random, "random");
        checkTime(timeMillis);
        long r16 = random.nextInt() & 0xFFFFL;
        return new Ulid(timeMillis << 16 | r16, random.nextLong());
    }

    /**
     * The ULID of the given time and 80 random bits: the low 16 bits of {@code randomHi} and all of
     * {@code randomLo}.
     */
    public static Ulid of(long timeMillis, long randomHi, long randomLo) {
        checkTime(timeMillis);
        return new Ulid(timeMillis << 16 | (randomHi & 0xFFFFL), randomLo);
    }

    private static void checkTime(long timeMillis) {
        if (timeMillis < 0 || timeMillis > MAX_TIME) {
            throw new IllegalArgumentException("ULID time must be in [0, 2^48), got " + timeMillis);
        }
    }

    /**
     * Parses the 26-character form (either case).
     *
     * @throws IllegalArgumentException if {@code text} is not a ULID
     */
    public static Ulid parse(CharSequence text) {
        Objects.requireNonNull(text, "text");
        if (text.length() != LENGTH) {
            throw new IllegalArgumentException("a ULID has " + LENGTH + " characters, got " + text.length() + ": '" + text + "'");
        }
        long hi = 0;
        long lo = 0;
        for (int i = 0; i < LENGTH; i++) {
            char c = text.charAt(i);
            int v = c < 128 ? DECODE[c] : -1;
            if (v < 0) {
                throw new IllegalArgumentException("invalid ULID character '" + c + "' at index " + i + " in '" + text + "'");
            }
            if (i == 0 && v > 7) {
                throw new IllegalArgumentException("ULID overflows 128 bits: '" + text + "'");
            }
            // Shift the 128-bit value left by 5 and add v.
            hi = hi << 5 | lo >>> 59;
            lo = lo << 5 | v;
        }
        return new Ulid(hi, lo);
    }

    /** Unix time in milliseconds (the first 48 bits). */
    public long timestamp() {
        return hi >>> 16;
    }

    /** The high 64 bits. */
    public long mostSignificantBits() {
        return hi;
    }

    /** The low 64 bits. */
    public long leastSignificantBits() {
        return lo;
    }

    @Override
    public String toString() {
        char[] out = new char[LENGTH];
        // 26 characters of 5 bits = 130 bits: the first character holds the top 3 bits.
        long h = hi;
        long l = lo;
        for (int i = LENGTH - 1; i >= 0; i--) {
            out[i] = ALPHABET[(int) (l & 31)];
            l = l >>> 5 | h << 59;
            h >>>= 5;
        }
        return new String(out);
    }

    @Override
    public int compareTo(Ulid o) {
        int c = Long.compareUnsigned(hi, o.hi);
        return c != 0 ? c : Long.compareUnsigned(lo, o.lo);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Ulid && ((Ulid) o).hi == hi && ((Ulid) o).lo == lo;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(hi) * 31 + Long.hashCode(lo);
    }
}
