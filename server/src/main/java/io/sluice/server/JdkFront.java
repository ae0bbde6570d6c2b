package io.sluice.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The JDK's built-in HTTP server ({@code com.sun.net.httpserver}) in front of the same
 * {@link Ingestor}, serving only {@code POST /api/v1/write} and {@code /-/ready}: kept to measure the
 * HTTP stack against Netty's ({@code --http-stack jdk}, hidden; benchmarks.md "Server"), not for use.
 */
final class JdkFront {
    private final HttpServer server;
    private final ExecutorService pool = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "sluice-jdk-http");
        t.setDaemon(true);
        return t;
    });

    JdkFront(SluiceServer owner, InetSocketAddress listen) throws IOException {
        server = HttpServer.create(listen, 1024);
        server.setExecutor(pool);
        server.createContext("/-/ready", ex -> answer(ex, owner.ready()));
        server.createContext("/api/v1/write", ex -> {
            if (!"POST".equals(ex.getRequestMethod())) {
                answer(ex, Reply.text(405, "method not allowed; use POST"));
                return;
            }
            byte[] body;
            try (InputStream in = ex.getRequestBody()) {
                body = in.readNBytes(HttpFront.MAX_BODY + 1);
            }
            if (body.length > HttpFront.MAX_BODY) {
                answer(ex, Reply.text(413, "body over " + HttpFront.MAX_BODY + " bytes"));
                return;
            }
            if (!owner.ingestor().submit(body, Ingestor.Format.REMOTE_WRITE, r -> answer(ex, r))) {
                answer(ex, owner.busy());
            }
        });
        server.start();
    }

    private static void answer(HttpExchange ex, Reply r) {
        try {
            ex.getResponseHeaders().set("Content-Type", r.contentType());
            if (r.retryAfter() != null) {
                ex.getResponseHeaders().set("Retry-After", r.retryAfter());
            }
            ex.sendResponseHeaders(r.status(), r.body().length == 0 ? -1 : r.body().length);
            if (r.body().length > 0) {
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(r.body());
                }
            }
        } catch (IOException e) {
            // the client went away
        } finally {
            ex.close();
        }
    }

    InetSocketAddress address() {
        return server.getAddress();
    }

    void close() throws InterruptedException {
        server.stop(1);
        pool.shutdown();
        pool.awaitTermination(10, TimeUnit.SECONDS);
    }
}
