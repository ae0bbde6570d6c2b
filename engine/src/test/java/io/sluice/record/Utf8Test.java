package io.sluice.record;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@link Utf8} writes exactly the bytes of {@code String.getBytes(UTF_8)}: randomized, seed printed. */
class Utf8Test {
    private static final char[] PICKS = {'a', 'Z', '0', '_', 0x7F, 0x80, 0xE9, 0x7FF, 0x800, 0x20AC, 0xFFFF,
        0xD800, 0xDBFF, 0xDC00, 0xDFFF}; // the last four are surrogates, paired or not by chance

    @Test
    void encodesAsStringGetBytesDoes() {
        long seed = System.nanoTime();
        System.out.println("Utf8Test seed " + seed);
        SplittableRandom random = new SplittableRandom(seed);
        UnsafeBuffer buf = new UnsafeBuffer(new byte[4 * 64 + 8]);
        for (int round = 0; round < 20_000; round++) {
            char[] chars = new char[random.nextInt(65)];
            for (int i = 0; i < chars.length; i++) {
                chars[i] = random.nextInt(3) == 0 ? (char) random.nextInt(0x10000) : PICKS[random.nextInt(PICKS.length)];
            }
            String s = new String(chars);
            byte[] expected = s.getBytes(StandardCharsets.UTF_8);
            assertEquals(expected.length, Utf8.encodedLength(s), () -> "length of " + dump(s) + ", seed " + seed);
            buf.setMemory(0, buf.capacity(), (byte) 0x55);
            int n = Utf8.encode(buf, 3, s);
            byte[] got = new byte[n];
            buf.getBytes(3, got);
            assertArrayEquals(expected, got, () -> "bytes of " + dump(s) + ", seed " + seed);
            assertEquals((byte) 0x55, buf.getByte(3 + n), "nothing written past the end");
        }
    }

    @Test
    void pairsAndUnpairedSurrogates() {
        for (String s : new String[] {"", "plain", "é", "€", "😀", "a\uD83D", "\uDE00b", "\uD83D\uD83D\uDE00"}) {
            byte[] expected = s.getBytes(StandardCharsets.UTF_8);
            UnsafeBuffer buf = new UnsafeBuffer(new byte[16]);
            assertEquals(expected.length, Utf8.encodedLength(s), dump(s));
            assertEquals(expected.length, Utf8.encode(buf, 0, s), dump(s));
            assertArrayEquals(expected, Arrays.copyOf(buf.byteArray(), expected.length), dump(s));
        }
    }

    private static String dump(String s) {
        StringBuilder b = new StringBuilder();
        s.chars().forEach(c -> b.append(String.format("\\u%04X", c)));
        return b.toString();
    }
}
