/**
 * JMH benchmarks, run from the shaded jar with {@code java -jar bench/target/sluice-bench.jar jmh}.
 * Commands and results are in docs/benchmarks.md.
 */
package io.sluice.bench.jmh;
