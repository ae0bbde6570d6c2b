package io.sluice.bench;

import io.sluice.engine.Labels;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code remote-write}: a Prometheus remote-write load generator. It builds its requests once (snappy
 * blocks whose timestamps and values are literals rewritten in place: {@link PatchableSnappy}), so
 * that sending costs a few byte writes and a socket write per request, and the server, not the
 * generator, is what is measured.
 *
 * <p>The series are the load harness' ({@link Workload#labelsOf}); connection {@code c} owns the
 * series {@code s} with {@code s mod C == c} and sends them round after round (one sample per series
 * per round, timestamp {@code T0 + round} ms), {@code --samples-per-request} samples per request, as
 * Prometheus shards its queues by series: every series' samples reach the server in order.
 * A 429 or 503 is retried after its {@code Retry-After} (at most 1 s); another 4xx or 5xx is counted
 * and the request dropped.
 */
@Command(name = "remote-write", mixinStandardHelpOptions = true,
    description = "Send Prometheus remote write (or OTLP/HTTP metrics) to a URL over keep-alive connections; print"
        + " samples/s and latency.")
final class RemoteWriteCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--url", required = true, description = "remote-write URL, e.g. http://127.0.0.1:9201/api/v1/write")
    String url;

    @Option(names = "--protocol", description = "remote-write (snappy protobuf WriteRequest) or otlp (OTLP/HTTP"
        + " protobuf, one gauge data point per metric, the series' labels but __name__ as attributes) (default:"
        + " ${DEFAULT-VALUE})")
    String protocol = "remote-write";

    @Option(names = "--series", converter = Converters.CountConverter.class, description = "series (default: ${DEFAULT-VALUE})")
    long series = 10_000;

    @Option(names = "--labels", description = "labels per series (default: ${DEFAULT-VALUE})")
    int labels = 8;

    @Option(names = "--samples-per-request", description = "samples per request (default: ${DEFAULT-VALUE})")
    int perRequest = 2_000;

    @Option(names = "--connections", description = "keep-alive connections, one thread each (default: ${DEFAULT-VALUE})")
    int connections = 4;

    @Option(names = "--duration", converter = Converters.DurationConverter.class,
        description = "how long to send (default: 30s)")
    Duration duration = Duration.ofSeconds(30);

    @Option(names = "--rate", converter = Converters.CountConverter.class,
        description = "offered samples/s in all, open loop (latency counts from each request's intended start);"
            + " 0 = as fast as answered (default: 0)")
    long rate;

    @Option(names = "--warmup", converter = Converters.DurationConverter.class,
        description = "leave requests that start (or were due) in the first D out of the figures (default: 0s)")
    Duration warmup = Duration.ZERO;

    @Option(names = "--start-time", description = "first sample timestamp, ms (default: now)")
    Long startTime;

    @Option(names = "--token-file", description = "send Authorization: Bearer <the file's content>")
    Path tokenFile;

    @Option(names = "--json", description = "write the summary as JSON")
    Path json;

    @Option(names = "--quiet", description = "no per-second progress lines")
    boolean quiet;

    /** Result of a run, for callers in this JVM. */
    record Result(long samples, long requests, double samplesPerSec, long errors, long retries, Histogram latencyUs,
                  long lastTimestamp) { }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Result r;
        try {
            r = run(out);
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("remote-write: " + e.getMessage());
            return 2;
        }
        Histogram h = r.latencyUs;
        out.printf(Locale.ROOT, "remote-write: %s samples in %s requests, %s samples/s; request latency p50 %d µs,"
                + " p99 %d µs, p99.9 %d µs, max %d µs; %d errors, %d retries%n",
            Fmt.n(r.samples), Fmt.n(r.requests), Fmt.n((long) r.samplesPerSec), h.getValueAtPercentile(50),
            h.getValueAtPercentile(99), h.getValueAtPercentile(99.9), h.getMaxValue(), r.errors, r.retries);
        if (json != null) {
            new Json().put("url", url).put("series", series).put("labels", labels).put("samples_per_request", perRequest)
                .put("connections", connections).put("duration_s", duration.toMillis() / 1000.0)
                .put("warmup_s", warmup.toMillis() / 1000.0).put("rate", rate)
                .put("samples", r.samples).put("requests", r.requests).put("samples_per_sec", r.samplesPerSec)
                .put("errors", r.errors).put("retries", r.retries).put("last_timestamp_ms", r.lastTimestamp)
                .put("latency_us", new Json().put("p50", h.getValueAtPercentile(50)).put("p99", h.getValueAtPercentile(99))
                    .put("p999", h.getValueAtPercentile(99.9)).put("max", h.getMaxValue()))
                .writeTo(json);
        }
        return r.errors == 0 ? 0 : 1;
    }

    Result run(PrintWriter out) throws Exception {
        URI u = URI.create(url);
        if (!protocol.equals("remote-write") && !protocol.equals("otlp")) {
            throw new IllegalArgumentException("--protocol must be remote-write or otlp, got " + protocol);
        }
        if (!"http".equals(u.getScheme()) || u.getHost() == null) {
            throw new IllegalArgumentException("--url must be http://HOST:PORT/PATH, got " + url);
        }
        if (connections < 1 || perRequest < 1 || series < connections || labels < Workload.MIN_LABELS) {
            throw new IllegalArgumentException("need connections >= 1, samples-per-request >= 1, series >= connections,"
                + " labels >= " + Workload.MIN_LABELS);
        }
        if (warmup.compareTo(duration) >= 0) {
            throw new IllegalArgumentException("--warmup " + warmup + " must be shorter than --duration " + duration);
        }
        String token = tokenFile == null ? null : Files.readString(tokenFile, StandardCharsets.UTF_8).trim();
        long t0 = startTime != null ? startTime : System.currentTimeMillis();
        Workload w = new Workload((int) Math.min(series, Integer.MAX_VALUE), labels);
        Conn[] conns = new Conn[connections];
        for (int c = 0; c < connections; c++) {
            conns[c] = new Conn(c, w, u, token, t0);
        }
        AtomicLong samples = new AtomicLong();
        AtomicLong requests = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        AtomicLong retries = new AtomicLong();
        AtomicLongArray lastTs = new AtomicLongArray(connections);
        AtomicLong measuredSamples = new AtomicLong();
        Recorder latency = new Recorder(3);
        long startNanos = System.nanoTime();
        long endNanos = startNanos + duration.toNanos();
        double perConnRequestsPerSec = rate <= 0 ? 0 : (double) rate / perRequest / connections;
        List<Thread> threads = new ArrayList<>();
        Throwable[] failure = new Throwable[1];
        for (Conn c : conns) {
            Thread t = new Thread(() -> {
                try {
                    c.loop(startNanos, startNanos + warmup.toNanos(), endNanos, perConnRequestsPerSec, samples,
                        requests, errors, retries, latency, lastTs, measuredSamples);
                } catch (Throwable e) {
                    synchronized (failure) {
                        failure[0] = e;
                    }
                }
            }, "remote-write-" + c.index);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
        Histogram all = new Histogram(3);
        long lastSamples = 0;
        long lastTick = startNanos;
        for (Thread t : threads) {
            while (t.isAlive()) {
                t.join(1000);
                long now = System.nanoTime();
                if (now - lastTick >= 1_000_000_000L) {
                    long s = samples.get();
                    Histogram interval = latency.getIntervalHistogram();
                    all.add(interval);
                    if (!quiet) {
                        out.printf(Locale.ROOT, "%5.1fs  %s samples/s  requests %s  p99 %d µs  errors %d%n",
                            (now - startNanos) / 1e9, Fmt.n((long) ((s - lastSamples) * 1e9 / (now - lastTick))),
                            Fmt.n(requests.get()), interval.getValueAtPercentile(99), errors.get());
                        out.flush();
                    }
                    lastSamples = s;
                    lastTick = now;
                }
            }
        }
        all.add(latency.getIntervalHistogram());
        if (failure[0] != null) {
            throw new IOException("a connection failed: " + failure[0], failure[0]);
        }
        double secs = (System.nanoTime() - startNanos - warmup.toNanos()) / 1e9;
        long last = Long.MIN_VALUE;
        for (int c = 0; c < connections; c++) {
            last = Math.max(last, lastTs.get(c));
        }
        return new Result(samples.get(), requests.get(), measuredSamples.get() / secs, errors.get(), retries.get(), all,
            last);
    }

    /** One connection: its series, its request templates, its socket. */
    private final class Conn {
        final int index;
        final int[] own;           // series indices this connection sends, in order
        final byte[][] bodies;     // per template: the snappy block
        final byte[][] heads;      // per template: the HTTP request head
        final int[][] valueAt;     // per template, per entry: offset of the value's 8 bytes in the block
        final int[][] tsAt;        // per template, per entry: offset of the timestamp's 6-byte varint
        final URI uri;
        final long t0;
        Socket socket;
        InputStream in;
        OutputStream os;
        final byte[] resp = new byte[64 << 10];

        Conn(int index, Workload w, URI uri, String token, long t0) {
            this.index = index;
            this.uri = uri;
            this.t0 = t0;
            int n = (int) ((series - index + connections - 1) / connections);
            own = new int[n];
            for (int k = 0; k < n; k++) {
                own[k] = index + k * connections;
            }
            long templatesNeeded = lcm(n, perRequest) / perRequest;
            if (templatesNeeded > 64) {
                throw new IllegalArgumentException("connection " + index + " sends " + n + " series in requests of "
                    + perRequest + " samples: their requests repeat only every " + templatesNeeded + " requests (at"
                    + " most 64 are pre-built); choose --series, --connections and --samples-per-request so that"
                    + " series per connection and samples per request have a large common divisor");
            }
            int templates = (int) templatesNeeded;
            bodies = new byte[templates][];
            heads = new byte[templates][];
            valueAt = new int[templates][perRequest];
            tsAt = new int[templates][perRequest];
            byte[][] labelBytes = new byte[n][];
            for (int k = 0; k < n; k++) {
                labelBytes[k] = labelFields(w.labelsOf(own[k]));
            }
            if (protocol.equals("otlp")) {
                buildOtlp(w, templates, token);
                return;
            }
            byte[] sample = new byte[18];
            sample[0] = 0x12;
            sample[1] = 16;
            sample[2] = 0x09;
            sample[11] = 0x10;
            long tsBase = 1L << 35; // a 6-byte varint placeholder
            writeVarint6(sample, 12, tsBase);
            for (int t = 0; t < templates; t++) {
                PatchableSnappy ps = new PatchableSnappy();
                int[] regionOf = new int[perRequest];
                for (int j = 0; j < perRequest; j++) {
                    int k = (int) (((long) t * perRequest + j) % n);
                    byte[] lb = labelBytes[k];
                    ByteArrayOutputStream head = new ByteArrayOutputStream(lb.length + 8);
                    head.write(0x0a);
                    varint(head, lb.length + sample.length);
                    head.write(lb, 0, lb.length);
                    byte[] hb = head.toByteArray();
                    ps.constant(hb, 0, hb.length);
                    regionOf[j] = ps.variable(sample, 0, sample.length);
                }
                bodies[t] = ps.compress();
                for (int j = 0; j < perRequest; j++) {
                    int at = ps.literalOffset(regionOf[j]);
                    valueAt[t][j] = at + 3;
                    tsAt[t][j] = at + 12;
                }
                String h = "POST " + (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
                    + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort() + "\r\nUser-Agent: sluice-bench\r\n"
                    + "Content-Type: application/x-protobuf\r\nContent-Encoding: snappy\r\n"
                    + "X-Prometheus-Remote-Write-Version: 0.1.0\r\n"
                    + (token == null ? "" : "Authorization: Bearer " + token + "\r\n")
                    + "Content-Length: " + bodies[t].length + "\r\n\r\n";
                heads[t] = h.getBytes(StandardCharsets.US_ASCII);
            }
        }

        /** OTLP/HTTP bodies (not compressed): one metric per entry, a gauge with one data point. */
        private void buildOtlp(Workload w, int templates, String token) {
            int n = own.length;
            byte[][] metricHead = new byte[n][];
            for (int k = 0; k < n; k++) {
                Labels l = w.labelsOf(own[k]);
                ByteArrayOutputStream attrs = new ByteArrayOutputStream(1024);
                for (int i = 0; i < l.size(); i++) {
                    if (l.name(i).equals("__name__")) {
                        continue;
                    }
                    ByteArrayOutputStream any = new ByteArrayOutputStream();
                    field(any, 1, l.value(i).getBytes(StandardCharsets.UTF_8));
                    ByteArrayOutputStream kv = new ByteArrayOutputStream();
                    field(kv, 1, l.name(i).getBytes(StandardCharsets.UTF_8));
                    field(kv, 2, any.toByteArray());
                    field(attrs, 7, kv.toByteArray());
                }
                metricHead[k] = attrs.toByteArray();
            }
            for (int t = 0; t < templates; t++) {
                ByteArrayOutputStream metrics = new ByteArrayOutputStream(1 << 16);
                int[] dpStart = new int[perRequest];
                for (int j = 0; j < perRequest; j++) {
                    int k = (int) (((long) t * perRequest + j) % n);
                    byte[] attrs = metricHead[k];
                    ByteArrayOutputStream dp = new ByteArrayOutputStream(attrs.length + 20);
                    dp.write(attrs, 0, attrs.length);
                    dp.write(0x19);
                    dp.write(new byte[8], 0, 8); // time_unix_nano, patched
                    dp.write(0x21);
                    dp.write(new byte[8], 0, 8); // as_double, patched
                    ByteArrayOutputStream gauge = new ByteArrayOutputStream();
                    field(gauge, 1, dp.toByteArray());
                    ByteArrayOutputStream metric = new ByteArrayOutputStream();
                    field(metric, 1, w.labelsOf(own[k]).get("__name__").getBytes(StandardCharsets.UTF_8));
                    field(metric, 5, gauge.toByteArray());
                    byte[] m = metric.toByteArray();
                    ByteArrayOutputStream framed = new ByteArrayOutputStream();
                    field(framed, 2, m);
                    byte[] f = framed.toByteArray();
                    // the data point's last 18 bytes are the patched fields: record where they land
                    dpStart[j] = metrics.size() + f.length - 18;
                    metrics.write(f, 0, f.length);
                }
                ByteArrayOutputStream scope = new ByteArrayOutputStream(metrics.size() + 32);
                ByteArrayOutputStream scopeName = new ByteArrayOutputStream();
                field(scopeName, 1, "sluice-bench".getBytes(StandardCharsets.UTF_8));
                field(scope, 1, scopeName.toByteArray());
                int metricsAt = scope.size();
                scope.write(metrics.toByteArray(), 0, metrics.size());
                ByteArrayOutputStream any = new ByteArrayOutputStream();
                field(any, 1, "sluice-bench".getBytes(StandardCharsets.UTF_8));
                ByteArrayOutputStream kv = new ByteArrayOutputStream();
                field(kv, 1, "service.name".getBytes(StandardCharsets.UTF_8));
                field(kv, 2, any.toByteArray());
                ByteArrayOutputStream resource = new ByteArrayOutputStream();
                field(resource, 1, kv.toByteArray());
                ByteArrayOutputStream rm = new ByteArrayOutputStream(scope.size() + 64);
                field(rm, 1, resource.toByteArray());
                int scopeHeadAt = rm.size();
                field(rm, 2, scope.toByteArray());
                int scopeBodyAt = scopeHeadAt + 1 + varintLen(scope.size());
                ByteArrayOutputStream body = new ByteArrayOutputStream(rm.size() + 8);
                field(body, 1, rm.toByteArray());
                int rmBodyAt = 1 + varintLen(rm.size());
                bodies[t] = body.toByteArray();
                for (int j = 0; j < perRequest; j++) {
                    int at = rmBodyAt + scopeBodyAt + metricsAt + dpStart[j];
                    tsAt[t][j] = at + 1;
                    valueAt[t][j] = at + 10;
                }
                String h = "POST " + (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
                    + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort() + "\r\nUser-Agent: sluice-bench\r\n"
                    + "Content-Type: application/x-protobuf\r\n"
                    + (token == null ? "" : "Authorization: Bearer " + token + "\r\n")
                    + "Content-Length: " + bodies[t].length + "\r\n\r\n";
                heads[t] = h.getBytes(StandardCharsets.US_ASCII);
            }
        }

        void loop(long startNanos, long measureFrom, long endNanos, double requestsPerSec, AtomicLong samples,
                  AtomicLong requests, AtomicLong errors, AtomicLong retries, Recorder latency, AtomicLongArray lastTs,
                  AtomicLong measuredSamples)
            throws IOException, InterruptedException {
            boolean otlp = protocol.equals("otlp");
            long k = 0; // request number on this connection
            int n = own.length;
            while (true) {
                long intended = requestsPerSec > 0 ? startNanos + (long) (k / requestsPerSec * 1e9) : System.nanoTime();
                if (intended >= endNanos || System.nanoTime() >= endNanos) {
                    break;
                }
                if (requestsPerSec > 0) {
                    long wait;
                    while ((wait = intended - System.nanoTime()) > 0) {
                        if (wait > 200_000) {
                            TimeUnit.NANOSECONDS.sleep(wait - 100_000);
                        } else {
                            Thread.onSpinWait();
                        }
                    }
                }
                int t = (int) (k % bodies.length);
                byte[] body = bodies[t];
                long first = k * perRequest;
                long maxTs = 0;
                for (int j = 0; j < perRequest; j++) {
                    long pos = first + j;
                    long round = pos / n;
                    int s = own[(int) (pos % n)];
                    long ts = t0 + round;
                    if (otlp) {
                        long nanos = ts * 1_000_000L;
                        int at = tsAt[t][j];
                        for (int b = 0; b < 8; b++) {
                            body[at + b] = (byte) (nanos >>> (8 * b));
                        }
                    } else {
                        writeVarint6(body, tsAt[t][j], ts);
                    }
                    long bits = Double.doubleToRawLongBits(Workload.value(s, ts));
                    int at = valueAt[t][j];
                    for (int b = 0; b < 8; b++) {
                        body[at + b] = (byte) (bits >>> (8 * b));
                    }
                    maxTs = ts;
                }
                while (true) {
                    int status = send(heads[t], body);
                    if (status / 100 == 2) {
                        samples.addAndGet(perRequest);
                        if (intended >= measureFrom) {
                            measuredSamples.addAndGet(perRequest);
                        }
                        requests.incrementAndGet();
                        lastTs.set(index, maxTs);
                        break;
                    }
                    if (status == 429 || status == 503) {
                        retries.incrementAndGet();
                        TimeUnit.MILLISECONDS.sleep(Math.min(1000, retryAfterMs));
                        continue;
                    }
                    errors.incrementAndGet();
                    if (errors.get() <= 3) {
                        System.err.println("remote-write: HTTP " + status + ": " + lastBody);
                    }
                    break;
                }
                if (intended >= measureFrom) {
                    latency.recordValue(Math.max(0, (System.nanoTime() - intended) / 1000));
                }
                k++;
            }
            if (socket != null) {
                socket.close();
            }
        }

        long retryAfterMs;
        String lastBody;

        private int send(byte[] head, byte[] body) throws IOException {
            for (int attempt = 0; ; attempt++) {
                try {
                    if (socket == null) {
                        socket = new Socket();
                        socket.setTcpNoDelay(true);
                        socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 10_000);
                        socket.setSoTimeout(120_000);
                        in = socket.getInputStream();
                        os = socket.getOutputStream();
                    }
                    os.write(head);
                    os.write(body);
                    os.flush();
                    return readResponse();
                } catch (IOException e) {
                    if (socket != null) {
                        socket.close();
                        socket = null;
                    }
                    if (attempt >= 2) {
                        throw e;
                    }
                }
            }
        }

        /** Reads one response; returns its status. */
        private int readResponse() throws IOException {
            int len = 0;
            int headEnd = -1;
            while (headEnd < 0) {
                int r = in.read(resp, len, resp.length - len);
                if (r < 0) {
                    throw new IOException("connection closed by the server");
                }
                len += r;
                headEnd = indexOf(resp, len, "\r\n\r\n");
                if (headEnd < 0 && len == resp.length) {
                    throw new IOException("response head over " + resp.length + " bytes");
                }
            }
            String head = new String(resp, 0, headEnd, StandardCharsets.ISO_8859_1);
            int status = Integer.parseInt(head.substring(9, 12));
            long contentLength = 0;
            boolean chunked = false;
            boolean close = false;
            retryAfterMs = 100;
            for (String line : head.split("\r\n")) {
                String l = line.toLowerCase(Locale.ROOT);
                if (l.startsWith("content-length:")) {
                    contentLength = Long.parseLong(l.substring(15).trim());
                } else if (l.startsWith("transfer-encoding:") && l.contains("chunked")) {
                    chunked = true;
                } else if (l.startsWith("connection:") && l.contains("close")) {
                    close = true;
                } else if (l.startsWith("retry-after:")) {
                    try {
                        retryAfterMs = Long.parseLong(l.substring(12).trim()) * 1000;
                    } catch (NumberFormatException ignored) {
                        retryAfterMs = 1000;
                    }
                }
            }
            ByteArrayOutputStream bodyBytes = new ByteArrayOutputStream();
            int have = len - (headEnd + 4);
            bodyBytes.write(resp, headEnd + 4, have);
            if (chunked) {
                while (indexOf(bodyBytes.toByteArray(), bodyBytes.size(), "0\r\n\r\n") < 0) {
                    int r = in.read(resp);
                    if (r < 0) {
                        throw new IOException("connection closed in a chunked body");
                    }
                    bodyBytes.write(resp, 0, r);
                }
            } else {
                while (bodyBytes.size() < contentLength) {
                    int r = in.read(resp);
                    if (r < 0) {
                        throw new IOException("connection closed in the body");
                    }
                    bodyBytes.write(resp, 0, r);
                }
            }
            if (status / 100 != 2) {
                lastBody = bodyBytes.toString(StandardCharsets.UTF_8).strip();
            }
            if (close) {
                socket.close();
                socket = null;
            }
            return status;
        }
    }

    private static int indexOf(byte[] b, int len, String s) {
        outer:
        for (int i = 0; i + s.length() <= len; i++) {
            for (int j = 0; j < s.length(); j++) {
                if (b[i + j] != s.charAt(j)) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** The {@code Label} fields (field 1 of TimeSeries) of a label set, sorted by name. */
    static byte[] labelFields(Labels l) {
        ByteArrayOutputStream o = new ByteArrayOutputStream(256);
        for (int i = 0; i < l.size(); i++) {
            byte[] n = l.name(i).getBytes(StandardCharsets.UTF_8);
            byte[] v = l.value(i).getBytes(StandardCharsets.UTF_8);
            ByteArrayOutputStream item = new ByteArrayOutputStream(n.length + v.length + 6);
            item.write(0x0a);
            varint(item, n.length);
            item.write(n, 0, n.length);
            item.write(0x12);
            varint(item, v.length);
            item.write(v, 0, v.length);
            o.write(0x0a);
            varint(o, item.size());
            o.write(item.toByteArray(), 0, item.size());
        }
        return o.toByteArray();
    }

    static void field(ByteArrayOutputStream o, int field, byte[] b) {
        varint(o, (long) field << 3 | 2);
        varint(o, b.length);
        o.write(b, 0, b.length);
    }

    static int varintLen(long v) {
        int n = 1;
        while ((v & ~0x7FL) != 0) {
            n++;
            v >>>= 7;
        }
        return n;
    }

    static void varint(ByteArrayOutputStream o, long v) {
        while ((v & ~0x7FL) != 0) {
            o.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        o.write((int) v);
    }

    /** A varint of exactly 6 bytes (values in [2^35, 2^42): millisecond timestamps from 1971 to 2109). */
    static void writeVarint6(byte[] b, int at, long v) {
        if (v < (1L << 35) || v >= (1L << 42)) {
            throw new IllegalArgumentException("timestamp " + v + " does not fit a 6-byte varint");
        }
        for (int i = 0; i < 5; i++) {
            b[at + i] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        b[at + 5] = (byte) v;
    }

    private static long lcm(long a, long b) {
        long x = a;
        long y = b;
        while (y != 0) {
            long t = x % y;
            x = y;
            y = t;
        }
        return a / x * b;
    }
}
