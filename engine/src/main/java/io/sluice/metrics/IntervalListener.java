package io.sluice.metrics;

/**
 * Receives each completed metrics interval, on the thread that ended it (the metrics thread, or the
 * caller of {@code Sluice.endMetricsInterval()}). The {@link Interval} is reused: copy what you keep.
 */
@FunctionalInterface
public interface IntervalListener {
    void onInterval(Interval interval);
}
