package io.sluice.server;

/**
 * A request the server refuses as the client's fault: answered with a 4xx and a one-line message,
 * and nothing of it is written.
 */
final class BadRequestException extends Exception {
    private static final long serialVersionUID = 1L;

    private final int status;

    BadRequestException(String message) {
        this(400, message);
    }

    BadRequestException(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    int status() {
        return status;
    }
}
