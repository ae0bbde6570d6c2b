package io.sluice.bench;

import io.sluice.engine.Labels;
import io.sluice.engine.ReplayReport;
import io.sluice.engine.Sluice;
import io.sluice.engine.SluiceConfig;
import io.sluice.wal.WalCorruptionException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code verify}: reopens a directory (which replays the WAL) and checks every stored sample against
 * the workload's value function: the directory's {@link SampleScheme} (value scheme and step, from
 * {@value SampleScheme#FILE}; sawtooth with a 1 ms step when the directory predates that file). A
 * sample off the scheme's time grid is bad too. Exit 0 when consistent, 2 on corruption or a bad sample.
 */
@Command(name = "verify", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Replay a directory written by load and check every sample.")
final class VerifyCommand implements Callable<Integer> {
    private static final long PROGRESS_NANOS = 2_000_000_000L;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--dir", paramLabel = "PATH", required = true, description = "data directory")
    Path dir;

    @Option(names = "--json", paramLabel = "FILE", description = "write the result as JSON")
    Path json;

    @Option(names = "--repair", description = "cut the WAL at the first corruption and report what was dropped")
    boolean repair;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        if (!Files.isDirectory(dir)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--dir " + dir + " is not a directory");
        }
        if (!hasShards(dir)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--dir " + dir + " holds no Sluice data"
                + " (no shard-NNN or blocks directories)");
        }
        SampleScheme scheme = SampleScheme.read(dir).orElse(SampleScheme.LEGACY);
        boolean recorded = SampleScheme.read(dir).isPresent();
        Json result = new Json();
        Sluice db;
        try {
            db = Sluice.open(SluiceConfig.builder().dir(dir).repair(repair).build());
        } catch (WalCorruptionException e) {
            System.err.println("verify: " + e.getMessage());
            System.err.println("verify: run with --repair to cut the WAL at this point and keep what precedes it");
            result.put("corruption", new Json().put("shard", e.shard()).put("segment", e.segment().toString())
                .put("offset", e.offset()).put("reason", e.reason()));
            if (json != null) {
                result.writeTo(json);
            }
            return SluiceBench.EXIT_CORRUPT;
        } catch (io.sluice.head.HeadChunkCorruptionException e) {
            System.err.println("verify: " + e.getMessage());
            System.err.println("verify: run with --repair to pad the damaged chunks and keep every other one");
            result.put("corruption", new Json().put("shard", e.shard()).put("file", String.valueOf(e.file()))
                .put("offset", e.offset()).put("reason", e.reason()));
            if (json != null) {
                result.writeTo(json);
            }
            return SluiceBench.EXIT_CORRUPT;
        } catch (io.sluice.block.BlockCorruptionException e) {
            System.err.println("verify: " + e.getMessage());
            result.put("corruption", new Json().put("file", String.valueOf(e.file())).put("offset", e.offset())
                .put("reason", e.reason()));
            if (json != null) {
                result.writeTo(json);
            }
            return SluiceBench.EXIT_CORRUPT;
        }
        long series = 0;
        long samples = 0;
        long[] bad = {0};
        long badSeries = 0;
        ReplayReport report;
        long checkStart = System.nanoTime();
        try {
            report = db.replayReport();
            out.printf("replayed %s samples in %ss; checking every sample against %s (%s)%n",
                Fmt.n(report.samples()), String.format("%.3f", report.seconds()), scheme.describe(),
                recorded ? SampleScheme.FILE : "no " + SampleScheme.FILE + ": written before it existed");
            long[] refs = collectRefs(db);
            long nextProgress = System.nanoTime() + PROGRESS_NANOS;
            for (long ref : refs) {
                if ((series & 1023) == 0 && System.nanoTime() > nextProgress) {
                    out.printf("  checked %s of %s series, %s samples%n", Fmt.n(series), Fmt.n(refs.length),
                        Fmt.n(samples));
                    nextProgress += PROGRESS_NANOS;
                }
                Labels labels = db.labels(ref);
                long i = labels == null ? -1 : Workload.indexOf(labels);
                series++;
                long[] n = {0};
                if (i < 0) {
                    badSeries++;
                    long c = db.read(ref, Long.MIN_VALUE, Long.MAX_VALUE, (ts, v) -> n[0]++);
                    bad[0] += c;
                    samples += c;
                    if (badSeries <= 5) {
                        out.println("  series " + labels + " does not follow the workload's label scheme");
                    }
                    continue;
                }
                final long index = i;
                db.read(ref, Long.MIN_VALUE, Long.MAX_VALUE, (ts, v) -> {
                    n[0]++;
                    if (!scheme.onGrid(ts)) {
                        if (bad[0] < 5) {
                            out.printf("  bad sample: series i%d at %d is off the grid %d + k * %d ms%n", index, ts,
                                scheme.originMillis(), scheme.stepMillis());
                        }
                        bad[0]++;
                    } else if (Double.doubleToRawLongBits(v) != Double.doubleToRawLongBits(scheme.value(index, ts))) {
                        if (bad[0] < 5) {
                            out.printf("  bad sample: series i%d at %d has %s, expected %s%n", index, ts, v,
                                scheme.value(index, ts));
                        }
                        bad[0]++;
                    }
                });
                samples += n[0];
            }
        } finally {
            db.close();
        }
        double checkSeconds = (System.nanoTime() - checkStart) / 1e9;

        out.println("verify " + dir.toAbsolutePath());
        out.printf("  %-18s %s%n", "workload", scheme.describe());
        out.printf("  %-18s %s%n", "series", Fmt.n(series));
        out.printf("  %-18s %s%n", "samples", Fmt.n(samples));
        out.printf("  %-18s %s%n", "bad samples", Fmt.n(bad[0]));
        out.printf("  %-18s %s (%s samples/s)%n", "replay seconds", String.format("%.3f", report.seconds()),
            report.seconds() > 0 ? Fmt.n(Math.round(report.samples() / report.seconds())) : "-");
        out.printf("  %-18s %s%n", "check seconds", String.format("%.3f", checkSeconds));
        out.printf("  %-18s %s (%s)%n", "WAL bytes", Fmt.n(report.walBytes()), Fmt.bytes(report.walBytes()));
        out.printf("  %-18s %s%n", "truncated bytes", Fmt.n(report.truncatedBytes()));
        if (report.repaired()) {
            out.printf("  %-18s %s%n", "dropped records", Fmt.n(report.droppedRecords()));
            out.printf("  %-18s %s%n", "dropped bytes", Fmt.n(report.droppedBytes()));
        }
        for (ReplayReport.Shard s : report.shards()) {
            if (s.repaired()) {
                out.printf("  repaired shard %d: %s%n", s.shard(), s.repair());
            }
        }
        boolean ok = bad[0] == 0;
        out.println(ok ? "  OK: every sample matches the workload" : "  FAILED: " + Fmt.n(bad[0]) + " bad samples in "
            + Fmt.n(badSeries) + " malformed series and value mismatches");
        result.put("series", series)
            .put("samples", samples)
            .put("bad_samples", bad[0])
            .put("replay_seconds", report.seconds())
            .put("wal_bytes", report.walBytes())
            .put("truncated_bytes", report.truncatedBytes())
            .put("repaired", report.repaired())
            .put("dropped_records", report.droppedRecords())
            .put("dropped_bytes", report.droppedBytes())
            .put("values", scheme.values().toString())
            .put("step_ms", scheme.stepMillis())
            .put("machine", MachineInfo.json());
        if (json != null) {
            result.writeTo(json);
        }
        return ok ? 0 : SluiceBench.EXIT_CORRUPT;
    }

    private static long[] collectRefs(Sluice db) {
        long[] refs = new long[(int) Math.max(16, db.seriesCount())];
        int[] n = {0};
        long[][] holder = {refs};
        db.forEachSeries(ref -> {
            if (n[0] == holder[0].length) {
                holder[0] = java.util.Arrays.copyOf(holder[0], n[0] * 2);
            }
            holder[0][n[0]++] = ref;
        });
        return java.util.Arrays.copyOf(holder[0], n[0]);
    }

    private static boolean hasShards(Path dir) throws java.io.IOException {
        try (java.util.stream.Stream<Path> s = Files.list(dir)) {
            return s.anyMatch(p -> Files.isDirectory(p) && (p.getFileName().toString().matches("shard-\\d+")
                || p.getFileName().toString().equals("blocks")));
        }
    }
}
