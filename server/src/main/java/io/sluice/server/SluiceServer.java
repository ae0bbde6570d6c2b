package io.sluice.server;

import io.sluice.engine.Durability;
import io.sluice.engine.Sluice;
import io.sluice.engine.SluiceConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sluice-server}: Prometheus remote write and OTLP (HTTP and gRPC) in, the Prometheus HTTP read
 * API and remote read out, over one Sluice engine. A write is answered 204 only once its samples are durable under {@code --durability}.
 * SIGTERM stops accepting, answers the requests in flight, and closes the engine.
 */
public final class SluiceServer implements AutoCloseable {
    /** Free bytes of queued write bodies beyond which writes get 429. */
    static final long MAX_PENDING_BYTES = 64L << 20;

    private final Sluice engine;
    private final ServerMetrics metrics;
    private final Ingestor ingestor;
    private final ReadApi readApi;
    private final RemoteRead remoteRead;
    private final HttpFront http;
    private final GrpcFront grpc;
    private final JdkFront jdk;
    private volatile boolean closing;
    private final Object closeLock = new Object();
    private boolean closed;

    private SluiceServer(Options o) throws IOException, InterruptedException {
        byte[] token = null;
        if (o.authTokenFile != null) {
            String t;
            try {
                t = Files.readString(o.authTokenFile, StandardCharsets.UTF_8).trim();
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read --auth-token-file " + o.authTokenFile + ": " + e, e);
            }
            if (t.isEmpty()) {
                throw new IllegalArgumentException("--auth-token-file " + o.authTokenFile + " is empty");
            }
            token = t.getBytes(StandardCharsets.UTF_8);
        }
        this.engine = Sluice.open(SluiceConfig.builder().dir(o.dir).durability(o.durability).build());
        try {
            Ingestor[] box = new Ingestor[1];
            this.metrics = new ServerMetrics(engine, () -> box[0] == null ? 0L : box[0].pendingBytes());
            this.ingestor = new Ingestor(engine, metrics, MAX_PENDING_BYTES, o.floor);
            box[0] = ingestor;
            this.readApi = new ReadApi(engine);
            this.remoteRead = new RemoteRead(engine);
            this.http = new HttpFront(this, o.listen, token);
            GrpcFront g;
            try {
                g = new GrpcFront(this, o.grpcListen, token);
            } catch (IOException | RuntimeException e) {
                http.stopAccepting();
                http.close();
                ingestor.close();
                throw new IOException("cannot listen for OTLP/gRPC on " + o.grpcListen + ": " + e.getMessage(), e);
            }
            this.grpc = g;
            this.jdk = o.jdkListen == null ? null : new JdkFront(this, o.jdkListen);
        } catch (RuntimeException | InterruptedException | IOException e) {
            engine.close();
            throw e;
        }
    }

    /** Opens the engine and starts listening. */
    public static SluiceServer start(Options options) throws IOException, InterruptedException {
        return new SluiceServer(options);
    }

    /** The address the HTTP side listens on (the real port when 0 was asked). */
    public InetSocketAddress httpAddress() {
        return http.address();
    }

    /** The address OTLP/gRPC listens on. */
    public InetSocketAddress grpcAddress() {
        return grpc.address();
    }

    Sluice engine() {
        return engine;
    }

    Ingestor ingestor() {
        return ingestor;
    }

    ReadApi readApi() {
        return readApi;
    }

    RemoteRead remoteRead() {
        return remoteRead;
    }

    ServerMetrics metrics() {
        return metrics;
    }

    Reply healthy() {
        Throwable f = engine.failure();
        return f == null ? Reply.text(200, "Sluice is Healthy.") : Reply.text(503, "the engine failed: " + f);
    }

    Reply ready() {
        return closing || engine.isClosed() ? Reply.text(503, "Sluice is shutting down.") : Reply.text(200, "Sluice is Ready.");
    }

    Reply busy() {
        return Reply.busy("too many write requests pending (" + ingestor.pendingBytes() + " bytes queued); retry later", 1);
    }

