package io.sluice.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Parser for PromQL series selectors: {@code metric_7}, {@code {__name__="metric_7", host=~"host_1.*"}},
 * {@code metric_7{l4!="v3"}}. Strings are double-quoted, single-quoted (with Go escapes: {@code \\ \"
 * \' \n \t \r \a \b \f \v \xHH \\uHHHH \UHHHHHHHH} and three-digit octal) or back-quoted (raw).
 * A trailing comma inside the braces is allowed; whitespace may separate tokens.
 *
 * <p>Errors are {@link SelectorSyntaxException}s that give the 0-based character position.
 * A selector whose every matcher matches the empty string is rejected too (as in PromQL).
 *
 * <p>Thread-safety: static and stateless.
 */
public final class Selector {
    private final String in;
    private int pos;

    private Selector(String in) {
        this.in = in;
    }

    /**
     * Parses a selector into its matchers; a leading metric name becomes {@code __name__="..."}.
     *
     * @throws SelectorSyntaxException if the text is not a valid selector, or would select every series
     */
    public static Matcher[] parse(String selector) {
        Objects.requireNonNull(selector, "selector");
        Selector p = new Selector(selector);
        Matcher[] matchers = p.selector();
        boolean nonEmpty = false;
        for (Matcher m : matchers) {
            nonEmpty |= !m.matchesEmpty();
        }
        if (!nonEmpty) {
            throw new SelectorSyntaxException(selector, 0, "the selector must contain at least one matcher that does"
                + " not match the empty string, or it would select every series");
        }
        return matchers;
    }

    private Matcher[] selector() {
        List<Matcher> out = new ArrayList<>();
        skipSpace();
        String metric = null;
        if (pos < in.length() && isMetricStart(in.charAt(pos))) {
            int start = pos;
            while (pos < in.length() && isMetricPart(in.charAt(pos))) {
                pos++;
            }
            metric = in.substring(start, pos);
            out.add(Matcher.eq("__name__", metric));
            skipSpace();
        }
        if (pos < in.length() && in.charAt(pos) == '{') {
            pos++;
            skipSpace();
            while (pos < in.length() && in.charAt(pos) != '}') {
                int at = pos;
                Matcher m = matcher();
                if (metric != null && m.name().equals("__name__")) {
                    throw error(at, "the metric name is already given as '" + metric + "' before the braces");
                }
                out.add(m);
                skipSpace();
                if (pos < in.length() && in.charAt(pos) == ',') {
                    pos++;
                    skipSpace();
                } else if (pos < in.length() && in.charAt(pos) != '}') {
                    throw error(pos, "expected ',' or '}' after a matcher, found " + describe(pos));
                }
            }
            if (pos >= in.length()) {
                throw error(pos, "expected '}' to close the selector, found the end");
            }
            pos++;
            skipSpace();
        } else if (metric == null) {
            throw error(pos, "expected a metric name or '{', found " + describe(pos));
        }
        if (pos < in.length()) {
            throw error(pos, "unexpected " + describe(pos) + " after the selector");
        }
        if (out.isEmpty()) {
            throw error(0, "the selector has no matchers; it needs at least one matcher");
        }
        return out.toArray(new Matcher[0]);
    }

    private Matcher matcher() {
        int start = pos;
        if (pos >= in.length() || !isLabelStart(in.charAt(pos))) {
            throw error(pos, "expected a label name, found " + describe(pos));
        }
        while (pos < in.length() && isLabelPart(in.charAt(pos))) {
            pos++;
        }
        String name = in.substring(start, pos);
        skipSpace();
        int opAt = pos;
        Matcher.Type type;
        if (in.startsWith("=~", pos)) {
            type = Matcher.Type.RE;
            pos += 2;
        } else if (in.startsWith("!~", pos)) {
            type = Matcher.Type.NRE;
            pos += 2;
        } else if (in.startsWith("!=", pos)) {
            type = Matcher.Type.NEQ;
            pos += 2;
        } else if (in.startsWith("=", pos)) {
            type = Matcher.Type.EQ;
            pos += 1;
        } else {
            throw error(opAt, "expected one of =, !=, =~, !~ after label '" + name + "', found " + describe(opAt));
        }
        skipSpace();
        int valueAt = pos;
        String value = string();
        try {
            return Matcher.of(type, name, value);
        } catch (IllegalArgumentException e) {
            throw error(valueAt, e.getMessage());
        }
    }

    private String string() {
        if (pos >= in.length()) {
            throw error(pos, "expected a quoted string, found the end");
        }
        char quote = in.charAt(pos);
        if (quote != '"' && quote != '\'' && quote != '`') {
            throw error(pos, "expected a quoted string, found " + describe(pos));
        }
        int open = pos;
        pos++;
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (pos >= in.length()) {
                throw error(open, "unterminated string starting here");
            }
            char c = in.charAt(pos);
            if (c == quote) {
                pos++;
                return sb.toString();
            }
            if (c == '\n' && quote != '`') {
                throw error(pos, "newline in a quoted string");
            }
            if (c == '\\' && quote != '`') {
                escape(sb, quote);
            } else {
                sb.append(c);
                pos++;
            }
        }
    }

    private void escape(StringBuilder sb, char quote) {
        int at = pos;
        pos++; // the backslash
        if (pos >= in.length()) {
            throw error(at, "unterminated escape sequence");
        }
        char c = in.charAt(pos++);
        switch (c) {
            case 'a': sb.append('\u0007'); return;
            case 'b': sb.append('\b'); return;
            case 'f': sb.append('\f'); return;
            case 'n': sb.append('\n'); return;
            case 'r': sb.append('\r'); return;
            case 't': sb.append('\t'); return;
            case 'v': sb.append('\u000B'); return;
            case '\\': sb.append('\\'); return;
            case 'x': sb.append((char) hex(at, 2)); return;
            case 'u': sb.append((char) hex(at, 4)); return;
            case 'U': {
                int cp = hex(at, 8);
                if (cp > Character.MAX_CODE_POINT || (cp >= 0xD800 && cp <= 0xDFFF)) {
                    throw error(at, "escape \\U" + in.substring(at + 2, pos) + " is not a valid Unicode code point");
                }
                sb.appendCodePoint(cp);
                return;
            }
            default:
                break;
        }
        if (c == quote) {
            sb.append(c);
            return;
        }
        if (c >= '0' && c <= '7') {
            pos--;
            int v = 0;
            for (int i = 0; i < 3; i++) {
                if (pos >= in.length() || in.charAt(pos) < '0' || in.charAt(pos) > '7') {
                    throw error(at, "octal escape needs three digits 0-7");
                }
                v = v * 8 + (in.charAt(pos++) - '0');
            }
            if (v > 255) {
                throw error(at, "octal escape value " + v + " is above 255");
            }
            sb.append((char) v);
            return;
        }
        throw error(at, "unknown escape sequence \\" + c);
    }

    private int hex(int at, int digits) {
        int v = 0;
        for (int i = 0; i < digits; i++) {
            int d = pos < in.length() ? Character.digit(in.charAt(pos), 16) : -1;
            if (d < 0) {
                throw error(at, "escape \\" + in.charAt(at + 1) + " needs " + digits + " hex digits");
            }
            v = v * 16 + d;
            pos++;
        }
        return v;
    }

    private void skipSpace() {
        while (pos < in.length() && Character.isWhitespace(in.charAt(pos))) {
            pos++;
        }
    }

    private String describe(int at) {
        return at >= in.length() ? "the end" : "'" + in.charAt(at) + "'";
    }

    private SelectorSyntaxException error(int at, String message) {
        return new SelectorSyntaxException(in, at, message);
    }

    private static boolean isMetricStart(char c) {
        return c == '_' || c == ':' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    private static boolean isMetricPart(char c) {
        return isMetricStart(c) || (c >= '0' && c <= '9');
    }

    private static boolean isLabelStart(char c) {
        return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    private static boolean isLabelPart(char c) {
        return isLabelStart(c) || (c >= '0' && c <= '9');
    }
}
