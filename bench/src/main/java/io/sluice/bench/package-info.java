/**
 * The {@code sluice-bench} command line: the load harness ({@code load}, {@code verify}) with its
 * fixed {@link io.sluice.bench.Workload}, and the entry to the JMH benchmarks ({@code jmh}).
 *
 * <p>Threading: each producer thread owns its appender and its slice of the series; progress lines
 * are printed on the engine's metrics thread.
 */
package io.sluice.bench;
