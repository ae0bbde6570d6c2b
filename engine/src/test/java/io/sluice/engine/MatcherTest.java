package io.sluice.engine;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** PromQL matcher semantics: anchoring, the empty string for absent labels, the every-matcher-matches-"" rule. */
class MatcherTest {
    private static final Labels HOST_A = Labels.of("__name__", "cpu", "host", "a");

    @Test
    void regexesAreAnchoredAtBothEnds() {
        Matcher m = Matcher.re("host", "host_1.*");
        assertTrue(m.matches("host_1"));
        assertTrue(m.matches("host_123"));
        assertFalse(m.matches("xhost_1"), "anchored at the start");
        assertFalse(Matcher.re("host", "host").matches("host_1"), "anchored at the end");
        assertFalse(Matcher.re("host", "a|b").matches("ab"), "the alternation is inside the anchors");
        assertTrue(Matcher.re("host", "a|b").matches("b"));
        assertTrue(Matcher.nre("host", "host").matches("host_1"));
        assertFalse(Matcher.nre("host", "host.*").matches("host_1"));
    }

    @Test
    void dotMatchesNewlineAsInPrometheus() {
        assertTrue(Matcher.re("x", "a.b").matches("a\nb"));
        assertTrue(Matcher.re("x", ".*").matches("line1\nline2"));
    }

    @Test
    void aMissingLabelComparesAsTheEmptyString() {
        assertTrue(Matcher.eq("zone", "").matches(HOST_A));
        assertFalse(Matcher.eq("host", "").matches(HOST_A));
        assertTrue(Matcher.neq("zone", "x").matches(HOST_A));
        assertFalse(Matcher.neq("zone", "").matches(HOST_A), "!=\"\" means the label must be present");
        assertTrue(Matcher.neq("host", "").matches(HOST_A));
        assertTrue(Matcher.re("zone", ".*").matches(HOST_A));
        assertFalse(Matcher.re("zone", ".+").matches(HOST_A));
        assertTrue(Matcher.nre("zone", "x.*").matches(HOST_A));
        assertFalse(Matcher.nre("zone", "").matches(HOST_A));
        assertTrue(Matcher.re("zone", "x|").matches(HOST_A));
        assertNull(HOST_A.get("zone"));
    }

    @Test
    void matchesEmptyTellsWhetherAbsentLabelsPass() {
        assertTrue(Matcher.eq("a", "").matchesEmpty());
        assertFalse(Matcher.eq("a", "x").matchesEmpty());
        assertTrue(Matcher.neq("a", "x").matchesEmpty());
        assertFalse(Matcher.neq("a", "").matchesEmpty());
        assertTrue(Matcher.re("a", ".*").matchesEmpty());
        assertTrue(Matcher.re("a", "x?").matchesEmpty());
        assertFalse(Matcher.re("a", ".+").matchesEmpty());
        assertTrue(Matcher.nre("a", "x.+").matchesEmpty());
        assertFalse(Matcher.nre("a", ".*").matchesEmpty());
    }

    @Test
    void aSelectorWhoseEveryMatcherMatchesEmptyIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> Matcher.checkSelector(Matcher.re("host", ".*"), Matcher.neq("__name__", "x")));
        assertTrue(e.getMessage().contains("matches the empty string with every matcher"), e.getMessage());
        assertThrows(IllegalArgumentException.class, Matcher::checkSelector);
        assertThrows(IllegalArgumentException.class, () -> Matcher.checkSelector(Matcher.eq("a", "")));
        Matcher.checkSelector(Matcher.re("host", ".*"), Matcher.eq("__name__", "x")); // one non-empty matcher is enough
    }

    @Test
    void literalAlternationsAreLookedUpAndOtherRegexesAreRun() {
        assertEquals(java.util.Set.of("a", "b-c", "d"), Matcher.re("x", "a|b-c|d").literalValues());
        assertNull(Matcher.re("x", "a.*").literalValues());
        assertNull(Matcher.re("x", "a\\|b").literalValues());
        assertEquals(java.util.Set.of("v"), Matcher.eq("x", "v").literalValues());
        assertTrue(Matcher.nre("x", "a|b").matches("c"));
        assertFalse(Matcher.nre("x", "a|b").matches("a"));
    }

    @Test
    void invalidRegexesAndNamesAreRejectedClearly() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Matcher.re("host", "a("));
        assertTrue(e.getMessage().contains("invalid regex in matcher host=~\"a(\""), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Matcher.eq("1host", "a"));
        assertThrows(IllegalArgumentException.class, () -> Matcher.eq("", "a"));
        assertEquals("host=~\"a\\\"b\"", Matcher.re("host", "a\"b").toString());
    }

    @Test
    void theLiteralPrefixPreCheckNeverChangesTheAnswer() {
        assertEquals("host_1", Matcher.literalPrefix("host_1.*"));
        assertEquals("a", Matcher.literalPrefix("ab?c"));
        assertEquals("a", Matcher.literalPrefix("ab*"));
        assertEquals("ab", Matcher.literalPrefix("ab+"));
        assertEquals("", Matcher.literalPrefix("a|b.*"));
        assertEquals("", Matcher.literalPrefix("(?i)abc"));
        assertEquals("", Matcher.literalPrefix("\\d+"));
        assertTrue(Matcher.re("x", "ab?c").matches("ac"));
        assertTrue(Matcher.re("x", "ab{0,2}").matches("a"));
        assertFalse(Matcher.re("x", "host_1.*").matches("host_2"));
        assertTrue(Matcher.nre("x", "host_1.*").matches("host_2"));
    }
}
