package io.sluice.bench;

import io.sluice.engine.Durability;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code crash}: kills a writing child JVM with SIGKILL, round after round, and checks after each
 * round that nothing acknowledged was lost and nothing unwritten appeared ({@link CrashHarness}).
 * Exit 0 when every round passed, 2 on any loss or inconsistency.
 */
@Command(name = "crash", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Kill a writing child JVM with SIGKILL at random moments and check what survives.")
final class CrashCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--rounds", paramLabel = "N", description = "crash rounds (default: ${DEFAULT-VALUE})")
    int rounds = 10;

    @Option(names = "--seed", paramLabel = "S", description = "random seed (default: random, printed)")
    Long seed;

    @Option(names = "--dir", paramLabel = "PATH",
        description = "data directory (default: a temp dir, deleted afterwards unless --keep)")
    Path dir;

    @Option(names = "--keep", description = "keep the data directory")
    boolean keep;

    @Option(names = "--durability", paramLabel = "M", converter = Converters.DurabilityConverter.class,
        description = "batch | none | interval:10ms (default: batch)")
    Durability durability = Durability.BATCH;

    @Option(names = "--series", paramLabel = "N", description = "series the child writes (default: ${DEFAULT-VALUE})")
    int series = 16;

    @Option(names = "--max-kill-delay", paramLabel = "MS",
        description = "longest a child writes before the kill, in ms (default: ${DEFAULT-VALUE})")
    long maxKillDelay = 700;

    @Override
    public Integer call() throws Exception {
        if (rounds < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--rounds must be at least 1, got " + rounds);
        }
        if (series < 1 || series > 10_000) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--series must be from 1 to 10,000, got "
                + series);
        }
        if (maxKillDelay < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--max-kill-delay must not be negative");
        }
        if (dir != null && Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--dir " + dir + " is not a directory");
        }
        PrintStream out = System.out;
        long s = seed != null ? seed : System.nanoTime() ^ Double.doubleToLongBits(Math.random());
        boolean temp = dir == null;
        Path data = temp ? Files.createTempDirectory("sluice-crash-") : dir.toAbsolutePath();
        boolean existed = !temp && Files.exists(data);
        out.printf("sluice crash: %d round(s), seed %d, durability %s, %d series, dir %s%n", rounds, s, durability,
            series, data);
        CrashHarness.Summary sum;
        try {
            sum = new CrashHarness(new CrashHarness.Options().dir(data).rounds(rounds).seed(s).durability(durability)
                .series(series).maxKillDelayMillis(maxKillDelay)).run(out);
        } finally {
            if (!keep && (temp || !existed)) {
                FileTree.delete(data);
            }
        }
        out.println();
        out.println("summary");
        out.printf("  %-26s %d of %d%n", "rounds", sum.rounds, rounds);
        out.printf("  %-26s %d%n", "seed", s);
        out.printf("  %-26s %s%n", "durability", durability);
        out.printf("  %-26s %s%n", "acknowledged samples", Fmt.n(sum.acknowledged));
        out.printf("  %-26s %s%n", "kept unacknowledged", Fmt.n(sum.unacknowledgedKept));
        out.printf("  %-26s %s%n", "lost", Fmt.n(sum.lost));
        out.printf("  %-26s %s%n", "phantom / wrong", Fmt.n(sum.phantom));
        out.printf("  %-26s %s%n", "seconds", Fmt.seconds(sum.seconds));
        out.println(sum.ok() ? "  OK: nothing acknowledged was lost" : "  FAILED (reproduce with --seed " + s + ")");
        return sum.ok() ? 0 : SluiceBench.EXIT_CORRUPT;
    }
}
