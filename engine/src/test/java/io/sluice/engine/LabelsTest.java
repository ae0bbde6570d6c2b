package io.sluice.engine;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LabelsTest {
    private static String reject(String... kv) {
        return assertThrows(IllegalArgumentException.class, () -> Labels.of(kv)).getMessage();
    }

    @Test
    void sortsByNameAndKeepsValuesWithTheirNames() {
        Labels l = Labels.of("zone", "eu", "__name__", "cpu", "host", "a");
        assertEquals("__name__", l.name(0));
        assertEquals("host", l.name(1));
        assertEquals("zone", l.name(2));
        assertEquals("eu", l.get("zone"));
        assertEquals("cpu", l.value(0));
        assertNull(l.get("missing"));
        assertEquals("{__name__=\"cpu\", host=\"a\", zone=\"eu\"}", l.toString());
    }

    @Test
    void equalityIgnoresTheOrderLabelsWereGivenIn() {
        Labels a = Labels.of("a", "1", "b", "2");
        Labels b = Labels.of("b", "2", "a", "1");
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertEquals(a.hash64(), b.hash64());
        assertNotEquals(a, Labels.of("a", "1", "b", "3"));
        Map<String, String> m = new LinkedHashMap<>();
        m.put("b", "2");
        m.put("a", "1");
        assertEquals(a, Labels.of(m));
    }

    @Test
    void rejectsAnEmptyLabelSet() {
        assertTrue(reject().contains("at least one label"));
    }

    @Test
    void rejectsAnOddNumberOfStrings() {
        assertTrue(reject("a", "1", "b").contains("pairs"));
    }

    @Test
    void rejectsInvalidNames() {
        assertTrue(reject("1abc", "x").contains("invalid label name '1abc'"));
        assertTrue(reject("a-b", "x").contains("character '-' at index 1"));
        assertTrue(reject("", "x").contains("empty"));
        assertTrue(reject("héllo", "x").contains("invalid label name"));
        Labels ok = Labels.of("_a9", "x", "A_b", "y");
        assertEquals(2, ok.size());
    }

    @Test
    void rejectsDuplicateNames() {
        assertTrue(reject("a", "1", "b", "2", "a", "3").contains("duplicate label name 'a'"));
    }

    @Test
    void rejectsNullsAndEmptyValues() {
        assertTrue(reject("a", null).contains("null"));
        assertTrue(reject(null, "x").contains("null"));
        assertTrue(reject("a", "").contains("empty"));
    }

    @Test
    void acceptsUnicodeValuesButNotBrokenSurrogates() {
        Labels l = Labels.of("city", "Zürich ☃ 😀");
        assertEquals("Zürich ☃ 😀", l.get("city"));
        assertTrue(reject("a", "x\uD800y").contains("unpaired surrogate at index 1"));
        assertTrue(reject("a", "\uDC00").contains("unpaired surrogate"));
    }

    @Test
    void enforcesSizeLimits() {
        String big = "x".repeat(Labels.MAX_LABEL_BYTES + 1);
        assertTrue(reject("a", big).contains("more than the limit"));
        assertTrue(reject(big.replace('x', 'n'), "v").contains("more than the limit"));
        // A value at the limit in characters but over it in UTF-8 bytes is rejected too.
        String wide = "é".repeat(Labels.MAX_LABEL_BYTES / 2 + 1);
        assertTrue(reject("a", wide).contains("bytes of UTF-8"));
        assertEquals(1, Labels.of("a", "x".repeat(Labels.MAX_LABEL_BYTES)).size());

        String[] many = new String[2 * (Labels.MAX_LABELS + 1)];
        for (int i = 0; i <= Labels.MAX_LABELS; i++) {
            many[2 * i] = "l" + i;
            many[2 * i + 1] = "v";
        }
        assertTrue(reject(many).contains("at most 64 labels"));
        String[] max = java.util.Arrays.copyOf(many, 2 * Labels.MAX_LABELS);
        assertEquals(Labels.MAX_LABELS, Labels.of(max).size());
    }

    @Test
    void escapesQuotesInToString() {
        assertEquals("{a=\"say \\\"hi\\\"\\n\"}", Labels.of("a", "say \"hi\"\n").toString());
    }

    /** The on-disk contract (docs/format/wal.md): the hash is this combination of xxHash3 per string. */
    private static long referenceHash(Labels l) {
        net.openhft.hashing.LongHashFunction xx3 = net.openhft.hashing.LongHashFunction.xx3();
        long h = 0x9E3779B97F4A7C15L * l.size();
        for (int i = 0; i < l.size(); i++) {
            h = (h ^ xx3.hashChars(l.name(i))) * 0xC2B2AE3D27D4EB4FL;
            h = (h ^ xx3.hashChars(l.value(i))) * 0x165667B19E3779F9L;
            h ^= h >>> 29;
        }
        return h;
    }

    @Test
    void theHashIsTheDocumentedCombinationOfXxHash3() {
        for (int round = 0; round < 3; round++) { // fresh and shared strings, repeated
            for (int i = 0; i < 5_000; i++) {
                Labels l = Labels.of("__name__", "metric_" + (i % 100), "host", new String("h" + (i % 7)), "instance",
                    "i" + i, "zone", "\u00e9t\u00e9-" + (i % 3));
                assertEquals(referenceHash(l), l.hash64(), l.toString());
            }
        }
    }
}
