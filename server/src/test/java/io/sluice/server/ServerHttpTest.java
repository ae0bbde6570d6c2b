package io.sluice.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.engine.Durability;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xerial.snappy.Snappy;

/** The HTTP endpoints of an in-process server on a free loopback port. */
class ServerHttpTest {
    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private SluiceServer server;
    private String base;

    private void start(Path token) throws Exception {
        SluiceServer.Options o = SluiceServer.Options.defaults().grpcListen(new InetSocketAddress("127.0.0.1", 0)).dir(dir.resolve("data"))
            .listen(new InetSocketAddress("127.0.0.1", 0)).durability(Durability.BATCH);
        if (token != null) {
            o.authTokenFile(token);
        }
        server = SluiceServer.start(o);
        base = "http://127.0.0.1:" + server.httpAddress().getPort();
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    private HttpResponse<String> write(byte[] body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/write"))
            .header("Content-Type", "application/x-protobuf").header("Content-Encoding", "snappy")
            .header("X-Prometheus-Remote-Write-Version", "0.1.0")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String pathAndQuery) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + pathAndQuery)).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    }

    private static String q(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static byte[] request(String name, String job, long[] ts, double[] vs) {
        return new RemoteWriteEncoder().series(new String[] {"__name__", name, "job", job}, ts, vs).body();
    }

    @Test
    void writesAreDurableAndReadBackThroughTheApi() throws Exception {
        start(null);
        assertEquals(204, write(request("temp", "a", new long[] {1000, 2000, 3000}, new double[] {1, 2.5, -3}))
            .statusCode());
        assertEquals(204, write(request("temp", "b", new long[] {1000}, new double[] {7})).statusCode());

        HttpResponse<String> series = get("/api/v1/series?match[]=" + q("temp"));
        assertEquals(200, series.statusCode());
        assertEquals("{\"status\":\"success\",\"data\":[{\"__name__\":\"temp\",\"job\":\"a\"},"
            + "{\"__name__\":\"temp\",\"job\":\"b\"}]}", series.body());
        assertEquals("{\"status\":\"success\",\"data\":[\"__name__\",\"job\"]}", get("/api/v1/labels").body());
        assertEquals("{\"status\":\"success\",\"data\":[\"a\",\"b\"]}", get("/api/v1/label/job/values").body());
        assertEquals("{\"status\":\"success\",\"data\":[\"a\"]}",
            get("/api/v1/label/job/values?match[]=" + q("temp{job=\"a\"}") + "&start=2.5&end=3").body());

        assertEquals("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":"
            + "{\"__name__\":\"temp\",\"job\":\"a\"},\"value\":[2.5,\"2.5\"]},{\"metric\":{\"__name__\":\"temp\","
            + "\"job\":\"b\"},\"value\":[2.5,\"7\"]}]}}", get("/api/v1/query?query=temp&time=2.5").body());
        assertEquals("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"metric\":"
            + "{\"__name__\":\"temp\",\"job\":\"a\"},\"values\":[[2,\"2.5\"],[3,\"-3\"]]}]}}",
            get("/api/v1/query?query=" + q("temp{job=\"a\"}[1s]") + "&time=3").body());
        assertEquals("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"metric\":"
            + "{\"__name__\":\"temp\",\"job\":\"a\"},\"values\":[[1,\"1\"],[2,\"2.5\"],[3,\"-3\"],[4,\"-3\"]]}]}}",
            get("/api/v1/query_range?query=" + q("temp{job=\"a\"}") + "&start=1&end=4&step=1s").body());

        // A POSTed form, as Grafana sends.
        HttpResponse<String> form = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/query"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString("query=" + q("temp{job=\"b\"}") + "&time=1")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertTrue(form.body().contains("\"value\":[1,\"7\"]"), form.body());

        // Acknowledged means durable: a new server on the same directory has every sample.
        server.close();
        server = null;
        start(null);
        assertTrue(get("/api/v1/query?query=" + q("temp{job=\"a\"}[10s]") + "&time=3").body()
            .contains("[[1,\"1\"],[2,\"2.5\"],[3,\"-3\"]]"));
    }

    @Test
    void largeRequestsGrowTheBuffers() throws Exception {
        start(null);
        for (int round = 0; round < 3; round++) {
            RemoteWriteEncoder e = new RemoteWriteEncoder();
            int series = 2000 * (round + 1); // 0.2 to 0.6 MB decompressed: past every initial buffer
            for (int s = 0; s < series; s++) {
                e.series(new String[] {"__name__", "big", "host", "host_" + s, "l1", "value_one", "l2", "value_two",
                    "l3", "value_three", "l4", "value_four", "l5", "value_five"}, new long[] {1000L * (round + 1)},
                    new double[] {s});
            }
            assertTrue(e.protobuf().length > (1 << 16) * (round + 1));
            HttpResponse<String> r = write(e.body());
            assertEquals(204, r.statusCode(), r.body());
        }
        assertEquals(6000, server.engine().series(io.sluice.engine.Matcher.eq("__name__", "big")).length);
        assertEquals(2000 * 3 + 2000 * 2 + 2000, server.engine().metrics().samples()); // series 0..1999 in every round
    }

    @Test
    void outOfOrderAndConflictingSamplesAreRefusedAndWriteNothing() throws Exception {
        start(null);
        assertEquals(204, write(request("m", "a", new long[] {5000}, new double[] {1})).statusCode());
        // One good series and one out-of-order sample in the same request: 400, and neither is written.
        byte[] mixed = new RemoteWriteEncoder()
            .series(new String[] {"__name__", "m", "job", "b"}, new long[] {1000}, new double[] {1})
            .series(new String[] {"__name__", "m", "job", "a"}, new long[] {4000}, new double[] {2}).body();
        HttpResponse<String> r = write(mixed);
        assertEquals(400, r.statusCode());
        assertTrue(r.body().startsWith("out of order sample"), r.body());
        HttpResponse<String> dup = write(request("m", "a", new long[] {5000}, new double[] {9}));
        assertEquals(400, dup.statusCode());
        assertTrue(dup.body().startsWith("duplicate sample for timestamp"), dup.body());
        // An exact duplicate is accepted (and not written twice), as Prometheus does.
        assertEquals(204, write(request("m", "a", new long[] {5000, 6000}, new double[] {1, 2})).statusCode());
        assertEquals("{\"status\":\"success\",\"data\":[{\"__name__\":\"m\",\"job\":\"a\"}]}",
            get("/api/v1/series?match[]=m&start=0&end=100").body());
        assertTrue(get("/api/v1/query?query=" + q("m[1m]") + "&time=10").body()
            .contains("\"values\":[[5,\"1\"],[6,\"2\"]]"));
        String metrics = get("/metrics").body();
        assertTrue(metrics.contains("sluice_server_samples_rejected_total{reason=\"out_of_order\"} 2.0"), metrics);
        assertTrue(metrics.contains("sluice_server_samples_rejected_total{reason=\"duplicate_timestamp\"} 1.0"), metrics);
        assertTrue(metrics.contains("sluice_server_samples_duplicate_total 1.0"), metrics);
    }

    @Test
    void badInputGetsAOneLine4xx() throws Exception {
        start(null);
        HttpResponse<String> badSnappy = write("not snappy at all".getBytes(StandardCharsets.UTF_8));
        assertEquals(400, badSnappy.statusCode());
        assertTrue(badSnappy.body().startsWith("bad snappy block"), badSnappy.body());
        HttpResponse<String> badProto = write(Snappy.compress(new byte[] {0x0a, 0x7f, 0x01}));
        assertEquals(400, badProto.statusCode());
        assertTrue(badProto.body().startsWith("bad protobuf WriteRequest at byte 2"), badProto.body());
        HttpResponse<String> badLabel = write(new RemoteWriteEncoder()
            .series(new String[] {"__name__", "m", "__name__", "n"}, new long[] {1}, new double[] {1}).body());
        assertEquals(400, badLabel.statusCode());
        assertTrue(badLabel.body().contains("duplicate label name"), badLabel.body());
        HttpResponse<String> newline = write(new RemoteWriteEncoder()
            .series(new String[] {"__name__", "m", "bad\nname", "x"}, new long[] {1}, new double[] {1}).body());
        assertEquals(400, newline.statusCode());
        assertEquals("invalid label name 'bad\\x0aname': names match [a-zA-Z_][a-zA-Z0-9_]*\n", newline.body());
        HttpResponse<String> json = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/write"))
            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(415, json.statusCode());
        HttpResponse<String> big = write(new byte[HttpFront.MAX_BODY + 1]);
        assertEquals(413, big.statusCode());
        HttpResponse<String> promql = get("/api/v1/query?query=" + q("rate(m[5m])"));
        assertEquals(400, promql.statusCode());
        assertTrue(promql.body().contains("remote_read"), promql.body());
        assertEquals(400, get("/api/v1/query_range?query=m&start=1&end=100000&step=1ms").statusCode());
        assertEquals(400, get("/api/v1/series").statusCode());
        assertEquals(404, get("/nope").statusCode());
        assertEquals(405, get("/api/v1/write").statusCode());
        for (String s : new String[] {badSnappy.body(), badProto.body(), badLabel.body()}) {
            assertEquals(1, s.strip().lines().count(), s);
        }
        // Nothing of the bad requests was written; the server still answers.
        assertEquals("{\"status\":\"success\",\"data\":[]}", get("/api/v1/labels").body());
        assertEquals(200, get("/-/healthy").statusCode());
        assertEquals(200, get("/-/ready").statusCode());
    }

    @Test
    void aBearerTokenIsRequiredWhenConfigured() throws Exception {
        Path token = dir.resolve("token");
        Files.writeString(token, "s3cret\n");
        start(token);
        assertEquals(401, get("/api/v1/labels").statusCode());
        assertEquals(401, write(request("m", "a", new long[] {1}, new double[] {1})).statusCode());
        HttpResponse<String> wrong = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/labels"))
            .header("Authorization", "Bearer nope").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(401, wrong.statusCode());
        HttpResponse<String> ok = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/labels"))
            .header("Authorization", "Bearer s3cret").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, ok.statusCode());
    }

    @Test
    void aFullQueueAnswers429WithRetryAfterAndLosesNothingAcknowledged() throws Exception {
        start(null);
        Ingestor ing = new Ingestor(server.engine(), server.metrics(), 1);
        java.util.concurrent.atomic.AtomicInteger ok = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger other = new java.util.concurrent.atomic.AtomicInteger();
        int accepted = 0;
        int refused = 0;
        long[] ts = new long[2000];
        double[] vs = new double[ts.length];
        for (int i = 0; i < 200 && refused == 0; i++) {
            for (int k = 0; k < ts.length; k++) {
                ts[k] = (long) i * ts.length + k;
                vs[k] = k;
            }
            byte[] body = request("q", "a", ts, vs);
            if (ing.submit(body, Ingestor.Format.REMOTE_WRITE, r -> (r.status() == 204 ? ok : other).incrementAndGet())) {
                accepted++;
            } else {
                refused++;
            }
        }
        ing.close();
        assertTrue(refused > 0, "a 1-byte budget refuses a request while another is pending");
        assertEquals(accepted, ok.get());
        assertEquals(0, other.get());
        assertEquals(429, server.busy().status());
        assertEquals("1", server.busy().retryAfter());
    }
}
