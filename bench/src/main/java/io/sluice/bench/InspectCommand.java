package io.sluice.bench;

import io.sluice.engine.Labels;
import io.sluice.engine.Matcher;
import io.sluice.engine.Selector;
import io.sluice.engine.SeriesSet;
import io.sluice.engine.Sluice;
import io.sluice.engine.SluiceConfig;
import io.sluice.engine.StorageStats;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code inspect}: opens a directory (replaying it) and describes what it holds: series and sample
 * counts and the time range, where they are stored ({@link io.sluice.engine.Sluice#storageStats()}: head
 * samples, chunks and chunk bytes, WAL bytes), the label names with the most values, and, with {@code --match}, the
 * series a PromQL selector picks and their sample counts. {@code --dump N} prints the samples of
 * the first N series (of the matched ones with {@code --match}).
 */
@Command(name = "inspect", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Describe a data directory; select series with a PromQL selector.")
final class InspectCommand implements Callable<Integer> {
    private static final int TOP_NAMES = 10;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--dir", paramLabel = "PATH", required = true, description = "data directory")
    Path dir;

    @Option(names = "--match", paramLabel = "SELECTOR",
        description = "PromQL series selector, e.g. 'metric_7{host=~\"host_1.*\"}'")
    String match;

    @Option(names = "--from", paramLabel = "T", description = "first timestamp (ms, inclusive; default: all)")
    Long from;

    @Option(names = "--to", paramLabel = "T", description = "last timestamp (ms, inclusive; default: all)")
    Long to;

    @Option(names = "--dump", paramLabel = "N", description = "print the samples of the first N (matched) series")
    int dump;

    @Option(names = "--json", paramLabel = "FILE", description = "write the summary as JSON")
    Path json;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        Matcher[] matchers = null;
        if (match != null) {
            try {
                matchers = Selector.parse(match);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--match: " + e.getMessage());
            }
        }
        long mint = from == null ? Long.MIN_VALUE : from;
        long maxt = to == null ? Long.MAX_VALUE : to;
        if (mint > maxt) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--from " + mint + " is after --to " + maxt);
        }
        if (dump < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--dump must be at least 0, got " + dump);
        }
        if (!Files.isDirectory(dir) || !hasShards(dir)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--dir " + dir
                + " is not a Sluice data directory (no shard-NNN directories)");
        }
        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).build())) {
            return inspect(db, out, matchers, mint, maxt);
        }
    }

    private int inspect(Sluice db, PrintStream out, Matcher[] matchers, long mint, long maxt) throws Exception {
        long[] range = {Long.MAX_VALUE, Long.MIN_VALUE};
        long[] samples = {0};
        long[] series = {0};
        db.forEachSeries(ref -> {
            series[0]++;
            samples[0] += db.read(ref, mint, maxt, (ts, v) -> {
                range[0] = Math.min(range[0], ts);
                range[1] = Math.max(range[1], ts);
            });
        });
        boolean empty = range[0] > range[1];
        out.println("inspect " + dir.toAbsolutePath());
        out.printf("  %-18s %s%n", "series", Fmt.n(series[0]));
        out.printf("  %-18s %s%s%n", "samples", Fmt.n(samples[0]), mint == Long.MIN_VALUE && maxt == Long.MAX_VALUE
            ? "" : " in [" + (from == null ? "-inf" : mint) + ", " + (to == null ? "+inf" : maxt) + "]");
        out.printf("  %-18s %s%n", "time range", empty ? "-" : range[0] + " .. " + range[1] + " (ms)");
        StorageStats storage = db.storageStats();
        out.printf("  %-18s head %s samples in %s chunks (%s), WAL %s, %d block(s) of %s samples (%s)%n", "storage",
            Fmt.n(storage.headSamples()), Fmt.n(storage.headChunks()), Fmt.bytes(storage.headChunkBytes()),
            Fmt.bytes(storage.walBytes()), storage.blocks(), Fmt.n(storage.blockSamples()),
            Fmt.bytes(storage.blockBytes()));
        for (io.sluice.engine.Sluice.BlockInfo b : db.blocks()) {
            out.printf("  block %s  [%d, %d)  level=%d series=%s samples=%s chunks=%s%n", b.ulid(), b.minTime(),
                b.maxTime(), b.level(), Fmt.n(b.series()), Fmt.n(b.samples()), Fmt.n(b.chunks()));
        }

        long matchedSeries = series[0];
        long matchedSamples = samples[0];
        if (matchers == null) {
            List<String[]> names = new ArrayList<>();
            for (String name : db.labelNames()) {
                names.add(new String[] {name, Integer.toString(db.labelValues(name).size())});
            }
            names.sort(Comparator.comparingInt((String[] a) -> -Integer.parseInt(a[1])).thenComparing(a -> a[0]));
            out.printf("  label names by value cardinality (top %d of %d):%n", Math.min(TOP_NAMES, names.size()),
                names.size());
            for (int i = 0; i < Math.min(TOP_NAMES, names.size()); i++) {
                out.printf("    %-20s %s%n", names.get(i)[0], Fmt.n(Long.parseLong(names.get(i)[1])));
            }
            if (dump > 0) {
                int[] left = {dump};
                db.forEachSeries(ref -> {
                    if (left[0]-- > 0) {
                        out.println("  " + db.labels(ref));
                        db.read(ref, mint, maxt, (ts, v) -> out.println("    " + ts + " " + v));
                    }
                });
            }
        } else {
            matchedSeries = 0;
            matchedSamples = 0;
            List<String> lines = new ArrayList<>();
            try (SeriesSet set = db.query(mint, maxt, matchers)) {
                while (set.next()) {
                    Labels labels = set.labels();
                    long n = set.sampleCount();
                    StringBuilder sb = new StringBuilder("  ").append(labels).append("  samples=").append(n);
                    if (n > 0) {
                        sb.append(" from=").append(set.timestamp(0)).append(" to=").append(set.timestamp((int) n - 1));
                    }
                    if (matchedSeries < dump) {
                        for (int i = 0; i < n; i++) {
                            sb.append(System.lineSeparator()).append("    ").append(set.timestamp(i)).append(' ')
                                .append(set.value(i));
                        }
                    }
                    lines.add(sb.toString());
                    matchedSeries++;
                    matchedSamples += n;
                }
            }
            out.printf("  %-18s %s for %s%n", "matched series", Fmt.n(matchedSeries), Matcher.toString(matchers));
            out.printf("  %-18s %s%n", "matched samples", Fmt.n(matchedSamples));
            for (String line : lines) {
                out.println(line);
            }
        }
        if (json != null) {
            new Json().put("series", series[0])
                .put("samples", samples[0])
                .put("min_time", empty ? null : range[0])
                .put("max_time", empty ? null : range[1])
                .put("matched_series", matchedSeries)
                .put("matched_samples", matchedSamples)
                .put("head_samples", storage.headSamples())
                .put("head_chunks", storage.headChunks())
                .put("head_chunk_bytes", storage.headChunkBytes())
                .put("wal_bytes", storage.walBytes())
                .put("blocks", storage.blocks())
                .put("block_samples", storage.blockSamples())
                .put("block_bytes", storage.blockBytes())
                .put("block_min_time", storage.blocks() == 0 ? null : storage.blockMinTime())
                .put("block_max_time", storage.blocks() == 0 ? null : storage.blockMaxTime())
                .put("selector", matchers == null ? null : Matcher.toString(matchers))
                .writeTo(json);
        }
        return 0;
    }

    private static boolean hasShards(Path dir) throws java.io.IOException {
        try (java.util.stream.Stream<Path> s = Files.list(dir)) {
            return s.anyMatch(p -> Files.isDirectory(p) && (p.getFileName().toString().matches("shard-\\d+")
                || p.getFileName().toString().equals("blocks")));
        }
    }
}
