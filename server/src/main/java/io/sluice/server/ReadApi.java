package io.sluice.server;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.sluice.engine.Labels;
import io.sluice.engine.Matcher;
import io.sluice.engine.Selector;
import io.sluice.engine.SelectorSyntaxException;
import io.sluice.engine.SeriesSet;
import io.sluice.engine.Sluice;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The Prometheus HTTP read API over the engine: series, label names and values, and instant and
 * range queries of vector selectors ({@code metric{a="b"}} and {@code metric{a="b"}[5m]}). Any other
 * PromQL is a 400 that says so and points to remote read, where a Prometheus runs full PromQL over
 * Sluice's data.
 *
 * <p>Semantics follow Prometheus 2.42: an instant selector at time t takes each series' newest sample
 * in {@code [t - 5m, t]} unless that sample is a staleness marker; a range selector takes the samples
 * in {@code [t - range, t]} without staleness markers; a range query evaluates the instant selector at
 * {@code start, start + step, ... <= end}, at most 11,000 points per series.
 */
final class ReadApi {
    static final long LOOKBACK_MS = 5 * 60_000;
    static final int MAX_POINTS = 11_000;
    private static final JsonFactory JSON = new JsonFactory();

    private final Sluice engine;

    ReadApi(Sluice engine) {
        this.engine = engine;
    }

    /** Answers {@code path} (under /api/v1/) with {@code params}; never throws for bad input. */
    Reply handle(String path, Map<String, List<String>> params) {
        try {
            if (path.equals("/api/v1/series")) {
                return series(params);
            } else if (path.equals("/api/v1/labels")) {
                return labels(params);
            } else if (path.startsWith("/api/v1/label/") && path.endsWith("/values")) {
                String name = path.substring("/api/v1/label/".length(), path.length() - "/values".length());
                return labelValues(name, params);
            } else if (path.equals("/api/v1/query")) {
                return query(params);
            } else if (path.equals("/api/v1/query_range")) {
                return queryRange(params);
            }
            return error(404, "not_found", "unknown API endpoint " + path);
        } catch (BadRequestException e) {
            return error(e.status(), "bad_data", e.getMessage());
        } catch (IllegalStateException e) {
            return error(503, "unavailable", "the engine is closed: " + e.getMessage());
        } catch (IOException | RuntimeException e) {
            return error(500, "internal", e.toString());
        }
    }

    private Reply series(Map<String, List<String>> params) throws IOException, BadRequestException {
        List<Matcher[]> selectors = matchers(params, true);
        long[] range = range(params);
        TreeSet<Long> refs = selected(selectors, range);
        return ok(g -> {
            g.writeStartArray();
            for (long ref : refs) {
                Labels l = engine.labels(ref);
                if (l != null) {
                    writeLabels(g, l);
                }
            }
            g.writeEndArray();
        });
    }

    private Reply labels(Map<String, List<String>> params) throws IOException, BadRequestException {
        List<Matcher[]> selectors = matchers(params, false);
        List<String> names;
        if (selectors.isEmpty()) {
            names = engine.labelNames();
        } else {
            TreeSet<String> set = new TreeSet<>();
            for (long ref : selected(selectors, range(params))) {
                Labels l = engine.labels(ref);
                for (int i = 0; l != null && i < l.size(); i++) {
                    set.add(l.name(i));
                }
            }
            names = new ArrayList<>(set);
        }
        return ok(g -> writeStrings(g, names));
    }

    private Reply labelValues(String name, Map<String, List<String>> params) throws IOException, BadRequestException {
        if (!validName(name)) {
            throw new BadRequestException("invalid label name: \"" + name + "\"");
        }
        List<Matcher[]> selectors = matchers(params, false);
        List<String> values;
        if (selectors.isEmpty()) {
            values = engine.labelValues(name);
        } else {
            TreeSet<String> set = new TreeSet<>();
            for (Matcher[] m : selectors) {
                set.addAll(engine.labelValues(name, m));
            }
            values = new ArrayList<>(set);
        }
        return ok(g -> writeStrings(g, values));
    }