    Reply metricsReply() {
        try {
            return new Reply(200, metrics.contentType(), metrics.scrape(), null);
        } catch (IOException | RuntimeException e) {
            return Reply.text(500, "cannot collect metrics: " + e);
        }
    }

    /**
     * Graceful stop: refuses new connections, writes and answers the requests already taken, then
     * closes the engine (which forces everything appended). Idempotent.
     */
    @Override
    public void close() throws IOException {
        synchronized (closeLock) {
            if (closed) {
                return;
            }
            closed = true;
            closing = true;
            try {
                http.stopAccepting();
                grpc.stopAccepting();
                ingestor.close();
                grpc.close();
                http.close();
                if (jdk != null) {
                    jdk.close();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                engine.close();
            }
        }
    }

    /** Command-line options; also the programmatic configuration. */
    @Command(name = "sluice-server", mixinStandardHelpOptions = true, version = "sluice-server 0.1.0",
        description = "Prometheus remote write, OTLP metrics and a Prometheus-compatible read API over a Sluice directory.",
        sortOptions = false)
    public static final class Options implements Callable<Integer> {
        @Option(names = "--dir", required = true, paramLabel = "PATH", description = "data directory (created if absent)")
        Path dir;

        @Option(names = "--listen", paramLabel = "HOST:PORT", converter = HostPortConverter.class,
            description = "HTTP address (default: ${DEFAULT-VALUE})", defaultValue = "127.0.0.1:9201")
        InetSocketAddress listen;

        @Option(names = "--grpc-listen", paramLabel = "HOST:PORT", converter = HostPortConverter.class,
            description = "OTLP/gRPC address (default: ${DEFAULT-VALUE})", defaultValue = "127.0.0.1:4317")
        InetSocketAddress grpcListen;

        @Option(names = "--durability", paramLabel = "M", converter = DurabilityConverter.class,
            description = "when a write is acknowledged: none (appended to the mapped WAL), batch (after its"
                + " group's fdatasync), interval:D (after the next timed force) (default: batch)")
        Durability durability = Durability.BATCH;

        @Option(names = "--auth-token-file", paramLabel = "F",
            description = "require Authorization: Bearer <the file's content, trimmed> on every request")
        Path authTokenFile;

        @Option(names = "--jdk-http-listen", hidden = true, paramLabel = "HOST:PORT", converter = HostPortConverter.class,
            description = "benchmarks only: also serve POST /api/v1/write with the JDK's built-in HTTP server here")
        InetSocketAddress jdkListen;

        @Option(names = "--floor", hidden = true,
            description = "benchmarks only: answer writes once decoded, writing nothing (the request's own floor)")
        boolean floor;

        PrintStream out = System.out;

        public Options dir(Path d) {
            this.dir = d;
            return this;
        }

        public Options listen(InetSocketAddress a) {
            this.listen = a;
            return this;
        }

        public Options grpcListen(InetSocketAddress a) {
            this.grpcListen = a;
            return this;
        }

        public Options durability(Durability d) {
            this.durability = d;
            return this;
        }

        public Options authTokenFile(Path f) {
            this.authTokenFile = f;
            return this;
        }

        public static Options defaults() {
            Options o = new Options();
            o.listen = new InetSocketAddress("127.0.0.1", 9201);
            o.grpcListen = new InetSocketAddress("127.0.0.1", 4317);
            return o;
        }

        @Override
        public Integer call() throws Exception {
            SluiceServer server;
            try {
                server = start(this);
            } catch (IllegalArgumentException e) {
                System.err.println("sluice-server: " + e.getMessage());
                return 2;
            }
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                out.println("sluice-server: stopping (finishing requests in flight, closing the engine)");
                try {
                    server.close();
                    out.println("sluice-server: stopped");
                } catch (IOException e) {
                    System.err.println("sluice-server: closing the engine failed: " + e);
                } finally {
                    stopped.countDown();
                }
            }, "sluice-shutdown"));
            InetSocketAddress a = server.httpAddress();
            if (floor) {
                out.println("sluice-server: --floor: writes are decoded and answered, and NOT stored");
            }
            out.println("sluice-server: listening on http://" + a.getHostString() + ":" + a.getPort() + " (durability "
                + durability + ", data in " + dir.toAbsolutePath() + ")");
            if (server.jdk != null) {
                out.println("sluice-server: JDK HTTP server (benchmarks only) on " + server.jdk.address());
            }
            InetSocketAddress g = server.grpcAddress();
            out.println("sluice-server: OTLP/gRPC on " + g.getHostString() + ":" + g.getPort());
            out.flush();
            stopped.await();
            return 0;
        }
    }

    static final class HostPortConverter implements CommandLine.ITypeConverter<InetSocketAddress> {
        @Override
        public InetSocketAddress convert(String value) {
            int colon = value.lastIndexOf(':');
            if (colon < 0) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not HOST:PORT");
            }
            String host = value.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            if (host.isEmpty()) {
                host = "0.0.0.0";
            }
            int port;
            try {
                port = Integer.parseInt(value.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new CommandLine.TypeConversionException("'" + value + "': the port is not a number");
            }
            if (port < 0 || port > 65535) {
                throw new CommandLine.TypeConversionException("'" + value + "': the port is not in 0..65535");
            }
            return new InetSocketAddress(host, port);
        }
    }

    static final class DurabilityConverter implements CommandLine.ITypeConverter<Durability> {
        @Override
        public Durability convert(String value) {
            try {
                return Durability.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    public static void main(String[] args) {
        if (needsRelaunch()) {
            System.exit(relaunch(args));
        }
        int rc = new CommandLine(new Options()).execute(args);
        if (rc != 0) {
            System.exit(rc);
        }
    }

    static final String RELAUNCHED = "sluice.relaunched";

    /**
     * JDK 24+ warns when chronicle-core (and Netty) touch {@code sun.misc.Unsafe} unless the JVM was
     * started with {@code --sun-misc-unsafe-memory-access=allow}, which a jar manifest cannot set; so
     * there the jar restarts itself once with the flags, as the bench jar does, and forwards SIGTERM.
     */
    static boolean needsRelaunch() {
        if (Runtime.version().feature() < 24 || Boolean.getBoolean(RELAUNCHED)) {
            return false;
        }
        return java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
            .noneMatch(a -> a.startsWith("--sun-misc-unsafe-memory-access"));
    }

    private static int relaunch(String[] args) {
        try {
            String javaBin = ProcessHandle.current().info().command()
                .orElse(System.getProperty("java.home") + "/bin/java");
            String jar = new java.io.File(SluiceServer.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .getPath();
            java.util.List<String> cmd = new java.util.ArrayList<>();
            cmd.add(javaBin);
            cmd.addAll(java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments());
            cmd.addAll(java.util.List.of("--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
                "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
                "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED",
                "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED",
                "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "-D" + RELAUNCHED + "=true", "-cp", jar, SluiceServer.class.getName()));
            cmd.addAll(java.util.Arrays.asList(args));
            Process child = new ProcessBuilder(cmd).inheritIO().start();
            Thread forward = new Thread(() -> {
                child.destroy(); // SIGTERM: the child shuts down gracefully
                try {
                    child.waitFor(60, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "sluice-relaunch-forward");
            Runtime.getRuntime().addShutdownHook(forward);
            int code = child.waitFor();
            try {
                Runtime.getRuntime().removeShutdownHook(forward);
            } catch (IllegalStateException shuttingDown) {
                // SIGTERM: the hook forwarded it and waits for the child
            }
            return code;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        } catch (IOException | java.net.URISyntaxException | RuntimeException e) {
            System.err.println("sluice-server: could not restart the JVM with the flags JDK "
                + Runtime.version().feature() + " needs: " + e);
            return 1;
        }
    }
}
