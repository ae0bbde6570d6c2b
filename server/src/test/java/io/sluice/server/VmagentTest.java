package io.sluice.server;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.engine.Durability;
import io.sluice.engine.Matcher;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real vmagent (VictoriaMetrics 1.79) scrapes Sluice's own /metrics every second and forwards the
 * samples to Sluice by Prometheus remote write (with a bearer token): Sluice then holds the series of
 * its own metrics, each with the values vmagent scraped (up == 1, the write counter growing).
 */
class VmagentTest {
    @TempDir
    Path dir;

    @Test
    void vmagentForwardsScrapesToSluice() throws Exception {
        Path vmagent = PrometheusRemoteWriteTest.binary("vmagent");
        if (vmagent == null) {
            System.out.println("SKIPPED VmagentTest: vmagent not found on PATH (apt-get install victoria-metrics)");
            Assumptions.abort("vmagent not found on PATH");
        }
        Path token = dir.resolve("token");
        Files.writeString(token, "vm-t0ken");
        try (SluiceServer server = SluiceServer.start(SluiceServer.Options.defaults().grpcListen(new InetSocketAddress("127.0.0.1", 0)).dir(dir.resolve("sluice"))
            .listen(new InetSocketAddress("127.0.0.1", 0)).durability(Durability.BATCH).authTokenFile(token))) {
            int port = server.httpAddress().getPort();
            Path config = dir.resolve("scrape.yml");
            Files.writeString(config, "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: sluice\n"
                + "    authorization:\n      credentials: vm-t0ken\n"
                + "    static_configs:\n      - targets: ['127.0.0.1:" + port + "']\n");
            Path log = dir.resolve("vmagent.log");
            Process p = new ProcessBuilder(vmagent.toString(), "-promscrape.config=" + config,
                "-remoteWrite.url=http://127.0.0.1:" + port + "/api/v1/write", "-remoteWrite.bearerToken=vm-t0ken",
                "-remoteWrite.tmpDataPath=" + dir.resolve("vmagent-data"), "-remoteWrite.flushInterval=200ms",
                "-httpListenAddr=127.0.0.1:" + PrometheusRemoteWriteTest.freePort(), "-loggerLevel=WARN")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            try {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
                TreeMap<Long, Double> up = new TreeMap<>();
                TreeMap<Long, Double> writes = new TreeMap<>();
                while (System.nanoTime() < deadline && p.isAlive()) {
                    up = samples(server, "up");
                    writes = samples(server, "sluice_server_samples_acknowledged_total");
                    if (up.size() >= 4 && writes.size() >= 4) {
                        break;
                    }
                    Thread.sleep(250);
                }
                assertTrue(up.size() >= 4 && writes.size() >= 4, "Sluice got " + up.size() + " samples of up and "
                    + writes.size() + " of its write counter in 90 s; vmagent: " + Files.readString(log));
                assertTrue(up.values().stream().allMatch(v -> v == 1.0), "up: " + up);
                double prev = -1;
                for (double v : writes.values()) {
                    assertTrue(v >= prev, "the acknowledged-samples counter only grows: " + writes);
                    prev = v;
                }
                assertTrue(writes.lastEntry().getValue() > writes.firstEntry().getValue(),
                    "vmagent's writes arrive and are counted: " + writes);
                long series = server.engine().series(Matcher.eq("job", "sluice")).length;
                assertTrue(series > 20, "series of job=sluice in Sluice: " + series);
                System.out.println("vmagent 1.79 -> Sluice: " + series + " series of Sluice's own metrics, " + up.size()
                    + " scrapes of up == 1, write counter " + writes.firstEntry().getValue() + " -> "
                    + writes.lastEntry().getValue());
            } finally {
                PrometheusRemoteWriteTest.stop(p);
            }
        }
    }

    private static TreeMap<Long, Double> samples(SluiceServer server, String name) {
        TreeMap<Long, Double> out = new TreeMap<>();
        for (long ref : server.engine().series(Matcher.eq("__name__", name), Matcher.eq("job", "sluice"))) {
            server.engine().read(ref, Long.MIN_VALUE, Long.MAX_VALUE, out::put);
        }
        return out;
    }
}