    private Reply query(Map<String, List<String>> params) throws IOException, BadRequestException {
        Parsed q = parseQuery(one(params, "query", true));
        String timeParam = one(params, "time", false);
        long t = timeParam == null ? System.currentTimeMillis() : PromTime.parseTime("time", timeParam);
        if (q.rangeMs > 0) {
            try (SeriesSet set = engine.query(t - q.rangeMs, t, q.matchers)) {
                return ok(g -> {
                    g.writeStartObject();
                    g.writeStringField("resultType", "matrix");
                    g.writeArrayFieldStart("result");
                    while (set.next()) {
                        boolean opened = false;
                        for (int i = 0; i < set.sampleCount(); i++) {
                            double v = set.value(i);
                            if (PromTime.isStale(v)) {
                                continue;
                            }
                            if (!opened) {
                                openSeries(g, set.labels());
                                opened = true;
                            }
                            writePoint(g, set.timestamp(i), v);
                        }
                        if (opened) {
                            g.writeEndArray();
                            g.writeEndObject();
                        }
                    }
                    g.writeEndArray();
                    g.writeEndObject();
                });
            }
        }
        try (SeriesSet set = engine.query(t - LOOKBACK_MS, t, q.matchers)) {
            return ok(g -> {
                g.writeStartObject();
                g.writeStringField("resultType", "vector");
                g.writeArrayFieldStart("result");
                while (set.next()) {
                    int n = (int) set.sampleCount();
                    if (n == 0 || PromTime.isStale(set.value(n - 1))) {
                        continue;
                    }
                    g.writeStartObject();
                    g.writeFieldName("metric");
                    writeLabels(g, set.labels());
                    g.writeFieldName("value");
                    writePoint(g, t, set.value(n - 1));
                    g.writeEndObject();
                }
                g.writeEndArray();
                g.writeEndObject();
            });
        }
    }

    private Reply queryRange(Map<String, List<String>> params) throws IOException, BadRequestException {
        Parsed q = parseQuery(one(params, "query", true));
        if (q.rangeMs > 0) {
            throw new BadRequestException("invalid expression type \"range vector\" for range query, must be Scalar"
                + " or instant Vector");
        }
        long start = PromTime.parseTime("start", one(params, "start", true));
        long end = PromTime.parseTime("end", one(params, "end", true));
        if (end < start) {
            throw new BadRequestException("invalid parameter \"end\": end timestamp must not be before start time");
        }
        long step = PromTime.parseDuration("step", one(params, "step", true), true);
        if ((end - start) / step >= MAX_POINTS) {
            throw new BadRequestException("exceeded maximum resolution of 11,000 points per timeseries. Try decreasing"
                + " the query resolution (?step=XX)");
        }
        try (SeriesSet set = engine.query(start - LOOKBACK_MS, end, q.matchers)) {
            return ok(g -> {
                g.writeStartObject();
                g.writeStringField("resultType", "matrix");
                g.writeArrayFieldStart("result");
                while (set.next()) {
                    int n = (int) set.sampleCount();
                    boolean opened = false;
                    int i = -1; // newest sample at or before t
                    for (long t = start; t <= end; t += step) {
                        while (i + 1 < n && set.timestamp(i + 1) <= t) {
                            i++;
                        }
                        if (i < 0 || set.timestamp(i) < t - LOOKBACK_MS || PromTime.isStale(set.value(i))) {
                            continue;
                        }
                        if (!opened) {
                            openSeries(g, set.labels());
                            opened = true;
                        }
                        writePoint(g, t, set.value(i));
                    }
                    if (opened) {
                        g.writeEndArray();
                        g.writeEndObject();
                    }
                }
                g.writeEndArray();
                g.writeEndObject();
            });
        }
    }

    record Parsed(Matcher[] matchers, long rangeMs) { }

    /** A vector selector, optionally with a range; anything else is refused. */
    static Parsed parseQuery(String query) throws BadRequestException {
        String q = query.trim();
        long rangeMs = 0;
        if (q.endsWith("]")) {
            int open = q.lastIndexOf('[');
            if (open < 0) {
                throw unsupported(query);
            }
            String dur = q.substring(open + 1, q.length() - 1);
            if (dur.contains(":")) {
                throw unsupported(query); // a subquery
            }
            rangeMs = PromTime.parseDuration("query", dur, false);
            q = q.substring(0, open).trim();
        }
        try {
            return new Parsed(Selector.parse(q), rangeMs);
        } catch (SelectorSyntaxException e) {
            throw unsupported(query);
        }
    }

