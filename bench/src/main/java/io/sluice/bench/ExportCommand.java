package io.sluice.bench;

import io.sluice.block.LabelOrder;
import io.sluice.engine.Labels;
import io.sluice.engine.Sluice;
import io.sluice.engine.SluiceConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code export}: every sample of a data directory as OpenMetrics text, the input of {@code promtool
 * tsdb create-blocks-from openmetrics}. Series in Prometheus' label order (so each metric family is
 * contiguous), samples in time order, timestamps in seconds with millisecond precision, values in
 * the shortest form that parses back to the same bits.
 */
@Command(name = "export", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Write every sample of a data directory as OpenMetrics text (for promtool tsdb",
        "create-blocks-from openmetrics)."})
final class ExportCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--dir", paramLabel = "PATH", required = true, description = "data directory")
    Path dir;

    @Option(names = "--out", paramLabel = "FILE", required = true, description = "the OpenMetrics file to write")
    Path out;

    @Option(names = "--from", paramLabel = "T", description = "first timestamp (ms, inclusive; default: all)")
    Long from;

    @Option(names = "--to", paramLabel = "T", description = "last timestamp (ms, inclusive; default: all)")
    Long to;

    @Override
    public Integer call() throws Exception {
        if (!Files.isDirectory(dir)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--dir " + dir + " is not a directory");
        }
        long mint = from == null ? Long.MIN_VALUE : from;
        long maxt = to == null ? Long.MAX_VALUE : to;
        if (mint > maxt) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--from " + mint + " is after --to " + maxt);
        }
        long began = System.nanoTime();
        long series = 0;
        long samples = 0;
        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).build());
             BufferedWriter w = new BufferedWriter(new OutputStreamWriter(Files.newOutputStream(out),
                 StandardCharsets.UTF_8), 1 << 20)) {
            List<long[]> refs = new ArrayList<>();
            db.forEachSeries(ref -> refs.add(new long[] {ref}));
            List<Labels> labels = new ArrayList<>(refs.size());
            for (long[] r : refs) {
                labels.add(db.labels(r[0]));
            }
            Integer[] idx = new Integer[refs.size()];
            for (int i = 0; i < idx.length; i++) {
                idx[i] = i;
            }
            java.util.Arrays.sort(idx, (a, b) -> LabelOrder.compare(labels.get(a), labels.get(b)));
            StringBuilder line = new StringBuilder(256);
            long[] count = {0};
            for (int i : idx) {
                Labels l = labels.get(i);
                String prefix = prefix(l);
                db.read(refs.get(i)[0], mint, maxt, (t, v) -> {
                    line.setLength(0);
                    line.append(prefix).append(Interop.goFloat(v)).append(' ').append(Math.floorDiv(t, 1000)).append('.');
                    long ms = Math.floorMod(t, 1000);
                    line.append(ms < 10 ? "00" : ms < 100 ? "0" : "").append(ms).append('\n');
                    try {
                        w.append(line);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                    count[0]++;
                });
                series++;
                if (series % 10_000 == 0) {
                    System.out.printf("  %s series, %s samples%n", Fmt.n(series), Fmt.n(count[0]));
                }
            }
            w.write("# EOF\n");
            samples = count[0];
        }
        System.out.printf("exported %s series, %s samples to %s (%s) in %.1f s%n", Fmt.n(series), Fmt.n(samples), out,
            Fmt.bytes(Files.size(out)), (System.nanoTime() - began) / 1e9);
        return 0;
    }

    /** {@code name{label="value",...} } with OpenMetrics escaping of values. */
    static String prefix(Labels l) {
        StringBuilder sb = new StringBuilder();
        String name = l.get("__name__");
        sb.append(name == null ? "" : name).append('{');
        boolean first = true;
        for (int k = 0; k < l.size(); k++) {
            if (l.name(k).equals("__name__")) {
                continue;
            }
            sb.append(first ? "" : ",").append(l.name(k)).append("=\"");
            String v = l.value(k);
            for (int c = 0; c < v.length(); c++) {
                char ch = v.charAt(c);
                switch (ch) {
                    case '\\' -> sb.append("\\\\");
                    case '"' -> sb.append("\\\"");
                    case '\n' -> sb.append("\\n");
                    default -> sb.append(ch);
                }
            }
            sb.append('"');
            first = false;
        }
        return sb.append("} ").toString();
    }
}
