package io.sluice.bench;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.Properties;

/**
 * When a directory's workload samples are and what values they have: the value scheme
 * ({@code load --values}), the step between one series' samples ({@code load --step}) and the grid's
 * origin. Every sample {@code load} writes is at {@code origin + k * step} for a step index
 * {@code k >= 0}, and its value is {@link Workload.Values#SAWTOOTH}'s of {@code (i, ts)} or
 * {@link Workload.Values#MIXED}'s of {@code (i, k)}.
 *
 * <p>{@code load} records the scheme in {@value #FILE} in the data directory before it writes a
 * sample, and a later {@code load} into that directory keeps it (a different {@code --values} or
 * {@code --step} is refused), so that {@code verify} can recompute every value from the series and
 * the timestamp alone. A directory with data but no such file was written before the file existed:
 * its scheme is {@link #LEGACY}, sawtooth with a 1 ms step from {@link LoadCommand#EPOCH_MILLIS}.
 *
 * <p>Threading: immutable; {@link #read} and {@link #write} are called by one command thread.
 */
record SampleScheme(Workload.Values values, long stepMillis, long originMillis) {
    /** The file in the data directory that records the scheme. */
    static final String FILE = "bench-workload.properties";
    /** What a directory written before {@value #FILE} existed holds. */
    static final SampleScheme LEGACY = new SampleScheme(Workload.Values.SAWTOOTH, 1, LoadCommand.EPOCH_MILLIS);

    SampleScheme {
        if (values == null) {
            throw new IllegalArgumentException("no value scheme");
        }
        if (stepMillis < 1) {
            throw new IllegalArgumentException("step must be at least 1 ms, got " + stepMillis);
        }
        if (originMillis < 0) {
            throw new IllegalArgumentException("origin must not be negative, got " + originMillis);
        }
    }

    /** The largest step index whose timestamp fits in a long. */
    long maxIndex() {
        return (Long.MAX_VALUE - originMillis) / stepMillis;
    }

    /** The timestamp of step index {@code k} (0 &lt;= k &lt;= {@link #maxIndex()}). */
    long timestamp(long k) {
        return originMillis + k * stepMillis;
    }

    /** The first step index after {@code newest} ({@link Long#MIN_VALUE}: none), where a new run starts. */
    long nextIndex(long newest) {
        if (newest < originMillis) {
            return 0;
        }
        return (newest - originMillis) / stepMillis + 1;
    }

    /** Whether {@code ts} is {@code origin + k * step} for a whole {@code k}. */
    boolean onGrid(long ts) {
        long offset;
        try {
            offset = Math.subtractExact(ts, originMillis);
        } catch (ArithmeticException e) {
            return false;
        }
        return Math.floorMod(offset, stepMillis) == 0;
    }

    /** The value series {@code i} has at {@code ts}, which must be {@link #onGrid on the grid}. */
    double value(long i, long ts) {
        return values == Workload.Values.SAWTOOTH ? Workload.value(i, ts)
            : Workload.mixed(i, Math.floorDiv(ts - originMillis, stepMillis));
    }

    /**
     * The scheme of the samples already in {@code dir}: the recorded one, {@link #LEGACY} for a directory
     * with shard directories but no {@value #FILE}, or none for a new directory.
     *
     * @throws IOException if the file cannot be read or is damaged
     */
    static Optional<SampleScheme> of(Path dir) throws IOException {
        Optional<SampleScheme> recorded = read(dir);
        if (recorded.isPresent() || !Files.isDirectory(dir)) {
            return recorded;
        }
        try (java.util.stream.Stream<Path> s = Files.list(dir)) {
            boolean hasShards = s.anyMatch(p -> Files.isDirectory(p) && p.getFileName().toString().matches("shard-\\d+"));
            return hasShards ? Optional.of(LEGACY) : Optional.empty();
        }
    }

    /** The scheme recorded in {@code dir}, if it has the file. */
    static Optional<SampleScheme> read(Path dir) throws IOException {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(in);
        }
        try {
            return Optional.of(new SampleScheme(Workload.Values.parse(required(p, "values")),
                Long.parseLong(required(p, "step_ms")), Long.parseLong(required(p, "origin_ms"))));
        } catch (IllegalArgumentException e) {
            throw new IOException(file + " is damaged: " + e.getMessage(), e);
        }
    }

    private static String required(Properties p, String key) {
        String v = p.getProperty(key);
        if (v == null) {
            throw new IllegalArgumentException("no " + key);
        }
        return v.trim();
    }

    /** Records the scheme in {@code dir}, replacing the file in one rename. */
    void write(Path dir) throws IOException {
        String text = "# How sluice-bench load wrote this directory's samples; verify reads it.\n"
            + "# Sample k of a series is at origin_ms + k * step_ms; values: sawtooth or mixed (docs/benchmarks.md).\n"
            + "values=" + values + "\n"
            + "step_ms=" + stepMillis + "\n"
            + "origin_ms=" + originMillis + "\n";
        Path tmp = dir.resolve(FILE + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, dir.resolve(FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** {@code sawtooth, step 15s}. */
    String describe() {
        return values + " values, step " + Fmt.millis(stepMillis);
    }
}
