package io.sluice.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.engine.Labels;
import io.sluice.engine.Matcher;
import io.sluice.engine.Sluice;
import io.sluice.engine.SluiceConfig;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGKILL of a server process under remote-write load with {@code --durability batch}, then a reopen:
 * every sample of every request that got a 2xx is there, with its value, and nothing is there that
 * was never sent (a request in flight at the kill may be there in part: it was never acknowledged).
 */
class ServerCrashTest {
    @TempDir
    Path dir;

    static final int SERIES = 50;
    static final int PER_SERIES = 20;

    static double value(int series, long ts) {
        return series * 1e6 + ts;
    }

    @Test
    void everyAcknowledgedSampleSurvivesAKill() throws Exception {
        for (int round = 0; round < 2; round++) {
            killDuringLoad(round);
        }
    }

    private void killDuringLoad(int round) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(Arrays.asList(System.getProperty("sluice.test.jvm.flags").trim().split("\\s+")));
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(SluiceServer.class.getName());
        cmd.addAll(List.of("--dir", dir.toString(), "--listen", "127.0.0.1:0", "--grpc-listen", "127.0.0.1:0",
            "--durability", "batch"));
        Process child = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        String base = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        StringBuilder log = new StringBuilder();
        while (base == null && System.nanoTime() < deadline) {
            String line = out.readLine();
            if (line == null) {
                break;
            }
            log.append(line).append('\n');
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("listening on (http://\\S+)").matcher(line);
            if (m.find()) {
                base = m.group(1);
            }
        }
        assertTrue(base != null, "the server did not start: " + log);
        Thread drain = new Thread(() -> {
            try {
                while (out.readLine() != null) {
                    // keep the pipe empty
                }
            } catch (java.io.IOException ignored) {
                // the process died
            }
        });
        drain.setDaemon(true);
        drain.start();

        // Two writers, each owning half the series; each request: PER_SERIES samples for each of its series.
        ConcurrentHashMap<Long, Boolean> acked = new ConcurrentHashMap<>();   // key: series << 32 | ts
        ConcurrentHashMap<Long, Boolean> sent = new ConcurrentHashMap<>();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong requests = new AtomicLong();
        List<Thread> writers = new ArrayList<>();
        String url = base + "/api/v1/write";
        long t0 = 1_000_000L * (round + 1) * 1000;
        for (int w = 0; w < 2; w++) {
            int writer = w;
            Thread t = new Thread(() -> {
                HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
                for (long k = 0; !stop.get(); k++) {
                    RemoteWriteEncoder e = new RemoteWriteEncoder();
                    List<Long> keys = new ArrayList<>();
                    for (int s = writer; s < SERIES; s += 2) {
                        long[] ts = new long[PER_SERIES];
                        double[] vs = new double[PER_SERIES];
                        for (int i = 0; i < PER_SERIES; i++) {
                            ts[i] = t0 + k * PER_SERIES + i;
                            vs[i] = value(s, ts[i]);
                            keys.add((long) s << 40 | ts[i]);
                        }
                        e.series(new String[] {"__name__", "crash", "s", Integer.toString(s)}, ts, vs);
                    }
                    keys.forEach(x -> sent.put(x, true));
                    try {
                        HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(url))
                            .header("Content-Type", "application/x-protobuf").header("Content-Encoding", "snappy")
                            .POST(HttpRequest.BodyPublishers.ofByteArray(e.body())).build(),
                            HttpResponse.BodyHandlers.discarding());
                        if (r.statusCode() == 204) {
                            keys.forEach(x -> acked.put(x, true));
                            requests.incrementAndGet();
                        } else if (r.statusCode() != 429) {
                            throw new AssertionError("HTTP " + r.statusCode());
                        }
                    } catch (java.io.IOException dead) {
                        return; // the server was killed
                    } catch (InterruptedException ie) {
                        return;
                    }
                }
            });
            t.start();
            writers.add(t);
        }
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500 + 500L * round);
        while (System.nanoTime() < until || requests.get() < 20) {
            Thread.sleep(50);
            assertTrue(child.isAlive(), "the server died by itself: " + log);
        }
        child.destroyForcibly(); // SIGKILL
        child.waitFor(30, TimeUnit.SECONDS);
        stop.set(true);
        for (Thread t : writers) {
            t.join(30_000);
        }
        // Reopen and compare.
        long present = 0;
        long ackedFound = 0;
        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).build())) {
            ConcurrentHashMap<Long, Boolean> found = new ConcurrentHashMap<>();
            for (long ref : db.series(Matcher.eq("__name__", "crash"))) {
                Labels l = db.labels(ref);
                int s = Integer.parseInt(l.get("s"));
                db.read(ref, t0, Long.MAX_VALUE, (ts, v) -> {
                    assertEquals(value(s, ts), v, "series " + s + " at " + ts);
                    found.put((long) s << 40 | ts, true);
                });
            }
            for (Long k : found.keySet()) {
                assertTrue(sent.containsKey(k), "a sample that was never sent: series " + (k >>> 40) + " at "
                    + (k & ((1L << 40) - 1)));
                present++;
            }
            for (Long k : acked.keySet()) {
                assertTrue(found.containsKey(k), "an acknowledged sample is missing: series " + (k >>> 40) + " at "
                    + (k & ((1L << 40) - 1)));
                ackedFound++;
            }
        }
        System.out.println("ServerCrashTest round " + round + ": " + requests.get() + " requests acknowledged, "
            + ackedFound + " acknowledged samples all present, " + present + " present of " + sent.size() + " sent");
        assertTrue(ackedFound > 0);
    }
}
