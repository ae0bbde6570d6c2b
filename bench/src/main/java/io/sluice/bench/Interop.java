package io.sluice.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.sluice.engine.Appender;
import io.sluice.engine.Labels;
import io.sluice.engine.Sluice;
import io.sluice.engine.SluiceConfig;
import picocli.CommandLine;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Sluice's blocks against the real Prometheus tools (Debian's {@code prometheus} 2.42 package), and
 * theirs against Sluice. Four checks, each on data whose every sample is known:
 *
 * <ol>
 *   <li><b>analyze</b>: the engine writes {@code series x samplesPerSeries} samples 15 s apart
 *       ({@code --values mixed}), which it compacts into blocks (and merges); {@code promtool tsdb
 *       analyze} reads each block and reports the series count Sluice reports for it;</li>
 *   <li><b>dump</b>: {@code promtool tsdb dump} over those blocks yields exactly the samples that were
 *       written into their range, value bits and timestamps (at least 2 M samples by default);</li>
 *   <li><b>query</b>: Prometheus, started on a copy of the blocks (loopback, a free port, no scrape
 *       targets), answers {@code count_over_time} for a selector over the blocks' whole range with
 *       the counts {@code inspect --match} gives, series by series and in total;</li>
 *   <li><b>import</b>: blocks that {@code promtool tsdb create-blocks-from openmetrics} makes from an
 *       OpenMetrics file written here open in Sluice; {@code inspect} gives the same series and
 *       samples, and every sample reads back as written.</li>
 * </ol>
 *
 * A missing binary makes its checks {@link Check#skipped() skipped}, with one line saying so; it
 * never makes them pass.
 */
final class Interop {
    static final long T0 = 1_700_006_400_000L; // a multiple of 6 h: merged blocks align as Prometheus' would
    static final long STEP = 15_000;
    static final int LABELS = 4;

    /** What one check found. */
    record Check(String name, boolean passed, boolean skipped, String detail) {
        String line() {
            return (skipped ? "SKIPPED" : passed ? "PASS" : "FAIL") + " " + name + ": " + detail;
        }
    }

    /** Sizes and places. */
    static final class Options {
        int series = 1_000;
        int samplesPerSeries = 3_000;
        int importSeries = 300;
        int importSamplesPerSeries = 1_000;
        Path work;
    }

    private final Options o;
    private final PrintStream out;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    Interop(Options o, PrintStream out) {
        this.o = o;
        this.out = out;
    }

    /** The binary on PATH, or empty. */
    static Optional<Path> tool(String name) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Path.of(d.isEmpty() ? "." : d, name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    static String missing(String name) {
        return name + " not found on PATH (Debian: apt-get install -y prometheus)";
    }

    /** Runs every check and returns what each found. */
    List<Check> run() throws Exception {
        List<Check> checks = new ArrayList<>();
        Path dir = o.work.resolve("sluice");
        long began = System.nanoTime();
        Written w = write(dir);
        out.printf("wrote %s samples of %s series in %.1f s; %d block(s) hold %s of them, the head the rest%n",
            Fmt.n((long) o.series * o.samplesPerSeries), Fmt.n(o.series), (System.nanoTime() - began) / 1e9,
            w.blocks.size(), Fmt.n(w.blockSamples));
        Optional<Path> promtool = tool("promtool");
        Optional<Path> prometheus = tool("prometheus");
        checks.add(report(promtool.isEmpty() ? skip("analyze", missing("promtool")) : analyze(promtool.get(), dir, w)));
        checks.add(report(promtool.isEmpty() ? skip("dump", missing("promtool")) : dump(promtool.get(), dir, w)));
        checks.add(report(prometheus.isEmpty() ? skip("query", missing("prometheus")) : query(prometheus.get(), dir, w)));
        checks.add(report(promtool.isEmpty() ? skip("import", missing("promtool")) : importBlocks(promtool.get())));
        return checks;
    }

    private Check report(Check c) {
        out.println(c.line());
        return c;
    }

    private static Check skip(String name, String why) {
        return new Check(name, false, true, why);
    }

    /** The engine's blocks after the write. */
    static final class Written {
        List<Sluice.BlockInfo> blocks;
        long blockSamples;
        long minTime;
        long maxTime; // exclusive
    }

    private static double value(long series, long k) {
        return Workload.mixed(series, k);
    }

    private Written write(Path dir) throws IOException, InterruptedException {
        Workload workload = new Workload(o.series, LABELS);
        Written w = new Written();
        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).build())) {
            long[] refs = new long[o.series];
            for (int i = 0; i < o.series; i++) {
                refs[i] = db.series(workload.labelsOf(i));
            }
            Appender app = db.appender();
            for (int k = 0; k < o.samplesPerSeries; k++) {
                for (int i = 0; i < o.series; i++) {
                    app.add(refs[i], T0 + k * STEP, value(i, k));
                }
                app.commit();
            }
            db.awaitDurable(app.commit());
            db.compact();
            w.blocks = db.blocks();
        }
        w.minTime = Long.MAX_VALUE;
        w.maxTime = Long.MIN_VALUE;
        for (Sluice.BlockInfo b : w.blocks) {
            w.blockSamples += b.samples();
            w.minTime = Math.min(w.minTime, b.minTime());
            w.maxTime = Math.max(w.maxTime, b.maxTime());
        }
        if (w.blocks.isEmpty()) {
            throw new IllegalStateException("the engine wrote no block: write more samples per series (a block needs"
                + " the head to span more than 3 h of sample time at the default 2 h block range)");
        }
        return w;
    }

    // ---- 1. promtool tsdb analyze ----

    private Check analyze(Path promtool, Path dir, Written w) throws Exception {
        List<String> problems = new ArrayList<>();
        long series = 0;
        for (Sluice.BlockInfo b : w.blocks) {
            Path log = o.work.resolve("analyze-" + b.ulid() + ".txt");
            int rc = run(log, promtool.toString(), "tsdb", "analyze", dir.resolve("blocks").toString(), b.ulid());
            String text = Files.readString(log, StandardCharsets.UTF_8);
            if (rc != 0) {
                problems.add("exit " + rc + " on block " + b.ulid() + ": " + tail(text));
                continue;
            }
            Long reported = field(text, "Series: ");
            if (!text.contains("Block ID: " + b.ulid())) {
                problems.add("block " + b.ulid() + ": promtool analyzed another block: " + tail(text));
            } else if (reported == null || reported != b.series()) {
                problems.add("block " + b.ulid() + ": promtool counts " + reported + " series, Sluice " + b.series());
            }
            series += b.series();
        }
        return problems.isEmpty()
            ? new Check("analyze", true, false, "promtool tsdb analyze read " + w.blocks.size() + " block(s) and counted"
                + " the series Sluice reports for each (" + Fmt.n(series) + " in all)")
            : new Check("analyze", false, false, String.join("; ", problems));
    }

    private static Long field(String text, String prefix) {
        for (String line : text.split("\n")) {
            if (line.startsWith(prefix)) {
                try {
                    return Long.parseLong(line.substring(prefix.length()).trim());
                } catch (NumberFormatException e) {
                    return null;
                }
            }
        }
        return null;
    }

    // ---- 2. promtool tsdb dump ----

    private Check dump(Path promtool, Path dir, Written w) throws Exception {
        Path db = o.work.resolve("dump-db");
        FileTree.copy(dir.resolve("blocks"), db);
        Files.createDirectories(db.resolve("wal")); // promtool 2.42's dump opens a whole DB and needs one
        Path dumped = o.work.resolve("dump.txt");
        int rc = run(dumped, promtool.toString(), "tsdb", "dump", "--min-time=" + w.minTime,
            "--max-time=" + (w.maxTime - 1), db.toString());
        if (rc != 0) {
            return new Check("dump", false, false, "promtool tsdb dump exited with " + rc + ": "
                + tail(Files.readString(dumped, StandardCharsets.UTF_8)));
        }
        Workload workload = new Workload(o.series, LABELS);
        Map<String, Integer> byLabels = new HashMap<>();
        for (int i = 0; i < o.series; i++) {
            byLabels.put(workload.labelsOf(i).toString(), i);
        }
        long first = Math.floorDiv(w.minTime - T0 + STEP - 1, STEP); // the first k with T0 + k * STEP >= minTime
        long[] next = new long[o.series];
        java.util.Arrays.fill(next, Math.max(0, first));
        long lines = 0;
        try (BufferedReader r = Files.newBufferedReader(dumped, StandardCharsets.UTF_8)) {
            for (String line; (line = r.readLine()) != null; lines++) {
                int b = line.lastIndexOf(' ');
                int a = line.lastIndexOf(' ', b - 1);
                Integer s = a < 0 ? null : byLabels.get(line.substring(0, a));
                if (s == null) {
                    return new Check("dump", false, false, "promtool dumped a series that was never written: " + line);
                }
                long k = next[s]++;
                long t = Long.parseLong(line.substring(b + 1));
                double v = parseGoFloat(line.substring(a + 1, b));
                double want = value(s, k);
                if (t != T0 + k * STEP || Double.doubleToLongBits(v) != Double.doubleToLongBits(want)) {
                    return new Check("dump", false, false, "sample " + k + " of " + line.substring(0, a) + ": dumped " + v
                        + " @ " + t + ", written " + want + " @ " + (T0 + k * STEP));
                }
            }
        }
        long expected = 0;
        for (int i = 0; i < o.series; i++) {
            long want = Math.floorDiv(w.maxTime - 1 - T0, STEP) + 1; // k < want lie before maxTime
            long have = Math.min(want, o.samplesPerSeries) - Math.max(0, first);
            expected += have;
            if (next[i] - Math.max(0, first) != have) {
                return new Check("dump", false, false, "series " + i + ": promtool dumped " + (next[i] - Math.max(0, first))
                    + " samples, " + have + " were written into the blocks' range");
            }
        }
        if (lines != expected || lines != w.blockSamples) {
            return new Check("dump", false, false, "promtool dumped " + lines + " samples; written into the range: "
                + expected + "; Sluice's blocks hold " + w.blockSamples);
        }
        return new Check("dump", true, false, "promtool tsdb dump returned exactly the " + Fmt.n(lines)
            + " samples written into the blocks' range [" + w.minTime + ", " + w.maxTime + "), every timestamp and value bit");
    }

    /** Parses Go's {@code %g} / {@code strconv.FormatFloat} output, including {@code NaN} and {@code ±Inf}. */
    static double parseGoFloat(String s) {
        switch (s) {
            case "NaN":
                return Double.NaN;
            case "+Inf":
            case "Inf":
                return Double.POSITIVE_INFINITY;
            case "-Inf":
                return Double.NEGATIVE_INFINITY;
            default:
                return Double.parseDouble(s);
        }
    }

    // ---- 3. Prometheus count_over_time against inspect --match ----

    private Check query(Path prometheus, Path dir, Written w) throws Exception {
        String selector = "{__name__=\"metric_7\"}";
        long from = w.minTime;
        long to = w.maxTime - 1;
        Path json = o.work.resolve("inspect.json");
        int rc = quietly("inspect", "--dir", dir.toString(), "--match", selector, "--from", Long.toString(from), "--to",
            Long.toString(to), "--json", json.toString());
        if (rc != 0) {
            return new Check("query", false, false, "inspect --match exited with " + rc);
        }
        String inspected = Files.readString(json, StandardCharsets.UTF_8);
        long inspectSeries = jsonLong(inspected, "matched_series");
        long inspectSamples = jsonLong(inspected, "matched_samples");

        Path data = o.work.resolve("prometheus-data");
        FileTree.copy(dir.resolve("blocks"), data);
        Path config = o.work.resolve("prometheus.yml");
        Files.writeString(config, "# no scrape targets: the server only serves the blocks\nglobal:\n  scrape_interval: 1m\n");
        Path log = o.work.resolve("prometheus.log");
        Process server = null;
        String base = null;
        try {
            for (int attempt = 0; server == null; attempt++) {
                int port;
                try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                    port = s.getLocalPort();
                }
                server = new ProcessBuilder(prometheus.toString(), "--config.file=" + config,
                    "--storage.tsdb.path=" + data, "--storage.tsdb.retention.time=100y",
                    "--web.listen-address=127.0.0.1:" + port)
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
                base = "http://127.0.0.1:" + port;
                String trouble = awaitReady(base, server, log);
                if (trouble != null) {
                    stop(server);
                    server = null;
                    if (!trouble.contains("address already in use") || attempt >= 2) {
                        return new Check("query", false, false, trouble);
                    }
                }
            }
            long rangeSeconds = (to - from) / 1000 + 1; // (to - range, to] covers [from, to]
            String query = "count_over_time(" + selector + "[" + rangeSeconds + "s])";
            String time = String.format("%d.%03d", to / 1000, to % 1000);
            HttpResponse<String> resp = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/query?query="
                + URLEncoder.encode(query, StandardCharsets.UTF_8) + "&time=" + time)).timeout(Duration.ofSeconds(60))
                .build(), HttpResponse.BodyHandlers.ofString());
            if (resp.statusCode() != 200) {
                return new Check("query", false, false, "Prometheus answered " + resp.statusCode() + ": " + resp.body());
            }
            Map<String, Long> counts = countsByInstance(resp.body());
            long total = counts.values().stream().mapToLong(Long::longValue).sum();
            // Series by series: what Sluice holds for each matched series in the range.
            Map<String, Long> sluice = new HashMap<>();
            try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).build())) {
                for (long ref : db.series(io.sluice.engine.Matcher.eq("__name__", "metric_7"))) {
                    long[] n = {0};
                    db.read(ref, from, to, (t, v) -> n[0]++);
                    sluice.put(db.labels(ref).get("instance"), n[0]);
                }
            }
            if (!counts.equals(sluice)) {
                return new Check("query", false, false, "Prometheus' counts per series differ from Sluice's: "
                    + firstDifference(counts, sluice));
            }
            if (counts.size() != inspectSeries || total != inspectSamples) {
                return new Check("query", false, false, "Prometheus counts " + counts.size() + " series and " + total
                    + " samples for " + selector + "; inspect --match gives " + inspectSeries + " and " + inspectSamples);
            }
            return new Check("query", true, false, "Prometheus 2.42's count_over_time(" + selector + "[" + rangeSeconds
                + "s]) gives " + Fmt.n(counts.size()) + " series and " + Fmt.n(total) + " samples, as inspect --match"
                + " does, and equals Sluice's count series by series");
        } finally {
            if (server != null) {
                stop(server);
            }
        }
    }

    private static String firstDifference(Map<String, Long> a, Map<String, Long> b) {
        for (Map.Entry<String, Long> e : a.entrySet()) {
            if (!e.getValue().equals(b.get(e.getKey()))) {
                return "instance " + e.getKey() + ": Prometheus " + e.getValue() + ", Sluice " + b.get(e.getKey());
            }
        }
        for (String k : b.keySet()) {
            if (!a.containsKey(k)) {
                return "instance " + k + ": Prometheus has no result, Sluice " + b.get(k);
            }
        }
        return "(none)";
    }

    static long jsonLong(String json, String field) throws IOException {
        try (JsonParser p = new JsonFactory().createParser(json)) {
            while (p.nextToken() != null) {
                if (p.currentToken() == JsonToken.FIELD_NAME && p.currentName().equals(field)) {
                    p.nextToken();
                    return p.getLongValue();
                }
            }
        }
        throw new IOException("no field " + field + " in " + json);
    }

    /** Null when ready; else why not. */
    private String awaitReady(String base, Process server, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!server.isAlive()) {
                return "prometheus exited with " + server.exitValue() + ": " + tail(Files.readString(log));
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/-/ready"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return null;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        return "prometheus was not ready within 60 s: " + tail(Files.readString(log));
    }

    /** Stops a server by its PID: SIGTERM, then SIGKILL if it lingers. */
    static void stop(Process server) throws InterruptedException {
        server.destroy();
        if (!server.waitFor(20, TimeUnit.SECONDS)) {
            server.destroyForcibly();
            server.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** The {@code value} of each result of an instant-vector query response, by its {@code instance} label. */
    static Map<String, Long> countsByInstance(String json) throws IOException {
        Map<String, Long> out = new HashMap<>();
        try (JsonParser p = new JsonFactory().createParser(json)) {
            String status = null;
            while (p.nextToken() != null) {
                if (p.currentToken() == JsonToken.FIELD_NAME && p.currentName().equals("status")) {
                    status = p.nextTextValue();
                } else if (p.currentToken() == JsonToken.FIELD_NAME && p.currentName().equals("result")) {
                    p.nextToken(); // [
                    while (p.nextToken() == JsonToken.START_OBJECT) {
                        String instance = null;
                        String value = null;
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String field = p.currentName();
                            p.nextToken();
                            if (field.equals("metric")) {
                                while (p.nextToken() == JsonToken.FIELD_NAME) {
                                    String label = p.currentName();
                                    String v = p.nextTextValue();
                                    if (label.equals("instance")) {
                                        instance = v;
                                    }
                                }
                            } else if (field.equals("value")) {
                                p.nextToken(); // the time
                                value = p.nextTextValue();
                                p.nextToken(); // ]
                            } else {
                                p.skipChildren();
                            }
                        }
                        out.put(instance, Long.parseLong(value));
                    }
                }
            }
            if (!"success".equals(status)) {
                throw new IOException("query status " + status + ": " + (json.length() > 500 ? json.substring(0, 500) : json));
            }
        }
        return out;
    }

    // ---- 4. promtool tsdb create-blocks-from openmetrics, opened by Sluice ----

    private Check importBlocks(Path promtool) throws Exception {
        Path om = o.work.resolve("import.om");
        Workload workload = new Workload(o.importSeries, LABELS);
        // Names and values: the workload's, so the file exercises only what OpenMetrics and Sluice share.
        try (BufferedWriter wr = Files.newBufferedWriter(om, StandardCharsets.UTF_8)) {
            for (int i = 0; i < o.importSeries; i++) {
                Labels l = workload.labelsOf(i);
                StringBuilder sb = new StringBuilder(l.get("__name__")).append('{');
                boolean firstLabel = true;
                for (int k = 0; k < l.size(); k++) {
                    if (l.name(k).equals("__name__")) {
                        continue;
                    }
                    sb.append(firstLabel ? "" : ",").append(l.name(k)).append("=\"").append(l.value(k)).append('"');
                    firstLabel = false;
                }
                String prefix = sb.append("} ").toString();
                for (int k = 0; k < o.importSamplesPerSeries; k++) {
                    long t = T0 + k * STEP;
                    wr.write(prefix + goFloat(value(i, k)) + " " + (t / 1000) + "." + String.format("%03d", t % 1000) + "\n");
                }
            }
            wr.write("# EOF\n");
        }
        Path dir = o.work.resolve("imported");
        Path log = o.work.resolve("create-blocks.txt");
        long began = System.nanoTime();
        int rc = run(log, promtool.toString(), "tsdb", "create-blocks-from", "openmetrics", om.toString(),
            dir.resolve("blocks").toString());
        double promtoolSeconds = (System.nanoTime() - began) / 1e9;
        if (rc != 0) {
            return new Check("import", false, false, "promtool tsdb create-blocks-from openmetrics exited with " + rc + ": "
                + tail(Files.readString(log, StandardCharsets.UTF_8)));
        }
        long blocks;
        try (Stream<Path> s = Files.list(dir.resolve("blocks"))) {
            blocks = s.filter(Files::isDirectory).count();
        }
        Path json = o.work.resolve("inspect-import.json");
        rc = quietly("inspect", "--dir", dir.toString(), "--json", json.toString());
        if (rc != 0) {
            return new Check("import", false, false, "inspect of promtool's blocks exited with " + rc);
        }
        String inspected = Files.readString(json, StandardCharsets.UTF_8);
        long series = jsonLong(inspected, "series");
        long samples = jsonLong(inspected, "samples");
        long want = (long) o.importSeries * o.importSamplesPerSeries;
        if (series != o.importSeries || samples != want) {
            return new Check("import", false, false, "inspect gives " + series + " series and " + samples
                + " samples; the file has " + o.importSeries + " and " + want);
        }
        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).build())) {
            for (int i = 0; i < o.importSeries; i++) {
                long ref = db.find(workload.labelsOf(i));
                if (ref < 0) {
                    return new Check("import", false, false, "series " + workload.labelsOf(i) + " is missing");
                }
                final int s = i;
                long[] k = {0};
                String[] bad = {null};
                db.read(ref, Long.MIN_VALUE, Long.MAX_VALUE, (t, v) -> {
                    if (bad[0] == null && (t != T0 + k[0] * STEP
                        || Double.doubleToLongBits(v) != Double.doubleToLongBits(value(s, k[0])))) {
                        bad[0] = "sample " + k[0] + " of series " + s + ": read " + v + " @ " + t;
                    }
                    k[0]++;
                });
                if (bad[0] != null || k[0] != o.importSamplesPerSeries) {
                    return new Check("import", false, false, bad[0] != null ? bad[0]
                        : "series " + s + " reads " + k[0] + " samples, the file has " + o.importSamplesPerSeries);
                }
            }
        }
        return new Check("import", true, false, "promtool made " + blocks + " block(s) of " + Fmt.n(want) + " samples in "
            + String.format("%.2f", promtoolSeconds) + " s; Sluice opens them, inspect gives " + Fmt.n(series)
            + " series and " + Fmt.n(samples) + " samples, and every sample reads back as written");
    }

    /** A float as OpenMetrics takes it, exactly (Java's shortest repr parses back to the same bits). */
    static String goFloat(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        return Double.toString(v);
    }

    // ---- helpers ----

    /** Runs a sluice-bench command in this JVM with its standard output thrown away; returns its exit code. */
    static synchronized int quietly(String... args) {
        PrintStream saved = System.out;
        System.setOut(new PrintStream(java.io.OutputStream.nullOutputStream()));
        try {
            return new CommandLine(new SluiceBench()).execute(args);
        } finally {
            System.setOut(saved);
        }
    }

    /** Runs a command with its output in {@code log}; returns the exit code (kills it after 300 s). */
    static int run(Path log, String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            if (!p.waitFor(300, TimeUnit.SECONDS)) {
                return -1;
            }
            return p.exitValue();
        } finally {
            p.destroyForcibly();
        }
    }

    private static String tail(String text) {
        String[] lines = text.split("\n");
        return String.join(" | ", java.util.Arrays.copyOfRange(lines, Math.max(0, lines.length - 5), lines.length));
    }
}
