package io.sluice.engine;

/** Receives samples in timestamp order. Called on the reading thread. */
@FunctionalInterface
public interface SampleConsumer {
    void accept(long timestamp, double value);
}