    private static BadRequestException unsupported(String query) {
        String shown = query.length() > 200 ? query.substring(0, 200) + "..." : query;
        return new BadRequestException("unsupported query \"" + shown + "\": Sluice answers vector selectors"
            + " (metric{a=\"b\"}) and range selectors (metric{a=\"b\"}[5m]) only; for other PromQL, give a Prometheus"
            + " remote_read to this server's /api/v1/read");
    }

    private List<Matcher[]> matchers(Map<String, List<String>> params, boolean required) throws BadRequestException {
        List<String> raw = params.getOrDefault("match[]", List.of());
        if (required && raw.isEmpty()) {
            throw new BadRequestException("no match[] parameter provided");
        }
        List<Matcher[]> out = new ArrayList<>();
        for (String s : raw) {
            try {
                out.add(Selector.parse(s));
            } catch (SelectorSyntaxException e) {
                throw new BadRequestException("invalid parameter \"match[]\": " + e.getMessage());
            }
        }
        return out;
    }

    /** {start, end} in ms; the whole time axis where absent. */
    private static long[] range(Map<String, List<String>> params) throws BadRequestException {
        String s = one(params, "start", false);
        String e = one(params, "end", false);
        long start = s == null ? Long.MIN_VALUE : PromTime.parseTime("start", s);
        long end = e == null ? Long.MAX_VALUE : PromTime.parseTime("end", e);
        if (end < start) {
            throw new BadRequestException("invalid parameter \"end\": end timestamp must not be before start time");
        }
        return new long[] {start, end};
    }

    /** Refs matched by any selector; with a bounded range, only series with a sample in it. */
    private TreeSet<Long> selected(List<Matcher[]> selectors, long[] range) {
        TreeSet<Long> refs = new TreeSet<>();
        boolean all = range[0] == Long.MIN_VALUE && range[1] == Long.MAX_VALUE;
        for (Matcher[] m : selectors) {
            if (all) {
                for (long ref : engine.series(m)) {
                    refs.add(ref);
                }
            } else {
                try (SeriesSet set = engine.query(range[0], range[1], m)) {
                    while (set.next()) {
                        if (set.sampleCount() > 0) {
                            refs.add(set.ref());
                        }
                    }
                }
            }
        }
        return refs;
    }

    private static String one(Map<String, List<String>> params, String name, boolean required)
        throws BadRequestException {
        List<String> v = params.get(name);
        if (v == null || v.isEmpty() || v.get(0).isEmpty()) {
            if (required) {
                throw new BadRequestException("invalid parameter \"" + name + "\": missing");
            }
            return null;
        }
        return v.get(v.size() - 1);
    }

    static boolean validName(String name) {
        if (name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (i > 0 && c >= '0' && c <= '9'))) {
                return false;
            }
        }
        return true;
    }

    @FunctionalInterface
    private interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    private static Reply ok(Body data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
        try (JsonGenerator g = JSON.createGenerator(out, JsonEncoding.UTF8)) {
            g.writeStartObject();
            g.writeStringField("status", "success");
            g.writeFieldName("data");
            data.write(g);
            g.writeEndObject();
        }
        return Reply.json(200, out.toByteArray());
    }

    static Reply error(int status, String type, String message) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = JSON.createGenerator(out, JsonEncoding.UTF8)) {
            g.writeStartObject();
            g.writeStringField("status", "error");
            g.writeStringField("errorType", type);
            g.writeStringField("error", message);
            g.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return Reply.json(status, out.toByteArray());
    }

    private static void writeLabels(JsonGenerator g, Labels l) throws IOException {
        g.writeStartObject();
        for (int i = 0; i < l.size(); i++) {
            g.writeStringField(l.name(i), l.value(i));
        }
        g.writeEndObject();
    }

    /** Opens a matrix result: its metric and its values array (closed by two end calls). */
    private static void openSeries(JsonGenerator g, Labels l) throws IOException {
        g.writeStartObject();
        g.writeFieldName("metric");
        writeLabels(g, l);
        g.writeArrayFieldStart("values");
    }

    private static void writeStrings(JsonGenerator g, List<String> list) throws IOException {
        g.writeStartArray();
        for (String s : list) {
            g.writeString(s);
        }
        g.writeEndArray();
    }

    private static void writePoint(JsonGenerator g, long t, double v) throws IOException {
        g.writeStartArray();
        g.writeNumber(PromTime.seconds(t));
        g.writeString(PromTime.value(v));
        g.writeEndArray();
    }

    static Map<String, List<String>> emptyParams() {
        return new LinkedHashMap<>();
    }
}
