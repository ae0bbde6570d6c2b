package io.sluice.server;

import java.nio.charset.StandardCharsets;

/** An HTTP answer: status, content type, body, an optional {@code Retry-After} (seconds) and content encoding. */
record Reply(int status, String contentType, byte[] body, String retryAfter, String contentEncoding) {
    Reply(int status, String contentType, byte[] body, String retryAfter) {
        this(status, contentType, body, retryAfter, null);
    }

    static final String TEXT = "text/plain; charset=utf-8";
    static final String JSON = "application/json";

    static Reply text(int status, String message) {
        return new Reply(status, TEXT, (message + "\n").getBytes(StandardCharsets.UTF_8), null);
    }

    static Reply empty(int status) {
        return new Reply(status, TEXT, new byte[0], null);
    }

    static Reply json(int status, byte[] body) {
        return new Reply(status, JSON, body, null);
    }

    static Reply busy(String message, int retryAfterSeconds) {
        return new Reply(429, TEXT, (message + "\n").getBytes(StandardCharsets.UTF_8),
            Integer.toString(retryAfterSeconds));
    }

    /** Where an answer goes; called once, from any thread. */
    @FunctionalInterface
    interface Sink {
        void send(Reply reply);
    }
}
