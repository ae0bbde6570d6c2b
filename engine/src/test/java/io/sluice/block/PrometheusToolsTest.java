package io.sluice.block;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.sluice.engine.Labels;
import io.sluice.testing.TestDirs;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
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
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The real tools read what BlockWriter writes: a block of 2,050,000 samples in 2,500 series (real
 * XOR chunks, cut as Prometheus' head cuts them; some label values non-ASCII) is analyzed by
 * {@code promtool tsdb analyze}, dumped sample by sample by {@code promtool tsdb dump}, and served
 * by a {@code prometheus} server (loopback only, a free port, no scrape targets), whose
 * {@code count_over_time} per series must equal what was written. A missing binary skips its test
 * with one {@code SKIPPED:} line (Debian: {@code apt-get install -y prometheus}).
 */
class PrometheusToolsTest {
    static final int SERIES = 2_500;
    static final int SAMPLES_PER_SERIES = 820;
    static final long MIN_T = 1_700_006_400_000L;
    static final long MAX_T = MIN_T + 4 * 3_600_000L;
    static final String[] ZONES = {"Zürich", "東京", "𝄞 clef", "plain"};

    @TempDir
    static Path tmp;
    static Path blocksDir;
    static BlockMeta meta;
    static List<TestSeries> series;

    @BeforeAll
    static void writeBlock() throws Exception {
        long start = System.nanoTime();
        series = new ArrayList<>(SERIES);
        Random rnd = new Random(20261201);
        for (int s = 0; s < SERIES; s++) {
            Labels labels = Labels.of("__name__", "sluice_tool_metric_" + s % 5, "instance", String.format("i-%05d", s),
                "job", s % 3 == 0 ? "api" : s % 3 == 1 ? "db" : "cache", "zone", ZONES[s % ZONES.length]);
            long[] times = new long[SAMPLES_PER_SERIES];
            long[] bits = new long[SAMPLES_PER_SERIES];
            long t = MIN_T + (s * 7L) % 15_000;
            double v = 0;
            for (int i = 0; i < SAMPLES_PER_SERIES; i++) {
                times[i] = t;
                t += 15_000 + (i % 10 == 9 ? rnd.nextInt(2_000) : 0);
                if (s % 5 < 2) {
                    v += rnd.nextInt(10); // counters
                } else if (s % 97 == 0 && i % 50 == 7) {
                    v = i % 100 == 7 ? Double.NaN : Double.POSITIVE_INFINITY; // ordinary NaN, never the stale marker
                } else {
                    v = Math.round(rnd.nextGaussian() * 1e4) / 100.0; // gauges
                }
                bits[i] = Double.doubleToRawLongBits(v);
            }
            series.add(new TestSeries(labels, times, bits));
        }
        series.sort((a, b) -> LabelOrder.compare(a.labels, b.labels));
        blocksDir = tmp.resolve("blocks");
        meta = BlockWriter.write(blocksDir, MIN_T, MAX_T, TestSeries.source(series)).orElseThrow();
        assertEquals((long) SERIES * SAMPLES_PER_SERIES, meta.numSamples());
        System.out.printf("PrometheusToolsTest: wrote %d samples, %d chunks, %d series in %d ms%n", meta.numSamples(),
            meta.numChunks(), meta.numSeries(), (System.nanoTime() - start) / 1_000_000);
    }

    /** The binary on PATH, or a skip with one line saying how to get it. */
    static Path requireTool(String name) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            Path p = Path.of(d.isEmpty() ? "." : d, name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p;
            }
        }
        String line = "SKIPPED: " + name + " not found on PATH (apt-get install -y prometheus)";
        System.out.println(line);
        Assumptions.abort(line);
        return null;
    }

    /** Runs a command with its output in {@code out}; returns the exit code (fails after a minute). */
    static int run(Path out, String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        try {
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                fail(String.join(" ", command) + " did not finish in 120 s");
            }
            return p.exitValue();
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void promtoolAnalyzeReadsTheBlockAndCountsItsSeries() throws Exception {
        Path promtool = requireTool("promtool");
        Path out = tmp.resolve("analyze.txt");
        int rc = run(out, promtool.toString(), "tsdb", "analyze", blocksDir.toString());
        String text = Files.readString(out);
        assertEquals(0, rc, text);
        assertTrue(text.contains("Block ID: " + meta.ulid()), text);
        assertTrue(text.contains("\nSeries: " + SERIES + "\n"), text);
        assertTrue(text.contains("Label names: 4\n"), text);
    }

    @Test
    void promtoolDumpReturnsEveryWrittenSampleExactly() throws Exception {
        Path promtool = requireTool("promtool");
        Path db = tmp.resolve("dump-db");
        TestDirs.copyTree(blocksDir.resolve(meta.ulid().toString()), db.resolve(meta.ulid().toString()));
        Files.createDirectories(db.resolve("wal")); // promtool 2.42's dump opens a whole DB and needs one
        Path out = tmp.resolve("dump.txt");
        int rc = run(out, promtool.toString(), "tsdb", "dump", "--min-time=" + MIN_T, "--max-time=" + (MAX_T - 1),
            db.toString());
        assertEquals(0, rc, () -> tail(out));
        Map<String, Integer> byLabels = new HashMap<>();
        for (int i = 0; i < series.size(); i++) {
            byLabels.put(series.get(i).labels.toString(), i);
        }
        int[] next = new int[series.size()];
        long lines = 0;
        try (BufferedReader r = Files.newBufferedReader(out, StandardCharsets.UTF_8)) {
            for (String line; (line = r.readLine()) != null; ) {
                int b = line.lastIndexOf(' ');
                int a = line.lastIndexOf(' ', b - 1);
                Integer s = byLabels.get(line.substring(0, a));
                if (s == null) {
                    fail("promtool dumped a series that was not written: " + line);
                }
                TestSeries want = series.get(s);
                int k = next[s]++;
                long t = Long.parseLong(line.substring(b + 1));
                double v = OpenMetricsInput.parseValue(line.substring(a + 1, b));
                double w = Double.longBitsToDouble(want.valueBits[k]);
                if (t != want.times[k] || !(Double.doubleToLongBits(v) == Double.doubleToLongBits(w))) {
                    fail("sample " + k + " of " + want.labels + ": dumped " + v + " @ " + t + ", written " + w + " @ "
                        + want.times[k]);
                }
                lines++;
            }
        }
        for (int s = 0; s < series.size(); s++) {
            assertEquals(SAMPLES_PER_SERIES, next[s], series.get(s).labels.toString());
        }
        assertEquals(meta.numSamples(), lines);
    }

    @Test
    void prometheusServesTheBlockWithEverySampleCounted() throws Exception {
        Path prometheus = requireTool("prometheus");
        Path data = tmp.resolve("prometheus-data");
        TestDirs.copyTree(blocksDir.resolve(meta.ulid().toString()), data.resolve(meta.ulid().toString()));
        Path config = tmp.resolve("prometheus.yml");
        Files.writeString(config, "# no scrape targets: the server only serves the block\nglobal:\n  scrape_interval: 1m\n");
        Path log = tmp.resolve("prometheus.log");
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        Process server = null;
        String base = null;
        try {
            // A free port can be taken between our probe and the server's bind: try another then.
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
                if (!awaitReady(http, base, server, log, attempt < 2)) {
                    stop(server);
                    server = null;
                }
            }
            long rangeSeconds = (MAX_T - MIN_T) / 1000 + 60;
            String query = "count_over_time({__name__=~\".+\"}[" + rangeSeconds + "s])";
            String time = String.format("%d.%03d", (MAX_T - 1) / 1000, (MAX_T - 1) % 1000);
            HttpResponse<String> resp = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/query?query="
                + URLEncoder.encode(query, StandardCharsets.UTF_8) + "&time=" + time)).timeout(Duration.ofSeconds(60))
                .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, resp.statusCode(), resp.body());
            Map<String, Long> counts = countsByInstance(resp.body());
            assertEquals(SERIES, counts.size(), "one result per series");
            long total = 0;
            for (TestSeries s : series) {
                assertEquals(Long.valueOf(SAMPLES_PER_SERIES), counts.get(s.labels.get("instance")), s.labels.toString());
                total += counts.get(s.labels.get("instance"));
            }
            assertEquals(meta.numSamples(), total);
        } finally {
            if (server != null) {
                stop(server);
            }
        }
    }

    /** Stops the server by its PID: SIGTERM, then SIGKILL if it lingers. */
    private static void stop(Process server) throws InterruptedException {
        server.destroy();
        if (!server.waitFor(20, TimeUnit.SECONDS)) {
            server.destroyForcibly();
            server.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** True when ready; false when it could not bind its port and {@code mayRetry}; fails otherwise. */
    private static boolean awaitReady(HttpClient http, String base, Process server, Path log, boolean mayRetry)
        throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!server.isAlive()) {
                if (mayRetry && tail(log).contains("address already in use")) {
                    return false;
                }
                fail("prometheus exited with " + server.exitValue() + ": " + tail(log));
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/-/ready"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return true;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        fail("prometheus was not ready within 60 s: " + tail(log));
        return false;
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
            assertEquals("success", status, json.length() > 500 ? json.substring(0, 500) : json);
        }
        return out;
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
