/**
 * The public API and the engine's lifecycle: {@link io.sluice.engine.Sluice} (open with replay,
 * close with drain), {@link io.sluice.engine.SluiceConfig}, {@link io.sluice.engine.Labels},
 * {@link io.sluice.engine.Appender}, {@link io.sluice.engine.Durability},
 * {@link io.sluice.engine.EngineMetrics} and {@link io.sluice.engine.ReplayReport}; the read side's
 * {@link io.sluice.engine.Matcher}, {@link io.sluice.engine.Selector} (PromQL series selectors) and
 * {@link io.sluice.engine.SeriesSet}.
 *
 * <p>Threading: {@code Sluice} is thread-safe; an {@code Appender} belongs to one producer thread, a
 * {@code SeriesSet} to one reader thread;
 * value types are immutable.
 */
package io.sluice.engine;
