package io.sluice.server;

import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.concurrent.TimeUnit;

/**
 * OTLP/gRPC: {@code opentelemetry.proto.collector.metrics.v1.MetricsService/Export} on grpc-java
 * (its shaded Netty transport). The method is declared with a pass-through byte marshaller, so the
 * request's protobuf bytes go to the same {@link OtlpDecoder} as OTLP/HTTP's, and no generated
 * message classes are involved. Answers: OK once durable; {@code INVALID_ARGUMENT} for a bad
 * request; {@code UNAVAILABLE} (retryable, per the OTLP spec) when the queue is full or the engine
 * is not writable; {@code UNAUTHENTICATED} without the bearer token when one is configured.
 */
final class GrpcFront {
    static final String SERVICE = "opentelemetry.proto.collector.metrics.v1.MetricsService";
    private static final String HANDLER = "grpc:MetricsService/Export";

    private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    private final Server server;

    GrpcFront(SluiceServer owner, InetSocketAddress listen, byte[] token) throws IOException {
        MethodDescriptor<byte[], byte[]> export = MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "Export"))
            .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();
        ServerServiceDefinition service = ServerServiceDefinition.builder(SERVICE)
            .addMethod(export, ServerCalls.asyncUnaryCall((request, response) -> {
                boolean taken = owner.ingestor().submit(request, Ingestor.Format.OTLP, reply -> {
                    owner.metrics().request(HANDLER, reply.status());
                    if (reply.status() / 100 == 2) {
                        response.onNext(reply.body());
                        response.onCompleted();
                    } else {
                        response.onError(status(reply.status())
                            .withDescription(new String(reply.body(), StandardCharsets.UTF_8).strip()).asRuntimeException());
                    }
                });
                if (!taken) {
                    owner.metrics().request(HANDLER, 429);
                    response.onError(Status.UNAVAILABLE.withDescription("too many write requests pending; retry later")
                        .asRuntimeException());
                }
            })).build();
        ServerInterceptor auth = new ServerInterceptor() {
            private final Metadata.Key<String> authorization =
                Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                               ServerCallHandler<Q, R> next) {
                String h = headers.get(authorization);
                boolean ok = h != null && h.regionMatches(true, 0, "Bearer ", 0, 7)
                    && MessageDigest.isEqual(h.substring(7).trim().getBytes(StandardCharsets.UTF_8), token);
                if (!ok) {
                    owner.metrics().request(HANDLER, 401);
                    call.close(Status.UNAUTHENTICATED.withDescription("send authorization: Bearer <token>"), new Metadata());
                    return new ServerCall.Listener<>() { };
                }
                return next.startCall(call, headers);
            }
        };
        this.server = NettyServerBuilder.forAddress(listen)
            .maxInboundMessageSize(HttpFront.MAX_BODY)
            .directExecutor() // the handler only queues the request
            .addService(token == null ? service : ServerInterceptors.intercept(service, auth))
            .build().start();
    }

    static Status status(int http) {
        return switch (http) {
            case 400, 413, 415 -> Status.INVALID_ARGUMENT;
            case 401 -> Status.UNAUTHENTICATED;
            case 429, 503 -> Status.UNAVAILABLE;
            default -> Status.INTERNAL;
        };
    }

    InetSocketAddress address() {
        return (InetSocketAddress) server.getListenSockets().get(0);
    }

    void stopAccepting() {
        server.shutdown();
    }

    void close() throws InterruptedException {
        server.shutdown();
        if (!server.awaitTermination(10, TimeUnit.SECONDS)) {
            server.shutdownNow();
        }
    }
}
