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
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xerial.snappy.Snappy;

/**
 * Seeded fuzzing of every endpoint: random bodies, valid requests mutated (bit flips, truncation,
 * inserted bytes, compressed after or before mutating) and random query strings. The server answers
 * every one with a 2xx or a one-line 4xx (never a 5xx, never a dropped connection), a rejected write
 * adds no sample, and the server is healthy at the end.
 */
class ServerFuzzTest {
    @TempDir
    Path dir;

    @Test
    void randomAndMutatedBodiesAtEveryEndpoint() throws Exception {
        long seed = Long.getLong("sluice.fuzz.seed", System.nanoTime());
        System.out.println("ServerFuzzTest seed " + seed + " (rerun with -Dsluice.fuzz.seed=" + seed + ")");
        Random rnd = new Random(seed);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        try (SluiceServer server = SluiceServer.start(SluiceServer.Options.defaults().grpcListen(new InetSocketAddress("127.0.0.1", 0)).dir(dir)
            .listen(new InetSocketAddress("127.0.0.1", 0)).durability(Durability.NONE))) {
            String base = "http://127.0.0.1:" + server.httpAddress().getPort();
            int ok = 0;
            int refused = 0;
            for (int i = 0; i < 600; i++) {
                HttpRequest req;
                long appendedBefore = server.engine().metrics().samples();
                int kind = rnd.nextInt(4);
                if (kind < 3) {
                    byte[] body = writeBody(rnd, kind, i);
                    req = HttpRequest.newBuilder(URI.create(base + "/api/v1/write"))
                        .header("Content-Type", "application/x-protobuf").header("Content-Encoding", "snappy")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
                } else {
                    String[] paths = {"/api/v1/query", "/api/v1/query_range", "/api/v1/series", "/api/v1/labels",
                        "/api/v1/label/" + enc(junk(rnd, 6)) + "/values", "/metrics", "/-/ready", "/-/healthy",
                        "/" + enc(junk(rnd, 10))};
                    String q = "query=" + enc(junkQuery(rnd)) + "&match[]=" + enc(junkQuery(rnd)) + "&start="
                        + enc(junk(rnd, 5)) + "&end=" + enc(junk(rnd, 5)) + "&step=" + enc(junk(rnd, 4)) + "&time="
                        + enc(junk(rnd, 4));
                    req = HttpRequest.newBuilder(URI.create(base + paths[rnd.nextInt(paths.length)] + "?" + q)).build();
                }
                HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
                int st = r.statusCode();
                assertTrue(st < 500, "seed " + seed + " request " + i + ": " + st + " " + r.body());
                if (st >= 400) {
                    refused++;
                    assertTrue(st == 404 || r.body().strip().lines().count() == 1, "one line: " + r.body());
                    if (req.uri().getPath().equals("/api/v1/write")) {
                        // a refused write adds nothing: wait a moment for anything in flight, then compare
                        Thread.sleep(2);
                        assertEquals(appendedBefore, server.engine().metrics().samples(),
                            "seed " + seed + " request " + i + " was refused with " + st + " but wrote samples");
                    }
                } else {
                    ok++;
                }
            }
            assertTrue(ok > 20 && refused > 100, "both outcomes exercised: " + ok + " ok, " + refused + " refused");
            HttpResponse<String> healthy = http.send(HttpRequest.newBuilder(URI.create(base + "/-/healthy")).build(),
                HttpResponse.BodyHandlers.ofString());
            assertEquals(200, healthy.statusCode());
        }
    }

    private static byte[] writeBody(Random rnd, int kind, int i) throws Exception {
        if (kind == 0) {
            byte[] b = new byte[rnd.nextInt(300)];
            rnd.nextBytes(b);
            return rnd.nextBoolean() ? b : Snappy.compress(b);
        }
        RemoteWriteEncoder e = new RemoteWriteEncoder();
        int series = 1 + rnd.nextInt(5);
        for (int s = 0; s < series; s++) {
            int n = rnd.nextInt(4);
            long[] ts = new long[n];
            double[] vs = new double[n];
            for (int k = 0; k < n; k++) {
                ts[k] = 1_000_000L * i + 1000L * k + s;
                vs[k] = rnd.nextGaussian();
            }
            e.series(new String[] {"__name__", "fuzz_" + rnd.nextInt(3), "k", "v" + rnd.nextInt(4)}, ts, vs);
        }
        byte[] plain = e.protobuf();
        if (kind == 1) {
            return Snappy.compress(mutate(rnd, plain));
        }
        return mutate(rnd, Snappy.compress(plain));
    }

    private static byte[] mutate(Random rnd, byte[] b) {
        byte[] out = b.clone();
        switch (rnd.nextInt(4)) {
            case 0 -> {
                for (int k = 0; k < 1 + rnd.nextInt(3) && out.length > 0; k++) {
                    out[rnd.nextInt(out.length)] ^= (byte) (1 << rnd.nextInt(8));
                }
            }
            case 1 -> out = java.util.Arrays.copyOf(out, rnd.nextInt(out.length + 1));
            case 2 -> {
                int at = rnd.nextInt(out.length + 1);
                byte[] ins = new byte[1 + rnd.nextInt(8)];
                rnd.nextBytes(ins);
                byte[] n = new byte[out.length + ins.length];
                System.arraycopy(out, 0, n, 0, at);
                System.arraycopy(ins, 0, n, at, ins.length);
                System.arraycopy(out, at, n, at + ins.length, out.length - at);
                out = n;
            }
            default -> {
                // unchanged: a valid request (which may still be out of order)
            }
        }
        return out;
    }

    private static String junk(Random rnd, int max) {
        String alphabet = "abz_AZ09{}[]()=~!\",.:-+ \\'`%\u00e9\u20ac";
        StringBuilder sb = new StringBuilder();
        for (int k = rnd.nextInt(max + 1); k > 0; k--) {
            sb.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
        }
        return sb.toString();
    }

    private static String junkQuery(Random rnd) {
        String[] parts = {"fuzz_0", "fuzz_1", "{k=\"v1\"}", "{k=~\"v.*\"}", "[5m]", "[1h30m]", "rate(", ")", "sum by (k) ",
            "{", "}", "=", "\"", "[", "]", "offset 5m", "1.5", "-", "@ 100"};
        StringBuilder sb = new StringBuilder();
        for (int k = rnd.nextInt(5); k >= 0; k--) {
            sb.append(rnd.nextInt(5) == 0 ? junk(rnd, 4) : parts[rnd.nextInt(parts.length)]);
        }
        return sb.toString();
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
