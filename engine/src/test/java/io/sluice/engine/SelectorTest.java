package io.sluice.engine;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The PromQL series-selector parser: accepted forms, escapes, and errors that name a 0-based position. */
class SelectorTest {
    private static void parses(String text, Matcher... expected) {
        assertArrayEquals(expected, Selector.parse(text), text);
    }

    private static void fails(String text, int position, String reason) {
        SelectorSyntaxException e = assertThrows(SelectorSyntaxException.class, () -> Selector.parse(text), text);
        assertEquals(position, e.position(), text + ": " + e.getMessage());
        assertTrue(e.getMessage().startsWith("bad selector at position " + position + " (0-based): "), e.getMessage());
        assertTrue(e.getMessage().contains(reason), e.getMessage());
    }

    @Test
    void aBareMetricNameIsANameMatcher() {
        parses("metric_7", Matcher.eq("__name__", "metric_7"));
        parses("  ns:rule_1  ", Matcher.eq("__name__", "ns:rule_1"));
    }

    @Test
    void bracesHoldMatchersOfAllFourKinds() {
        parses("{__name__=\"metric_7\", host=~\"host_1.*\"}",
            Matcher.eq("__name__", "metric_7"), Matcher.re("host", "host_1.*"));
        parses("metric_7{l4!=\"v3\"}", Matcher.eq("__name__", "metric_7"), Matcher.neq("l4", "v3"));
        parses("{ a !~ 'x.*' , b = \"y\", }", Matcher.nre("a", "x.*"), Matcher.eq("b", "y"));
        parses("m{}", Matcher.eq("__name__", "m"));
    }

    @Test
    void stringsTakeGoEscapesAndRawBackquotes() {
        parses("{a=\"q\\\"uote\\\\ \\n\\t\\x41\\u00e9\\U0001F600\\101\"}",
            Matcher.eq("a", "q\"uote\\ \n\tA\u00e9\uD83D\uDE00A"));
        parses("{a='it\\'s'}", Matcher.eq("a", "it's"));
        parses("{a=~`\\d+`}", Matcher.re("a", "\\d+"));
    }

    @Test
    void errorsNameTheZeroBasedPosition() {
        fails("", 0, "expected a metric name or '{', found the end");
        fails("{a=\"x\"", 6, "expected '}'");
        fails("{a=\"x\" b=\"y\"}", 7, "expected ',' or '}'");
        fails("{a==\"x\"}", 3, "expected a quoted string, found '='");
        fails("{a<\"x\"}", 2, "expected one of =, !=, =~, !~");
        fails("{1a=\"x\"}", 1, "expected a label name");
        fails("{a=\"x}", 3, "unterminated string");
        fails("{a=\"\\q\"}", 4, "unknown escape sequence \\q");
        fails("{a=\"\\x4\"}", 4, "needs 2 hex digits");
        fails("m{__name__=\"n\"}", 2, "metric name is already given");
        fails("m x", 2, "unexpected 'x' after the selector");
        fails("{a=~\"(\"}", 4, "invalid regex");
    }

    @Test
    void aSelectorThatMatchesEverythingIsRejected() {
        fails("{a=~\".*\"}", 0, "at least one matcher that does not match the empty string");
        fails("{a!=\"x\", b=\"\"}", 0, "at least one matcher");
        fails("{}", 0, "at least one matcher");
    }
}
