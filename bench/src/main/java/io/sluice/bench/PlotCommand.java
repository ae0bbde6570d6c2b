package io.sluice.bench;

import org.HdrHistogram.EncodableHistogram;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;
import org.HdrHistogram.HistogramLogReader;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code plot}: PNG charts for docs/benchmarks.md, drawn from the harness' own outputs, so every
 * chart can be regenerated from files the harness wrote.
 */
@Command(name = "plot", mixinStandardHelpOptions = true,
    description = "Draw PNG charts from load --hlog and load --json outputs.",
    subcommands = {PlotCommand.Latency.class, PlotCommand.Throughput.class})
final class PlotCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand: latency or throughput");
    }

    static Path file(String spec) {
        int eq = spec.indexOf('=');
        return Path.of(eq < 0 ? spec : spec.substring(0, eq));
    }

    static String label(String spec) {
        int eq = spec.indexOf('=');
        if (eq >= 0) {
            return spec.substring(eq + 1);
        }
        String name = Path.of(spec).getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    static void save(XYChart chart, Path out) throws IOException {
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        BitmapEncoder.saveBitmap(chart, out.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    static void headless() {
        System.setProperty("java.awt.headless", "true");
    }

    /** Percentile distribution of one or more interval logs, as HdrHistogram's plotter draws it. */
    @Command(name = "latency", mixinStandardHelpOptions = true,
        description = "Percentile distribution plot of .hlog files (values in ns), latency in microseconds.")
    static final class Latency implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--hlog", required = true, paramLabel = "FILE[=LABEL]", description = "an interval log")
        List<String> hlogs = new ArrayList<>();

        @Option(names = "--out", required = true, paramLabel = "PNG", description = "output file")
        Path out;

        @Option(names = "--skip", paramLabel = "SECONDS", description = "leave out intervals that start in the"
            + " first SECONDS of each log (warm-up, default: 0)")
        double skip;

        @Option(names = "--title", description = "chart title")
        String title = "Sluice publish-to-appended latency by percentile";

        @Override
        public Integer call() throws IOException {
            headless();
            XYChart chart = new XYChartBuilder().width(900).height(520).title(title)
                .xAxisTitle("percentile").yAxisTitle("latency (us)").build();
            // x is log10(1 / (1 - p)) on a linear axis (as HdrHistogram's own plotter does): 1 = 90%, 2 = 99% ...
            // XChart's logarithmic x axis loops forever with a label function, hence the transform.
            chart.getStyler().setxAxisTickLabelsFormattingFunction(Latency::percentileLabel);
            chart.getStyler().setXAxisMin(0.0);
            chart.getStyler().setXAxisMax(6.0);
            chart.getStyler().setXAxisTickMarkSpacingHint(60);
            chart.getStyler().setYAxisLogarithmic(true);
            chart.getStyler().setMarkerSize(0);
            for (String spec : hlogs) {
                Path file = file(spec);
                if (!Files.isRegularFile(file)) {
                    throw new CommandLine.ParameterException(this.spec.commandLine(), "--hlog " + file + " is not a file");
                }
                Histogram h = read(file, skip);
                List<Double> xs = new ArrayList<>();
                List<Double> ys = new ArrayList<>();
                for (HistogramIterationValue v : h.percentiles(5)) {
                    double p = v.getPercentileLevelIteratedTo();
                    if (p >= 100.0) {
                        break;
                    }
                    xs.add(Math.min(6.0, Math.log10(1.0 / (1.0 - p / 100.0))));
                    ys.add(Math.max(0.1, v.getValueIteratedTo() / 1000.0));
                }
                xs.add(6.0);
                ys.add(Math.max(0.1, h.getMaxValue() / 1000.0));
                XYSeries s = chart.addSeries(label(spec) + String.format(Locale.ROOT, " (p99 %.0f us, n=%,d)",
                    h.getValueAtPercentile(99) / 1000.0, h.getTotalCount()), xs, ys);
                s.setMarker(SeriesMarkers.NONE);
            }
            save(chart, out);
            System.out.println("wrote " + out);
            return 0;
        }

        static Histogram read(Path file, double skipSeconds) throws IOException {
            Histogram total = null;
            try (InputStream in = Files.newInputStream(file)) {
                HistogramLogReader reader = new HistogramLogReader(in);
                EncodableHistogram e;
                double first = Double.NaN;
                while ((e = reader.nextIntervalHistogram()) != null) {
                    double start = e.getStartTimeStamp() / 1000.0;
                    if (Double.isNaN(first)) {
                        first = start;
                    }
                    if (start - first < skipSeconds) {
                        continue;
                    }
                    Histogram h = (Histogram) e;
                    if (total == null) {
                        total = new Histogram(h.getLowestDiscernibleValue(), h.getHighestTrackableValue(),
                            h.getNumberOfSignificantValueDigits());
                    }
                    total.add(h);
                }
            }
            if (total == null) {
                throw new IOException(file + " has no intervals after the first " + skipSeconds + " s");
            }
            return total;
        }

        static String percentileLabel(Double x) {
            double p = 100.0 * (1.0 - Math.pow(10.0, -x));
            String s = String.format(Locale.ROOT, "%.4f", p).replaceAll("0+$", "").replaceAll("\\.$", "");
            return s + "%";
        }
    }

    /** Throughput against producer count, from load --json files (runs with equal producers are averaged). */
    @Command(name = "throughput", mixinStandardHelpOptions = true,
        description = "Samples/s against producers from load --json files; --baseline adds fixed series.")
    static final class Throughput implements Callable<Integer> {
        private static final Pattern PRODUCERS = Pattern.compile("\"producers\":\\s*(\\d+)");
        private static final Pattern RATE = Pattern.compile("\"samples_per_sec\":\\s*([\\d.]+)");

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--json", required = true, paramLabel = "FILE[=LABEL]",
            description = "a load --json result; files with the same LABEL form one series")
        List<String> files = new ArrayList<>();

        @Option(names = "--baseline", paramLabel = "LABEL=P:RATE,...",
            description = "a fixed series, e.g. seed=1:64000,2:32000,4:12000,8:38000")
        List<String> baselines = new ArrayList<>();

        @Option(names = "--out", required = true, paramLabel = "PNG", description = "output file")
        Path out;

        @Option(names = "--title", description = "chart title")
        String title = "Throughput against producer threads";

        @Option(names = "--unit", description = "label of the y axis (default: ${DEFAULT-VALUE})")
        String unit = "samples/s";

        @Override
        public Integer call() throws IOException {
            headless();
            Map<String, TreeMap<Integer, List<Double>>> series = new TreeMap<>();
            for (String spec : files) {
                Path f = file(spec);
                if (!Files.isRegularFile(f)) {
                    throw new CommandLine.ParameterException(this.spec.commandLine(), "--json " + f + " is not a file");
                }
                String json = Files.readString(f, StandardCharsets.UTF_8);
                Matcher p = PRODUCERS.matcher(json);
                Matcher r = RATE.matcher(json);
                if (!p.find() || !r.find()) {
                    throw new CommandLine.ParameterException(this.spec.commandLine(), f + " has no producers and"
                        + " samples_per_sec fields: is it a load --json file?");
                }
                String name = spec.contains("=") ? label(spec) : "sluice";
                series.computeIfAbsent(name, k -> new TreeMap<>())
                    .computeIfAbsent(Integer.parseInt(p.group(1)), k -> new ArrayList<>())
                    .add(Double.parseDouble(r.group(1)));
            }
            for (String b : baselines) {
                int eq = b.indexOf('=');
                if (eq < 1) {
                    throw new CommandLine.ParameterException(this.spec.commandLine(), "--baseline takes LABEL=P:RATE,...");
                }
                TreeMap<Integer, List<Double>> points = new TreeMap<>();
                for (String pt : b.substring(eq + 1).split(",")) {
                    String[] pr = pt.split(":");
                    try {
                        points.put(Integer.parseInt(pr[0].trim()), List.of(Double.parseDouble(pr[1].trim())));
                    } catch (RuntimeException e) {
                        throw new CommandLine.ParameterException(this.spec.commandLine(), "--baseline point '" + pt
                            + "' is not P:RATE");
                    }
                }
                series.put(b.substring(0, eq), points);
            }
            XYChart chart = new XYChartBuilder().width(900).height(520).title(title).xAxisTitle("producer threads")
                .yAxisTitle(unit).build();
            chart.getStyler().setYAxisLogarithmic(true);
            chart.getStyler().setXAxisDecimalPattern("0");
            chart.getStyler().setYAxisDecimalPattern("#,###");
            for (Map.Entry<String, TreeMap<Integer, List<Double>>> e : series.entrySet()) {
                List<Double> xs = new ArrayList<>();
                List<Double> ys = new ArrayList<>();
                for (Map.Entry<Integer, List<Double>> pt : e.getValue().entrySet()) {
                    xs.add((double) pt.getKey());
                    ys.add(pt.getValue().stream().mapToDouble(Double::doubleValue).average().orElse(0));
                }
                chart.addSeries(e.getKey(), xs, ys);
            }
            save(chart, out);
            System.out.println("wrote " + out);
            return 0;
        }
    }
}
