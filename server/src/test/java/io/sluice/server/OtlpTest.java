package io.sluice.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporter;
import io.opentelemetry.exporter.otlp.metrics.OtlpGrpcMetricExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import io.opentelemetry.sdk.resources.Resource;
import io.sluice.engine.Durability;
import io.sluice.engine.Labels;
import io.sluice.engine.Matcher;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OpenTelemetry Java SDK's OTLP exporters (gRPC and HTTP/protobuf) send a counter, a gauge and a
 * histogram to the server; Sluice holds them as Prometheus' OTLP translator names them, with the
 * values the SDK recorded. Plus the name rules, and bad OTLP bodies.
 */
class OtlpTest {
    @TempDir
    Path dir;

    private SluiceServer start(Path token) throws Exception {
        SluiceServer.Options o = SluiceServer.Options.defaults().grpcListen(new InetSocketAddress("127.0.0.1", 0))
            .dir(dir.resolve("data")).listen(new InetSocketAddress("127.0.0.1", 0)).durability(Durability.BATCH);
        if (token != null) {
            o.authTokenFile(token);
        }
        return SluiceServer.start(o);
    }

    @Test
    void grpcExporterOfTheSdk() throws Exception {
        Path token = dir.resolve("token");
        Files.writeString(token, "otel-t0ken");
        try (SluiceServer server = start(token)) {
            MetricExporter exporter = OtlpGrpcMetricExporter.builder()
                .setEndpoint("http://127.0.0.1:" + server.grpcAddress().getPort())
                .addHeader("Authorization", "Bearer otel-t0ken").setTimeout(Duration.ofSeconds(30)).build();
            exportAndCheck(server, exporter, "grpc");
            MetricExporter unauthenticated = OtlpGrpcMetricExporter.builder()
                .setEndpoint("http://127.0.0.1:" + server.grpcAddress().getPort()).setTimeout(Duration.ofSeconds(30))
                .build();
            assertTrue(!record(unauthenticated, "nope").isSuccess(), "no token: refused");
        }
    }

    @Test
    void httpExporterOfTheSdk() throws Exception {
        try (SluiceServer server = start(null)) {
            MetricExporter exporter = OtlpHttpMetricExporter.builder()
                .setEndpoint("http://127.0.0.1:" + server.httpAddress().getPort() + "/v1/metrics")
                .setTimeout(Duration.ofSeconds(30)).build();
            exportAndCheck(server, exporter, "http");
            // gzip, as the SDK sends it when asked
            MetricExporter gzip = OtlpHttpMetricExporter.builder()
                .setEndpoint("http://127.0.0.1:" + server.httpAddress().getPort() + "/v1/metrics")
                .setCompression("gzip").setTimeout(Duration.ofSeconds(30)).build();
            assertTrue(record(gzip, "gz").isSuccess());
            assertEquals(2, server.engine().series(Matcher.eq("__name__", "orders_total"), Matcher.eq("job", "shop-gz"))
                .length);
        }
    }

    /** Records with a fresh SDK meter provider, flushes once through the exporter; returns the flush result. */
    private static CompletableResultCode record(MetricExporter exporter, String tag) {
        Resource resource = Resource.getDefault().merge(Resource.create(Attributes.of(
            AttributeKey.stringKey("service.name"), "shop-" + tag,
            AttributeKey.stringKey("service.instance.id"), "i-" + tag)));
        SdkMeterProvider provider = SdkMeterProvider.builder().setResource(resource)
            .registerMetricReader(PeriodicMetricReader.builder(exporter).setInterval(Duration.ofHours(1)).build()).build();
        Meter meter = provider.get("sluice-test");
        LongCounter orders = meter.counterBuilder("orders").build();
        orders.add(3, Attributes.of(AttributeKey.stringKey("http.method"), "GET"));
        orders.add(4, Attributes.of(AttributeKey.stringKey("http.method"), "POST"));
        orders.add(5, Attributes.of(AttributeKey.stringKey("http.method"), "GET"));
        meter.gaugeBuilder("queue.depth").setUnit("1").buildWithCallback(m -> m.record(0.25,
            Attributes.of(AttributeKey.longKey("shard"), 7L)));
        DoubleHistogram latency = meter.histogramBuilder("rpc.duration").setUnit("s")
            .setExplicitBucketBoundariesAdvice(List.of(0.1, 1.0)).build();
        latency.record(0.05);
        latency.record(0.5);
        latency.record(0.7);
        latency.record(3.0);
        CompletableResultCode r = provider.forceFlush().join(30, TimeUnit.SECONDS);
        provider.shutdown().join(30, TimeUnit.SECONDS);
        return r;
    }

