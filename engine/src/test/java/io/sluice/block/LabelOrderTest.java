package io.sluice.block;

import io.sluice.engine.Labels;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Prometheus' order: strings by UTF-8 bytes (not UTF-16 units), label sets label by label. */
class LabelOrderTest {
    @Test
    void stringsCompareAsTheirUtf8Bytes() {
        assertTrue("\uFFFD".compareTo("𝄞") > 0, "Java's UTF-16 order puts the surrogate pair first");
        assertTrue(LabelOrder.compare("\uFFFD", "𝄞") < 0, "UTF-8 puts U+FFFD first");
        assertTrue(LabelOrder.compare("\uE000", "😀") < 0);
        assertTrue(LabelOrder.compare("a", "ab") < 0);
        assertTrue(LabelOrder.compare("Z", "a") < 0);
        String[] alphabet = {"a", "z", "\u007F", "\u0080", "ü", "\u07FF", "\u0800", "東", "\uD7FF", "\uE000", "\uFFFD",
            "\uFFFF", "𝄞", "😀", "\uDBFF\uDFFF"};
        Random rnd = new Random(11);
        for (int i = 0; i < 100_000; i++) {
            String x = random(rnd, alphabet);
            String y = random(rnd, alphabet);
            int want = Integer.signum(Arrays.compareUnsigned(x.getBytes(StandardCharsets.UTF_8), y.getBytes(StandardCharsets.UTF_8)));
            assertEquals(want, Integer.signum(LabelOrder.compare(x, y)), () -> x + " vs " + y);
        }
    }

    @Test
    void sortGivesTheUtf8ByteOrder() {
        String[] alphabet = {"a", "b", "z", "\u0080", "ü", "東", "\uFFFD", "𝄞", "😀"};
        long seed = System.nanoTime();
        System.out.println("LabelOrderTest.sortGivesTheUtf8ByteOrder seed " + seed);
        Random rnd = new Random(seed);
        for (int round = 0; round < 200; round++) {
            int n = round < 20 ? round : rnd.nextInt(5000);
            String[] a = new String[n];
            for (int i = 0; i < n; i++) {
                a[i] = random(rnd, alphabet);
            }
            byte[][] want = new byte[n][];
            for (int i = 0; i < n; i++) {
                want[i] = a[i].getBytes(StandardCharsets.UTF_8);
            }
            Arrays.sort(want, Arrays::compareUnsigned);
            LabelOrder.sort(a);
            for (int i = 0; i < n; i++) {
                int k = i;
                assertEquals(new String(want[i], StandardCharsets.UTF_8), a[i], () -> "seed " + seed + ", element " + k);
            }
        }
    }

    private static String random(Random rnd, String[] alphabet) {
        StringBuilder sb = new StringBuilder();
        for (int n = rnd.nextInt(4); n >= 0; n--) {
            sb.append(alphabet[rnd.nextInt(alphabet.length)]);
        }
        return sb.toString();
    }

    @Test
    void labelSetsCompareLabelByLabelAndTheShorterFirst() {
        Labels a = Labels.of("__name__", "m", "b", "1");
        Labels b = Labels.of("__name__", "m", "b", "1", "c", "0");
        Labels c = Labels.of("__name__", "m", "c", "0");
        assertTrue(LabelOrder.compare(a, b) < 0);
        assertTrue(LabelOrder.compare(b, c) < 0, "name b before name c, whatever follows");
        assertTrue(LabelOrder.compare(Labels.of("a", "\uFFFD"), Labels.of("a", "𝄞")) < 0);
        assertEquals(0, LabelOrder.compare(a, Labels.of("b", "1", "__name__", "m")));
    }
}
