package io.sluice.metrics;

import org.HdrHistogram.Histogram;

/**
 * Receives each completed metrics interval on the collector thread. The histograms (nanoseconds,
 * merged over shards) are the listener's to keep; their start and end time stamps are set.
 */
@FunctionalInterface
public interface IntervalListener {
    void onInterval(Histogram appendLatency, Histogram durableLatency);
}
