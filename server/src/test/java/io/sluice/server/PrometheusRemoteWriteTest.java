package io.sluice.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.sluice.engine.Durability;
import io.sluice.engine.Labels;
import io.sluice.engine.Matcher;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
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
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real Prometheus 2.42 scrapes its own /metrics every second with {@code remote_write} to Sluice
 * (with a bearer token). After a few scrapes, the samples Sluice holds for a series equal, one by one,
 * those in Prometheus' own TSDB over the same span.
 */
class PrometheusRemoteWriteTest {
    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    static Path binary(String name) {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            Path p = Path.of(d, name);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Test
    void prometheusRemoteWritesItsOwnScrapesAndSluiceHoldsTheSameSamples() throws Exception {
        Path prometheus = binary("prometheus");
        if (prometheus == null) {
            System.out.println("SKIPPED PrometheusRemoteWriteTest: prometheus not found on PATH (apt-get install prometheus)");
            Assumptions.abort("prometheus not found on PATH");
        }
        Path token = dir.resolve("token");
        Files.writeString(token, "t0ken");
        SluiceServer.Options o = SluiceServer.Options.defaults().grpcListen(new InetSocketAddress("127.0.0.1", 0)).dir(dir.resolve("sluice"))
            .listen(new InetSocketAddress("127.0.0.1", 0)).durability(Durability.BATCH).authTokenFile(token);
        try (SluiceServer server = SluiceServer.start(o)) {
            int sluicePort = server.httpAddress().getPort();
            Process prom = null;
            Path log = dir.resolve("prometheus.log");
            String promBase = null;
            try {
                for (int attempt = 0; prom == null; attempt++) {
                    int port = freePort();
                    Path config = dir.resolve("prometheus.yml");
                    Files.writeString(config, "global:\n  scrape_interval: 1s\n  evaluation_interval: 1m\n"
                        + "scrape_configs:\n  - job_name: prometheus\n    static_configs:\n"
                        + "      - targets: ['127.0.0.1:" + port + "']\n"
                        + "remote_write:\n  - url: http://127.0.0.1:" + sluicePort + "/api/v1/write\n"
                        + "    authorization:\n      credentials_file: " + token + "\n"
                        + "    queue_config:\n      batch_send_deadline: 1s\n      min_backoff: 50ms\n"
                        + "      max_backoff: 1s\n");
                    prom = new ProcessBuilder(prometheus.toString(), "--config.file=" + config,
                        "--storage.tsdb.path=" + dir.resolve("prom-data"), "--web.listen-address=127.0.0.1:" + port)
                        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
                    promBase = "http://127.0.0.1:" + port;
                    if (!awaitReady(promBase, prom)) {
                        stop(prom);
                        prom = null;
                        String text = Files.readString(log);
                        if (!text.contains("address already in use") || attempt >= 2) {
                            throw new AssertionError("prometheus did not become ready: " + text);
                        }
                    }
                }
                String series = "scrape_duration_seconds";
                // Wait for at least 6 scrapes of the series to reach Sluice.
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
                TreeMap<Long, Double> inSluice = new TreeMap<>();
                while (System.nanoTime() < deadline) {
                    inSluice = sluiceSamples(server, series);
                    if (inSluice.size() >= 6) {
                        break;
                    }
                    Thread.sleep(500);
                }
                assertTrue(inSluice.size() >= 6, "Sluice got " + inSluice.size() + " samples of " + series
                    + " in 90 s; Prometheus' log: " + Files.readString(log));
                long first = inSluice.firstKey();
                long last = inSluice.lastKey();
                // Prometheus' own TSDB over [first, last]: a range selector evaluated at `last`.
                long rangeMs = last - first + 1;
                String q = series + "{job=\"prometheus\"}[" + rangeMs + "ms]";
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(promBase + "/api/v1/query?query="
                    + URLEncoder.encode(q, StandardCharsets.UTF_8) + "&time=" + PromTime.seconds(last))).build(),
                    HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode(), r.body());
                TreeMap<Long, Double> inPrometheus = matrixValues(r.body());
                assertEquals(inPrometheus, inSluice, "the samples of " + series + " in [" + first + ", " + last + "]");
                // Every series Prometheus wrote was taken: no 4xx/5xx in its log about remote write.
                String text = Files.readString(log);
                assertTrue(!text.contains("non-recoverable error") && !text.contains("server returned HTTP status 4"),
                    text);
                long seriesCount = server.engine().seriesCount();
                assertTrue(seriesCount > 100, "Sluice holds " + seriesCount + " series of Prometheus' own metrics");
                System.out.println("Prometheus 2.42 remote write: " + inSluice.size() + " samples of " + series
                    + " equal in both, " + seriesCount + " series in Sluice");
            } finally {
                if (prom != null) {
                    stop(prom);
                }
            }
        }
    }

    private static TreeMap<Long, Double> sluiceSamples(SluiceServer server, String name) {
        TreeMap<Long, Double> out = new TreeMap<>();
        for (long ref : server.engine().series(Matcher.eq("__name__", name), Matcher.eq("job", "prometheus"))) {
            Labels l = server.engine().labels(ref);
            assertEquals("127.0.0.1", l.get("instance").split(":")[0]);
            server.engine().read(ref, Long.MIN_VALUE, Long.MAX_VALUE, (t, v) -> out.put(t, v));
        }
        return out;
    }

    /** The values of a one-series matrix result, by timestamp in ms. */
    static TreeMap<Long, Double> matrixValues(String json) throws IOException {
        TreeMap<Long, Double> out = new TreeMap<>();
        List<String> pair = new ArrayList<>();
        try (JsonParser p = new JsonFactory().createParser(json)) {
            boolean inValues = false;
            int depth = 0;
            while (p.nextToken() != null) {
                JsonToken t = p.currentToken();
                if (t == JsonToken.FIELD_NAME && p.currentName().equals("values")) {
                    inValues = true;
                    depth = 0;
                    continue;
                }
                if (!inValues) {
                    continue;
                }
                if (t == JsonToken.START_ARRAY) {
                    depth++;
                } else if (t == JsonToken.END_ARRAY) {
                    depth--;
                    if (depth == 1 && pair.size() == 2) {
                        long ms = new java.math.BigDecimal(pair.get(0)).movePointRight(3).longValueExact();
                        out.put(ms, Double.parseDouble(pair.get(1)));
                        pair.clear();
                    } else if (depth == 0) {
                        inValues = false;
                    }
                } else if (t == JsonToken.VALUE_NUMBER_FLOAT || t == JsonToken.VALUE_NUMBER_INT
                    || t == JsonToken.VALUE_STRING) {
                    pair.add(p.getText());
                }
            }
        }
        return out;
    }

    private boolean awaitReady(String base, Process p) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline && p.isAlive()) {
            try {
                if (http.send(HttpRequest.newBuilder(URI.create(base + "/-/ready")).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
                    return true;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        return false;
    }

    static void stop(Process p) throws InterruptedException {
        p.destroy();
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
