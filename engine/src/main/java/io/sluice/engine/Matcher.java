package io.sluice.engine;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * One label matcher of a PromQL series selector: {@code name = "v"}, {@code name != "v"},
 * {@code name =~ "re"}, {@code name !~ "re"}.
 *
 * <p>Semantics are PromQL's: a series that lacks the label is matched as if its value were the
 * empty string, and a regex must match the whole value (it is anchored as {@code ^(?s:re)$}, so
 * {@code .} also matches a newline, as in Prometheus). A selector whose every matcher matches the
 * empty string would select every series and is rejected ({@link #checkSelector}).
 *
 * <p>Thread-safety: immutable.
 */
public final class Matcher {
    /** The four matcher operators. */
    public enum Type {
        EQ("="), NEQ("!="), RE("=~"), NRE("!~");

        private final String symbol;

        Type(String symbol) {
            this.symbol = symbol;
        }

        /** The operator as written in a selector. */
        public String symbol() {
            return symbol;
        }
    }

    private final Type type;
    private final String name;
    private final String value;
    private final Pattern pattern;
    /** For EQ, and for a regex that is a plain alternation of literals: the values it accepts. */
    private final Set<String> literals;
    /** A prefix every value the regex matches starts with ("" if none is known): a cheap pre-check. */
    private final String prefix;
    private final boolean matchesEmpty;

    private Matcher(Type type, String name, String value) {
        this.type = type;
        this.name = checkName(name);
        this.value = Objects.requireNonNull(value, "value");
        if (type == Type.RE || type == Type.NRE) {
            try {
                this.pattern = Pattern.compile(value, Pattern.DOTALL);
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("invalid regex in matcher " + name + type.symbol + quote(value)
                    + ": " + e.getDescription() + (e.getIndex() >= 0 ? " near index " + e.getIndex() : ""), e);
            }
            this.literals = literalAlternatives(value);
            this.prefix = literalPrefix(value);
        } else {
            this.pattern = null;
            this.literals = Collections.singleton(value);
            this.prefix = "";
        }
        boolean positive = type == Type.EQ || type == Type.RE;
        this.matchesEmpty = positive == matchesPositive("");
    }

    /**
     * {@code name = value}; {@code eq(name, "")} matches series without the label.
     *
     * @throws IllegalArgumentException if {@code name} is not a valid label name
     */
    public static Matcher eq(String name, String value) {
        return new Matcher(Type.EQ, name, value);
    }

    /**
     * {@code name != value}.
     *
     * @throws IllegalArgumentException if {@code name} is not a valid label name
     */
    public static Matcher neq(String name, String value) {
        return new Matcher(Type.NEQ, name, value);
    }

    /**
     * {@code name =~ regex}, anchored at both ends.
     *
     * @throws IllegalArgumentException if {@code name} is not a valid label name or {@code regex} does not compile
     */
    public static Matcher re(String name, String regex) {
        return new Matcher(Type.RE, name, regex);
    }

    /**
     * {@code name !~ regex}, anchored at both ends.
     *
     * @throws IllegalArgumentException if {@code name} is not a valid label name or {@code regex} does not compile
     */
    public static Matcher nre(String name, String regex) {
        return new Matcher(Type.NRE, name, regex);
    }

    /**
     * A matcher of the given type.
     *
     * @throws IllegalArgumentException if {@code name} is not a valid label name, or a regex does not compile
     */
    public static Matcher of(Type type, String name, String value) {
        return new Matcher(Objects.requireNonNull(type, "type"), name, value);
    }

    /** The comparison: {@code =}, {@code !=}, {@code =~} or {@code !~}. */
    public Type type() {
        return type;
    }

    /** The label name this matcher tests. */
    public String name() {
        return name;
    }

    /** The value or the regex as given (unanchored). */
    public String value() {
        return value;
    }

    /** Whether a label value (null for an absent label, which compares as "") satisfies this matcher. */
    public boolean matches(String labelValue) {
        String v = labelValue == null ? "" : labelValue;
        boolean positive = type == Type.EQ || type == Type.RE;
        return positive == matchesPositive(v);
    }

    /** Whether the label of {@code labels} satisfies this matcher. */
    public boolean matches(Labels labels) {
        return matches(labels.get(name));
    }

    /** True if a series without the label would match. */
    public boolean matchesEmpty() {
        return matchesEmpty;
    }

    /** True for {@code =~} and {@code !~}. */
    public boolean isRegex() {
        return pattern != null;
    }

    /**
     * The values whose equality the positive form of this matcher tests ({@code =} and {@code !=}:
     * the one value; {@code =~}/{@code !~}: the alternatives of a regex made only of literals and
     * {@code |}), or null when the regex has to be run. Lets the index look values up instead of
     * scanning them.
     */
    public Set<String> literalValues() {
        return literals;
    }

    private boolean matchesPositive(String v) {
        if (literals != null) {
            return literals.contains(v);
        }
        return v.startsWith(prefix) && pattern.matcher(v).matches();
    }

    /**
     * Rejects a selector that would select every series: no matcher, or every matcher matches the
     * empty string (PromQL: "vector selector must contain at least one non-empty matcher").
     *
     * @throws IllegalArgumentException if so
     */
    public static void checkSelector(Matcher... matchers) {
        Objects.requireNonNull(matchers, "matchers");
        if (matchers.length == 0) {
            throw new IllegalArgumentException("a selector needs at least one matcher");
        }
        for (Matcher m : matchers) {
            Objects.requireNonNull(m, "matcher");
            if (!m.matchesEmpty()) {
                return;
            }
        }
        throw new IllegalArgumentException("selector " + toString(matchers) + " matches the empty string with every"
            + " matcher, so it would select every series; add a matcher that does not match \"\"");
    }

    /** PromQL notation of a selector: {@code {__name__="a", host=~"b.*"}}. */
    public static String toString(Matcher... matchers) {
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i < matchers.length; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(matchers[i]);
        }
        return sb.append('}').toString();
    }

    private static String checkName(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("matcher label name is empty");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (i > 0 && c >= '0' && c <= '9');
            if (!ok) {
                throw new IllegalArgumentException("invalid label name '" + name + "' in matcher: character '" + c
                    + "' at index " + i + " (names match [a-zA-Z_][a-zA-Z0-9_]*)");
            }
        }
        return name;
    }

    /**
     * The literal characters a regex starts with, which every match must start with too:
     * {@code host_1.*} gives {@code host_1}; a quantifier that may drop the last one ({@code ab?})
     * gives {@code a}; any alternation gives "".
     */
    static String literalPrefix(String regex) {
        if (regex.indexOf('|') >= 0) {
            return "";
        }
        int i = 0;
        while (i < regex.length() && isLiteral(regex.charAt(i))) {
            i++;
        }
        if (i < regex.length()) {
            char q = regex.charAt(i);
            if (q == '?' || q == '*' || q == '{') {
                i = Math.max(0, i - 1);
            }
        }
        return regex.substring(0, i);
    }

    private static boolean isLiteral(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '-' || c == ':' || c == '/' || c == ' ';
    }

    /** "a|b|c" with no other regex syntax: the set {a, b, c}; otherwise null. */
    private static Set<String> literalAlternatives(String regex) {
        List<String> parts = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < regex.length(); i++) {
            char c = regex.charAt(i);
            if (c == '|') {
                parts.add(regex.substring(start, i));
                start = i + 1;
            } else if (!isLiteral(c)) {
                return null;
            }
        }
        parts.add(regex.substring(start));
        return Collections.unmodifiableSet(new LinkedHashSet<>(parts));
    }

    static String quote(String v) {
        return Labels.appendQuoted(new StringBuilder(v.length() + 2), v).toString();
    }

    /** Equal when type, name and value are equal. */
    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Matcher)) {
            return false;
        }
        Matcher m = (Matcher) o;
        return type == m.type && name.equals(m.name) && value.equals(m.value);
    }

    /** Consistent with {@link #equals}. */
    @Override
    public int hashCode() {
        return Objects.hash(type, name, value);
    }

    /** PromQL notation, e.g. {@code host=~"a.*"}. */
    @Override
    public String toString() {
        return name + type.symbol + quote(value);
    }
}
