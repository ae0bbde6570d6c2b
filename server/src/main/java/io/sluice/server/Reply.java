package io.sluice.server;

import java.nio.charset.StandardCharsets;

/** An HTTP answer: status, content type, body, an optional {@code Retry-After} (seconds) and content encoding. */
record Reply(int status, String contentType, byte[] body, String retryAfter, String contentEncoding) {
    Reply(int status, String contentType, byte[] body, String retryAfter) {
        this(status, contentType, body, retryAfter, null);
    }

    static final String TEXT = "text/plain; charset=utf-8";
    static final String JSON = "application/json";

    /** A one-line text answer: control characters in the message (from a client's bytes) are escaped. */
    static Reply text(int status, String message) {
        return new Reply(status, TEXT, line(message), null);
    }

    private static byte[] line(String message) {
        return (oneLine(message) + "\n").getBytes(StandardCharsets.UTF_8);
    }

    static String oneLine(String message) {
        StringBuilder sb = null;
        for (int i = 0; i < message.length(); i++) {
            char c = message.charAt(i);
            if (c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029' || c == '\u0085') {
                if (sb == null) {
                    sb = new StringBuilder(message.length() + 8).append(message, 0, i);
                }
                sb.append(c < 0x100 ? String.format("\\x%02x", (int) c) : String.format("\\u%04x", (int) c));
            } else if (sb != null) {
                sb.append(c);
            }
        }
        return sb == null ? message : sb.toString();
    }

    static Reply empty(int status) {
        return new Reply(status, TEXT, new byte[0], null);
    }

    static Reply json(int status, byte[] body) {
        return new Reply(status, JSON, body, null);
    }

    static Reply busy(String message, int retryAfterSeconds) {
        return new Reply(429, TEXT, line(message), Integer.toString(retryAfterSeconds));
    }

    /** Where an answer goes; called once, from any thread. */
    @FunctionalInterface
    interface Sink {
        void send(Reply reply);
    }
}
