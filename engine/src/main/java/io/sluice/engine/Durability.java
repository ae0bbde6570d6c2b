package io.sluice.engine;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * When appended samples are forced to the device, and so what {@link Sluice#awaitDurable} means.
 *
 * <ul>
 *   <li>{@link #NONE}: samples are in the mapped page cache once appended. They survive a process
 *       crash, not an OS crash or power loss. Durable means appended.</li>
 *   <li>{@link #BATCH}: group commit. Each shard forces its segment at the end of every batch it
 *       takes from the ring; durable means forced.</li>
 *   <li>{@link #interval(Duration)}: a shard forces at most once per interval (and within about one
 *       interval of the last append); durable means forced.</li>
 * </ul>
 *
 * Immutable and thread-safe.
 */
public final class Durability {
    /** The mode. */
    public enum Mode { NONE, BATCH, INTERVAL }

    /** No force; durable once in the mapped page cache. */
    public static final Durability NONE = new Durability(Mode.NONE, Duration.ZERO);
    /** Force at the end of every batch (group commit). */
    public static final Durability BATCH = new Durability(Mode.BATCH, Duration.ZERO);

    private final Mode mode;
    private final Duration interval;

    private Durability(Mode mode, Duration interval) {
        this.mode = mode;
        this.interval = interval;
    }

    /** Force at most every {@code interval} (at least 1 ms). */
    public static Durability interval(Duration interval) {
        Objects.requireNonNull(interval, "interval");
        if (interval.compareTo(Duration.ofMillis(1)) < 0) {
            throw new IllegalArgumentException("durability interval must be at least 1ms, got " + interval.toMillis()
                + "ms");
        }
        return new Durability(Mode.INTERVAL, interval);
    }

    /**
     * Parses {@code none}, {@code batch} or {@code interval:<duration>} such as {@code interval:10ms}.
     *
     * @throws IllegalArgumentException with the accepted forms, for anything else
     */
    public static Durability parse(String text) {
        Objects.requireNonNull(text, "text");
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("none")) {
            return NONE;
        }
        if (t.equals("batch")) {
            return BATCH;
        }
        if (t.startsWith("interval:")) {
            return interval(Durations.parse(t.substring("interval:".length())));
        }
        throw new IllegalArgumentException("unknown durability '" + text + "': use none, batch or interval:<duration>"
            + " (e.g. interval:10ms)");
    }

    public Mode mode() {
        return mode;
    }

    /** The force interval for {@link Mode#INTERVAL}, else zero. */
    public Duration interval() {
        return interval;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Durability && ((Durability) o).mode == mode && ((Durability) o).interval.equals(interval);
    }

    @Override
    public int hashCode() {
        return mode.hashCode() * 31 + interval.hashCode();
    }

    /** The form {@link #parse} accepts. */
    @Override
    public String toString() {
        return mode == Mode.INTERVAL ? "interval:" + Durations.format(interval) : mode.name().toLowerCase(Locale.ROOT);
    }
}
