package io.sluice.block;

import io.sluice.engine.Labels;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The samples of an OpenMetrics text file as promtool reads them (the subset the golden input uses:
 * one sample a line, {@code name{l="v",...} value timestamp-in-seconds}), grouped by series.
 */
final class OpenMetricsInput {
    /** One series' samples in file order: millisecond timestamps and values. */
    static final class Series {
        final Labels labels;
        final List<Long> times = new ArrayList<>();
        final List<Double> values = new ArrayList<>();

        Series(Labels labels) {
            this.labels = labels;
        }
    }

    private OpenMetricsInput() {
    }

    /** The series, sorted in Prometheus label order. */
    static List<Series> read(Path file) throws IOException {
        Map<Labels, Series> byLabels = new TreeMap<>(LabelOrder.LABELS);
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int brace = line.indexOf('{');
            int close = line.lastIndexOf('}');
            String name = line.substring(0, brace);
            List<String> pairs = new ArrayList<>(List.of("__name__", name));
            parseLabels(line.substring(brace + 1, close), pairs);
            String[] rest = line.substring(close + 1).trim().split(" ");
            Labels labels = Labels.of(pairs.toArray(new String[0]));
            Series s = byLabels.computeIfAbsent(labels, Series::new);
            s.values.add(parseValue(rest[0]));
            s.times.add(new BigDecimal(rest[1]).movePointRight(3).longValueExact());
        }
        return new ArrayList<>(byLabels.values());
    }

    static double parseValue(String v) {
        switch (v) {
            case "NaN":
                return Double.NaN;
            case "+Inf":
                return Double.POSITIVE_INFINITY;
            case "-Inf":
                return Double.NEGATIVE_INFINITY;
            default:
                return Double.parseDouble(v);
        }
    }

    private static void parseLabels(String s, List<String> out) {
        int i = 0;
        while (i < s.length()) {
            int eq = s.indexOf('=', i);
            out.add(s.substring(i, eq));
            StringBuilder v = new StringBuilder();
            int j = eq + 2; // after ="
            while (s.charAt(j) != '"') {
                char c = s.charAt(j);
                if (c == '\\') {
                    char e = s.charAt(++j);
                    v.append(e == 'n' ? '\n' : e);
                } else {
                    v.append(c);
                }
                j++;
            }
            out.add(v.toString());
            i = j + 1;
            if (i < s.length() && s.charAt(i) == ',') {
                i++;
            }
        }
    }
}
