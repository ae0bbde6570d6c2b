package io.sluice.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.engine.Durability;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real Prometheus 2.42 with {@code remote_read} to Sluice runs PromQL over Sluice's data. The same
 * counters are in Prometheus' own TSDB (blocks made by promtool, {@code job="local"}) and in Sluice
 * (remote write, {@code job="remote"}); {@code sum by (job) (rate(x[5m]))} over 50 minutes gives the
 * same figures for both jobs at every step.
 */
class PrometheusRemoteReadTest {
    @TempDir
    Path dir;

    @Test
    void prometheusRunsPromqlOverSluiceThroughRemoteRead() throws Exception {
        Path prometheus = PrometheusRemoteWriteTest.binary("prometheus");
        Path promtool = PrometheusRemoteWriteTest.binary("promtool");
        if (prometheus == null || promtool == null) {
            System.out.println("SKIPPED PrometheusRemoteReadTest: prometheus or promtool not found on PATH"
                + " (apt-get install prometheus)");
            Assumptions.abort("prometheus or promtool not found on PATH");
        }
        long seed = System.nanoTime();
        System.out.println("PrometheusRemoteReadTest seed " + seed);
        Random rnd = new Random(seed);
        long now = System.currentTimeMillis();
        long t0 = (now - TimeUnit.HOURS.toMillis(3)) / 60_000 * 60_000;
        int n = 240; // one hour at 15 s
        StringBuilder om = new StringBuilder("# TYPE x gauge\n");
        RemoteWriteEncoder e = new RemoteWriteEncoder();
        for (int i = 0; i < 3; i++) {
            long[] ts = new long[n];
            double[] vs = new double[n];
            double v = 0;
            for (int k = 0; k < n; k++) {
                ts[k] = t0 + 15_000L * k;
                v = rnd.nextInt(40) == 0 ? rnd.nextInt(5) : v + rnd.nextInt(100) / 4.0; // counter with resets
                vs[k] = v;
                om.append(String.format(Locale.ROOT, "x{instance=\"i%d\",job=\"local\"} %s %d.%03d%n", i,
                    Double.toString(v), ts[k] / 1000, ts[k] % 1000));
            }
            e.series(new String[] {"__name__", "x", "instance", "i" + i, "job", "remote"}, ts, vs);
        }
        om.append("# EOF\n");
        Path omFile = dir.resolve("x.om");
        Files.writeString(omFile, om.toString());
        Path data = dir.resolve("prom-data");
        Files.createDirectories(data);
        Process tool = new ProcessBuilder(promtool.toString(), "tsdb", "create-blocks-from", "openmetrics",
            omFile.toString(), data.toString()).redirectErrorStream(true).redirectOutput(dir.resolve("promtool.log")
            .toFile()).start();
        assertTrue(tool.waitFor(120, TimeUnit.SECONDS) && tool.exitValue() == 0,
            "promtool: " + Files.readString(dir.resolve("promtool.log")));

        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        try (SluiceServer server = SluiceServer.start(SluiceServer.Options.defaults().grpcListen(new InetSocketAddress("127.0.0.1", 0)).dir(dir.resolve("sluice"))
            .listen(new InetSocketAddress("127.0.0.1", 0)).durability(Durability.BATCH))) {
            String sluice = "http://127.0.0.1:" + server.httpAddress().getPort();
            HttpResponse<String> w = http.send(HttpRequest.newBuilder(URI.create(sluice + "/api/v1/write"))
                .header("Content-Type", "application/x-protobuf").header("Content-Encoding", "snappy")
                .POST(HttpRequest.BodyPublishers.ofByteArray(e.body())).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(204, w.statusCode(), w.body());

            Process prom = null;
            Path log = dir.resolve("prometheus.log");
            try {
                String base = null;
                for (int attempt = 0; prom == null; attempt++) {
                    int port = PrometheusRemoteWriteTest.freePort();
                    Path config = dir.resolve("prometheus.yml");
                    Files.writeString(config, "global:\n  scrape_interval: 1m\nremote_read:\n  - url: " + sluice
                        + "/api/v1/read\n    read_recent: true\n");
                    prom = new ProcessBuilder(prometheus.toString(), "--config.file=" + config,
                        "--storage.tsdb.path=" + data, "--storage.tsdb.retention.time=100y",
                        "--web.listen-address=127.0.0.1:" + port).redirectErrorStream(true).redirectOutput(log.toFile())
                        .start();
                    base = "http://127.0.0.1:" + port;
                    if (!ready(http, base, prom)) {
                        PrometheusRemoteWriteTest.stop(prom);
                        prom = null;
                        String text = Files.readString(log);
                        if (!text.contains("address already in use") || attempt >= 2) {
                            throw new AssertionError("prometheus did not become ready: " + text);
                        }
                    }
                }
                String q = "sum by (job) (rate(x[5m]))";
                long start = t0 + 600_000;
                long end = t0 + 3_300_000;
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/query_range?query="
                    + URLEncoder.encode(q, StandardCharsets.UTF_8) + "&start=" + start / 1000 + "&end=" + end / 1000
                    + "&step=60")).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode(), r.body());
                TreeMap<Long, Double> local = job(r.body(), "local");
                TreeMap<Long, Double> remote = job(r.body(), "remote");
                assertEquals(46, local.size(), r.body());
                assertEquals(local, remote, "rate() over Prometheus' own blocks and over Sluice through remote read");
                System.out.println("Prometheus 2.42 remote_read: " + q + " equal for job=local (own TSDB) and"
                    + " job=remote (Sluice) at " + remote.size() + " steps");
            } finally {
                if (prom != null) {
                    PrometheusRemoteWriteTest.stop(prom);
                }
            }
        }
    }

    /** The matrix values of the result whose metric is {job="..."}. */
    private static TreeMap<Long, Double> job(String json, String job) throws IOException {
        String marker = "{\"metric\":{\"job\":\"" + job + "\"},\"values\":";
        int at = json.indexOf(marker);
        assertTrue(at >= 0, "no result for job " + job + ": " + json);
        int end = json.indexOf("]]", at) + 2;
        return PrometheusRemoteWriteTest.matrixValues("{\"values\":" + json.substring(at + marker.length(), end) + "}");
    }

    private static boolean ready(HttpClient http, String base, Process p) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline && p.isAlive()) {
            try {
                if (http.send(HttpRequest.newBuilder(URI.create(base + "/-/ready")).build(),
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
}
