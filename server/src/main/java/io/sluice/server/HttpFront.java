package io.sluice.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP side of the server, on Netty: one event-loop thread parses HTTP/1.1, aggregates bodies up
 * to {@link #MAX_BODY} (a larger one gets 413 from the aggregator), checks the bearer token, and routes.
 * Writes go to the {@link Ingestor}; reads run on a small pool so that a long query never stalls the
 * event loop. A connection idle for {@link #IDLE_SECONDS} in the middle of a request, or between
 * requests, is closed: a stalled client holds nothing for long.
 */
final class HttpFront {
    /** The largest request body taken (compressed remote write or OTLP): Prometheus' decompressed limit. */
    static final int MAX_BODY = 32 << 20;
    static final int IDLE_SECONDS = 60;

    private final SluiceServer server;
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    private final ExecutorService reads = new ThreadPoolExecutor(2, 2, 0, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(256), r -> {
            Thread t = new Thread(r, "sluice-read");
            t.setDaemon(true);
            return t;
        });
    private final Channel channel;
    private final byte[] token;

    HttpFront(SluiceServer server, InetSocketAddress listen, byte[] token) throws InterruptedException {
        this.server = server;
        this.token = token;
        ServerBootstrap b = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
            .option(ChannelOption.SO_BACKLOG, 1024)
            .childHandler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                    ch.pipeline()
                        .addLast(new IdleStateHandler(IDLE_SECONDS, 0, 0))
                        .addLast(new HttpServerCodec(4096, 16384, 16384))
                        .addLast(new HttpServerExpectContinueHandler())
                        .addLast(new HttpObjectAggregator(MAX_BODY))
                        .addLast(new Handler());
                }
            });
        this.channel = b.bind(listen).sync().channel();
    }

    InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    /** Stops accepting connections; open ones finish their requests. */
    void stopAccepting() throws InterruptedException {
        channel.close().sync();
    }

    void close() throws InterruptedException {
        reads.shutdown();
        reads.awaitTermination(30, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
    }

    private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            if (!req.decoderResult().isSuccess()) {
                send(ctx, "bad_request", Reply.text(400, "malformed HTTP request: " + req.decoderResult().cause()), false);
                return;
            }
            QueryStringDecoder uri = new QueryStringDecoder(req.uri());
            String path = uri.path();
            String handler = handlerName(path);
            if (token != null && !authorized(req)) {
                send(ctx, handler, Reply.text(401, "unauthorized: send Authorization: Bearer <token>"), keepAlive);
                return;
            }
            HttpMethod m = req.method();
            switch (path) {
                case "/-/healthy" -> send(ctx, handler, server.healthy(), keepAlive);
                case "/-/ready" -> send(ctx, handler, server.ready(), keepAlive);
                case "/metrics" -> send(ctx, handler, server.metricsReply(), keepAlive);
                case "/api/v1/write" -> {
                    if (m != HttpMethod.POST) {
                        send(ctx, handler, methodNotAllowed("POST"), keepAlive);
                        return;
                    }
                    Reply bad = checkRemoteWrite(req);
                    if (bad != null) {
                        send(ctx, handler, bad, keepAlive);
                        return;
                    }
                    byte[] body = ByteBufUtil.getBytes(req.content());
                    boolean taken = server.ingestor().submit(body, Ingestor.Format.REMOTE_WRITE,
                        r -> send(ctx, handler, r, keepAlive));
                    if (!taken) {
                        send(ctx, handler, server.busy(), keepAlive);
                    }
                }
                case "/v1/metrics" -> {
                    if (m != HttpMethod.POST) {
                        send(ctx, handler, methodNotAllowed("POST"), keepAlive);
                        return;
                    }
                    String ct = req.headers().get(HttpHeaderNames.CONTENT_TYPE, "");
                    if (!ct.toLowerCase(Locale.ROOT).startsWith("application/x-protobuf")) {
                        send(ctx, handler, Reply.text(415, "unsupported content type \"" + ct + "\": OTLP/HTTP takes"
                            + " application/x-protobuf (JSON is not served)"), keepAlive);
                        return;
                    }
                    String enc = req.headers().get(HttpHeaderNames.CONTENT_ENCODING);
                    Ingestor.Format f;
                    if (enc == null || enc.equalsIgnoreCase("identity")) {
                        f = Ingestor.Format.OTLP;
                    } else if (enc.equalsIgnoreCase("gzip")) {
                        f = Ingestor.Format.OTLP_GZIP;
                    } else {
                        send(ctx, handler, Reply.text(415, "unsupported content encoding \"" + enc + "\": OTLP/HTTP"
                            + " takes gzip or none"), keepAlive);
                        return;
                    }
                    byte[] body = ByteBufUtil.getBytes(req.content());
                    if (!server.ingestor().submit(body, f, r -> send(ctx, handler, r, keepAlive))) {
                        send(ctx, handler, server.busy(), keepAlive);
                    }
                }
                case "/api/v1/read" -> {
                    if (m != HttpMethod.POST) {
                        send(ctx, handler, methodNotAllowed("POST"), keepAlive);
                        return;
                    }
                    byte[] body = ByteBufUtil.getBytes(req.content());
                    try {
                        reads.execute(() -> send(ctx, handler, server.remoteRead().handle(body), keepAlive));
                    } catch (RejectedExecutionException e) {
                        send(ctx, handler, server.busy(), keepAlive);
                    }
                }
                default -> {
                    if (path.startsWith("/api/v1/")) {
                        if (m != HttpMethod.GET && m != HttpMethod.POST) {
                            send(ctx, handler, methodNotAllowed("GET, POST"), keepAlive);
                            return;
                        }
                        Map<String, List<String>> params = new java.util.LinkedHashMap<>(uri.parameters());
                        if (m == HttpMethod.POST) {
                            String ct = req.headers().get(HttpHeaderNames.CONTENT_TYPE, "");
                            if (!ct.toLowerCase(Locale.ROOT).startsWith("application/x-www-form-urlencoded")) {
                                send(ctx, handler, ReadApi.error(415, "bad_data", "POST to the read API takes"
                                    + " application/x-www-form-urlencoded, not \"" + ct + "\""), keepAlive);
                                return;
                            }
                            String form = req.content().toString(StandardCharsets.UTF_8);
                            new QueryStringDecoder(form, false).parameters().forEach((k, v) ->
                                params.computeIfAbsent(k, x -> new ArrayList<>()).addAll(v));
                        }
                        try {
                            reads.execute(() -> send(ctx, handler, server.readApi().handle(path, params), keepAlive));
                        } catch (RejectedExecutionException e) {
                            send(ctx, handler, server.busy(), keepAlive);
                        }
                    } else {
                        send(ctx, handler, Reply.text(404, "not found: " + path), keepAlive);
                    }
                }
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof IdleStateEvent e && e.state() == IdleState.READER_IDLE) {
                ctx.close();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }

        private boolean authorized(FullHttpRequest req) {
            String h = req.headers().get(HttpHeaderNames.AUTHORIZATION);
            if (h == null || !h.regionMatches(true, 0, "Bearer ", 0, 7)) {
                return false;
            }
            return MessageDigest.isEqual(h.substring(7).trim().getBytes(StandardCharsets.UTF_8), token);
        }
    }

    private static Reply methodNotAllowed(String allowed) {
        return Reply.text(405, "method not allowed; use " + allowed);
    }

    /** Null if the headers are those of a remote-write 1.0 request, else the 4xx to answer. */
    static Reply checkRemoteWrite(FullHttpRequest req) {
        String ct = req.headers().get(HttpHeaderNames.CONTENT_TYPE);
        if (ct != null && !ct.toLowerCase(Locale.ROOT).startsWith("application/x-protobuf")) {
            return Reply.text(415, "unsupported content type \"" + ct + "\": remote write takes application/x-protobuf");
        }
        if (ct != null) {
            int p = ct.toLowerCase(Locale.ROOT).indexOf("proto=");
            if (p >= 0 && !ct.substring(p + 6).trim().startsWith("prometheus.WriteRequest")) {
                return Reply.text(415, "unsupported remote-write message \"" + ct.substring(p + 6).trim()
                    + "\": only remote write 1.0 (prometheus.WriteRequest) is taken");
            }
        }
        String enc = req.headers().get(HttpHeaderNames.CONTENT_ENCODING);
        if (enc != null && !enc.equalsIgnoreCase("snappy")) {
            return Reply.text(415, "unsupported content encoding \"" + enc + "\": remote write takes snappy");
        }
        return null;
    }

    private static String handlerName(String path) {
        if (path.startsWith("/api/v1/label/")) {
            return "/api/v1/label/:name/values";
        }
        return switch (path) {
            case "/-/healthy", "/-/ready", "/metrics", "/api/v1/write", "/api/v1/series", "/api/v1/labels",
                "/api/v1/query", "/api/v1/query_range", "/api/v1/read", "/v1/metrics" -> path;
            default -> "other";
        };
    }

    private void send(ChannelHandlerContext ctx, String handler, Reply r, boolean keepAlive) {
        server.metrics().request(handler, r.status());
        FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(r.status()),
            Unpooled.wrappedBuffer(r.body()));
        resp.headers().set(HttpHeaderNames.CONTENT_TYPE, r.contentType());
        resp.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, r.body().length);
        if (r.contentEncoding() != null) {
            resp.headers().set(HttpHeaderNames.CONTENT_ENCODING, r.contentEncoding());
        }
        if (r.retryAfter() != null) {
            resp.headers().set(HttpHeaderNames.RETRY_AFTER, r.retryAfter());
        }
        if (keepAlive) {
            resp.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            ctx.writeAndFlush(resp);
        } else {
            resp.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(resp).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
