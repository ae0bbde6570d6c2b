/**
 * The public API and the engine's lifecycle: {@link io.sluice.engine.Sluice} (open with replay,
 * close with drain), {@link io.sluice.engine.SluiceConfig}, {@link io.sluice.engine.Labels},
 * {@link io.sluice.engine.Appender}, {@link io.sluice.engine.Durability},
 * {@link io.sluice.engine.EngineMetrics} and {@link io.sluice.engine.ReplayReport}.
 *
 * <p>Threading: {@code Sluice} is thread-safe; an {@code Appender} belongs to one producer thread;
 * value types are immutable.
 */
package io.sluice.engine;