    private static void exportAndCheck(SluiceServer server, MetricExporter exporter, String tag) {
        assertTrue(record(exporter, tag).isSuccess(), "the exporter's flush succeeded (acknowledged = durable)");
        String job = "shop-" + tag;
        Map<String, Double> got = new TreeMap<>();
        for (long ref : server.engine().series(Matcher.eq("job", job))) {
            Labels l = server.engine().labels(ref);
            assertEquals("i-" + tag, l.get("instance"));
            if (l.get("__name__").startsWith("otel_sdk_")) {
                continue; // the SDK's own metrics about its reader
            }
            double[] last = {Double.NaN};
            server.engine().read(ref, Long.MIN_VALUE, Long.MAX_VALUE, (t, v) -> last[0] = v);
            TreeMap<String, String> shown = new TreeMap<>(l.toMap());
            shown.remove("job");
            shown.remove("instance");
            got.put(shown.toString(), last[0]);
        }
        Map<String, Double> want = new TreeMap<>();
        want.put("{__name__=orders_total, http_method=GET}", 8.0);
        want.put("{__name__=orders_total, http_method=POST}", 4.0);
        want.put("{__name__=queue_depth_ratio, shard=7}", 0.25);
        want.put("{__name__=rpc_duration_seconds_bucket, le=0.1}", 1.0);
        want.put("{__name__=rpc_duration_seconds_bucket, le=1}", 3.0);
        want.put("{__name__=rpc_duration_seconds_bucket, le=+Inf}", 4.0);
        want.put("{__name__=rpc_duration_seconds_sum}", 4.25);
        want.put("{__name__=rpc_duration_seconds_count}", 4.0);
        assertEquals(want, got);
    }

    @Test
    void namesFollowPrometheusTranslator() {
        assertEquals("http_server_duration_seconds", OtlpLabels.metricName("http.server.duration", "s",
            OtlpDecoder.HISTOGRAM, false));
        assertEquals("requests_total", OtlpLabels.metricName("requests", "1", OtlpDecoder.SUM, true));
        assertEquals("requests_total", OtlpLabels.metricName("requests_total", "", OtlpDecoder.SUM, true));
        assertEquals("cpu_utilization_ratio", OtlpLabels.metricName("cpu.utilization", "1", OtlpDecoder.GAUGE, false));
        assertEquals("memory_usage_bytes", OtlpLabels.metricName("memory.usage", "By", OtlpDecoder.GAUGE, false));
        assertEquals("throughput_bytes_per_second", OtlpLabels.metricName("throughput", "By/s", OtlpDecoder.GAUGE,
            false));
        assertEquals("active_requests", OtlpLabels.metricName("active-requests", "{request}", OtlpDecoder.SUM, false));
        assertEquals("_2xx_responses", OtlpLabels.metricName("2xx responses", "", OtlpDecoder.GAUGE, false));
        assertEquals("http_method", OtlpLabels.labelName("http.method"));
        assertEquals("key_0abc", OtlpLabels.labelName("0abc"));
        assertEquals("key_private", OtlpLabels.labelName("_private"));
        assertEquals("__reserved", OtlpLabels.labelName("__reserved"));
    }

    @Test
    void badOtlpBodiesAreRefused() throws Exception {
        try (SluiceServer server = start(null)) {
            HttpClient http = HttpClient.newHttpClient();
            String url = "http://127.0.0.1:" + server.httpAddress().getPort() + "/v1/metrics";
            HttpResponse<String> junk = http.send(HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", "application/x-protobuf")
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[] {0x0a, 0x10, 0x01})).build(),
                HttpResponse.BodyHandlers.ofString());
            assertEquals(400, junk.statusCode());
            assertTrue(junk.body().startsWith("bad protobuf ExportMetricsServiceRequest"), junk.body());
            HttpResponse<String> json = http.send(HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                HttpResponse.BodyHandlers.ofString());
            assertEquals(415, json.statusCode());
            HttpResponse<String> badGzip = http.send(HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", "application/x-protobuf").header("Content-Encoding", "gzip")
                .POST(HttpRequest.BodyPublishers.ofString("not gzip")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(400, badGzip.statusCode());
            assertEquals(0, server.engine().seriesCount());
        }
    }
}
