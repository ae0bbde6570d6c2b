package io.sluice.engine;

/**
 * The engine stopped accepting writes because a shard failed (an I/O error, a full disk, a bug).
 * Every later call on the engine or its appenders throws this, with the first failure as the cause.
 * What was acknowledged durable before the failure stays durable; reopening replays the WAL.
 */
public final class SluiceFailedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public SluiceFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
