package io.sluice.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code interop}: Sluice's blocks against the real {@code promtool} and {@code prometheus}, and
 * promtool's blocks against Sluice ({@link Interop}). Exit code 0 when every check passed, 3 when
 * one failed, 4 when a tool is missing (its checks are skipped, never passed).
 */
@Command(name = "interop", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Check Sluice's blocks with promtool and Prometheus, and promtool's blocks with Sluice:",
        "promtool tsdb analyze (series per block), promtool tsdb dump (every sample), Prometheus'",
        "count_over_time against inspect --match, and blocks from promtool tsdb create-blocks-from",
        "openmetrics opened by Sluice. Needs promtool and prometheus on PATH (Debian: apt-get install -y",
        "prometheus). Exit code: 0 all passed, 3 a check failed, 4 a tool is missing."})
final class InteropCommand implements Callable<Integer> {
    static final int EXIT_FAILED = 3;
    static final int EXIT_SKIPPED = 4;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--series", paramLabel = "N", description = "series the engine writes (default: ${DEFAULT-VALUE})")
    int series = 1_000;

    @Option(names = "--samples-per-series", paramLabel = "N",
        description = "samples per series, 15 s apart (default: ${DEFAULT-VALUE}: 12.5 h, of which the blocks hold 10 h)")
    int samplesPerSeries = 3_000;

    @Option(names = "--dir", paramLabel = "PATH", description = "work directory (default: a temp dir, deleted afterwards"
        + " unless --keep)")
    Path dir;

    @Option(names = "--keep", description = "keep the work directory")
    boolean keep;

    @Override
    public Integer call() throws Exception {
        if (series < 1 || series > 1_000_000) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--series must be from 1 to 1000000, got " + series);
        }
        if (samplesPerSeries < 1000 || samplesPerSeries > 1_000_000) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                "--samples-per-series must be from 1000 (a block needs more than 3 h of samples) to 1000000, got "
                    + samplesPerSeries);
        }
        boolean temp = dir == null;
        Path work = temp ? Files.createTempDirectory("sluice-interop-") : dir.toAbsolutePath();
        if (!temp && Files.exists(work)) {
            try (java.util.stream.Stream<Path> s = Files.list(work)) {
                if (s.findAny().isPresent()) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--dir " + work + " is not empty");
                }
            }
        }
        Files.createDirectories(work);
        System.out.println("interop in " + work + " (" + MachineInfo.describe() + ")");
        Interop.Options o = new Interop.Options();
        o.series = series;
        o.samplesPerSeries = samplesPerSeries;
        o.work = work;
        List<Interop.Check> checks;
        try {
            checks = new Interop(o, System.out).run();
        } finally {
            if (temp && !keep) {
                FileTree.delete(work);
            }
        }
        long failed = checks.stream().filter(c -> !c.passed() && !c.skipped()).count();
        long skipped = checks.stream().filter(Interop.Check::skipped).count();
        System.out.printf("%d passed, %d failed, %d skipped%n", checks.size() - failed - skipped, failed, skipped);
        return failed > 0 ? EXIT_FAILED : skipped > 0 ? EXIT_SKIPPED : 0;
    }
}
