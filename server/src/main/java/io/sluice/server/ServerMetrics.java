package io.sluice.server;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.sluice.engine.EngineMetrics;
import io.sluice.engine.Sluice;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * The server's and the engine's own metrics, in a registry of the Prometheus Java client, exposed
 * at {@code /metrics} in the Prometheus text format. Engine figures are read at scrape time from one
 * {@link Sluice#metrics()} snapshot.
 */
final class ServerMetrics {
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
    private final Counter requests;
    private final Counter samplesReceived;
    private final Counter samplesDurable;
    private final Counter samplesRejected;
    private final Counter duplicates;
    private final Counter badRequests;
    private final io.prometheus.metrics.core.datapoints.CounterDataPoint[] byReason =
        new io.prometheus.metrics.core.datapoints.CounterDataPoint[2];
    private volatile EngineMetrics snapshot;

    ServerMetrics(Sluice engine, Supplier<Long> pendingBytes) {
        requests = Counter.builder().name("sluice_server_http_requests_total")
            .help("HTTP requests answered, by handler and status code").labelNames("handler", "code").register(registry);
        samplesReceived = Counter.builder().name("sluice_server_samples_received_total")
            .help("Samples of accepted write requests, handed to the engine").register(registry);
        samplesDurable = Counter.builder().name("sluice_server_samples_acknowledged_total")
            .help("Samples acknowledged with a 2xx: durable under the server's durability mode").register(registry);
        samplesRejected = Counter.builder().name("sluice_server_samples_rejected_total")
            .help("Samples of write requests refused for out-of-order or conflicting samples, by reason")
            .labelNames("reason").register(registry);
        duplicates = Counter.builder().name("sluice_server_samples_duplicate_total")
            .help("Exact duplicates of a series' newest sample: accepted and not written again").register(registry);
        badRequests = Counter.builder().name("sluice_server_bad_requests_total")
            .help("Write requests refused with a 4xx as malformed or invalid").register(registry);
        byReason[0] = samplesRejected.labelValues("out_of_order");
        byReason[1] = samplesRejected.labelValues("duplicate_timestamp");
        GaugeWithCallback.builder().name("sluice_server_pending_bytes")
            .help("Bytes of write-request bodies queued for the ingest thread")
            .callback(cb -> cb.call(pendingBytes.get())).register(registry);
        engineCounter("sluice_wal_records_total", "WAL records appended", engine, EngineMetrics::records);
        engineCounter("sluice_wal_bytes_total", "WAL bytes appended", engine, EngineMetrics::bytes);
        engineCounter("sluice_samples_appended_total", "Samples appended by the shards", engine, EngineMetrics::samples);
        engineCounter("sluice_series_created_total", "Series created", engine, EngineMetrics::seriesCreated);
        engineCounter("sluice_samples_out_of_order_total", "Samples the shards rejected as out of order", engine,
            EngineMetrics::outOfOrder);
        engineCounter("sluice_samples_duplicate_total", "Exact duplicates the shards dropped", engine,
            EngineMetrics::duplicates);
        engineCounter("sluice_wal_errors_total", "WAL write errors", engine, EngineMetrics::errors);
        engineCounter("sluice_wal_forces_total", "WAL forces (fdatasync)", engine, EngineMetrics::forces);
        engineCounter("sluice_samples_durable_total", "Samples made durable", engine, EngineMetrics::durableSamples);
        GaugeWithCallback.builder().name("sluice_head_series").help("Series in the head")
            .callback(cb -> cb.call(engine.isClosed() ? 0 : engine.seriesCount())).register(registry);
        GaugeWithCallback.builder().name("sluice_append_latency_seconds")
            .help("Publish-to-appended latency since start, by quantile").labelNames("quantile")
            .callback(cb -> {
                EngineMetrics m = snapshot(engine);
                for (double q : new double[] {0.5, 0.99, 0.999}) {
                    cb.call(m.appendLatency().getValueAtPercentile(100 * q) / 1e9, Double.toString(q));
                }
            }).register(registry);
    }

    private void engineCounter(String name, String help, Sluice engine, ToDoubleFunction<EngineMetrics> f) {
        CounterWithCallback.builder().name(name).help(help)
            .callback(cb -> cb.call(f.applyAsDouble(snapshot(engine)))).register(registry);
    }

    /** One engine snapshot per scrape (taken by the first callback, reused by the others). */
    private EngineMetrics snapshot(Sluice engine) {
        EngineMetrics m = snapshot;
        if (m == null || System.currentTimeMillis() - m.timestampMillis() > 100) {
            m = engine.metrics();
            snapshot = m;
        }
        return m;
    }

    void request(String handler, int code) {
        requests.labelValues(handler, Integer.toString(code)).inc();
    }

    void accepted(int samples, int dup, int series) {
        samplesReceived.inc(samples);
        if (dup > 0) {
            duplicates.inc(dup);
        }
    }

    void durable(int samples) {
        samplesDurable.inc(samples);
    }

    void rejectedSamples(String reason, int samples) {
        (reason.equals("out_of_order") ? byReason[0] : byReason[1]).inc(samples);
    }

    void rejectedRequest(String message) {
        badRequests.inc();
    }

    byte[] scrape() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 << 10);
        writer.write(out, registry.scrape());
        return out.toByteArray();
    }

    String contentType() {
        return writer.getContentType();
    }
}
