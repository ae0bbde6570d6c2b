package io.sluice.bench;

import io.questdb.cairo.CairoEngine;
import io.questdb.cairo.DefaultCairoConfiguration;
import io.questdb.cairo.TableToken;
import io.questdb.cairo.TableWriter;
import io.sluice.engine.Appender;
import io.sluice.engine.Labels;
import io.sluice.engine.Sluice;
import io.sluice.engine.SluiceConfig;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.bytes.MappedBytes;
import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.wire.DocumentContext;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code peers}: one workload, written by four stores one after another in this JVM, so their
 * figures share a machine, a JVM and a moment.
 *
 * <p>The workload is the load harness' (series {@code i} has {@link Workload#labelsOf} labels and
 * {@link Workload#value} values) in scrape order: sample {@code k} belongs to series
 * {@code k mod N} at timestamp {@code T0 + k / N} ms, so timestamps never decrease across the
 * whole stream, as a time-ordered store such as QuestDB wants them, and each series' timestamps
 * strictly increase. Every peer gets the same samples and makes them visible every
 * {@code --batch} samples (its own commit), on one producer thread.
 *
 * <ul>
 *   <li>{@code raw}: chronicle-bytes {@link MappedBytes} append of fixed 24-byte records
 *       (series index, timestamp, value), with no framing, checksum, label or commit: the
 *       physical ceiling of one thread writing to a mapped file.</li>
 *   <li>{@code queue}: Chronicle Queue, one excerpt per series definition (index and labels), then
 *       one 24-byte excerpt per sample.</li>
 *   <li>{@code questdb}: QuestDB embedded ({@link CairoEngine}), a non-WAL table with one SYMBOL
 *       column per label, a DOUBLE and a designated timestamp, written through
 *       {@link TableWriter} rows with the label values as symbols, committed every batch.</li>
 *   <li>{@code sluice}: Sluice with the load harness' defaults (durability none), series created
 *       with their labels in the timed region, then {@code add(ref, ts, value)}.</li>
 * </ul>
 *
 * <p>Disk bytes are counted in each store's directory after it closed: for each file, the bytes up
 * to its last non-zero byte (so preallocated or sparse tails do not count), summed.
 */
@Command(name = "peers", mixinStandardHelpOptions = true,
    description = "Run one workload against raw mmap, Chronicle Queue, QuestDB and Sluice; print a table.")
final class PeersCommand implements Callable<Integer> {
    static final List<String> ALL = List.of("raw", "queue", "questdb", "sluice");
    /** 2026-01-01T00:00:00Z in ms: the stream's first timestamp. */
    static final long T0 = 1_767_225_600_000L;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--samples", paramLabel = "N", converter = Converters.CountConverter.class,
        description = "samples each peer writes (default: 10M)")
    long samples = 10_000_000;

    @Option(names = "--series", paramLabel = "N", converter = Converters.CountConverter.class,
        description = "distinct series (default: ${DEFAULT-VALUE})")
    long series = 10_000;

    @Option(names = "--labels", paramLabel = "N", description = "labels per series, 3 to 64 (default: ${DEFAULT-VALUE})")
    int labels = 8;

    @Option(names = "--batch", paramLabel = "N", converter = Converters.CountConverter.class,
        description = "samples per commit, for every peer (default: 10k)")
    long batch = 10_000;

    @Option(names = "--peers", paramLabel = "LIST", split = ",",
        description = "which peers, in order (default: raw,queue,questdb,sluice)")
    List<String> peers = new ArrayList<>(ALL);

    @Option(names = "--runs", paramLabel = "N", description = "measured runs per peer; the median is reported"
        + " (default: ${DEFAULT-VALUE})")
    int runs = 1;

    @Option(names = "--warmup", paramLabel = "N", converter = Converters.CountConverter.class,
        description = "samples of an unmeasured first run per peer, 0 for none (default: 1M)")
    long warmup = 1_000_000;

    @Option(names = "--dir", paramLabel = "PATH", description = "where the peers write (default: a temp directory)")
    Path dir;

    @Option(names = "--keep", description = "keep what the peers wrote")
    boolean keep;

    @Option(names = "--json", paramLabel = "FILE", description = "write the table as JSON")
    Path json;

    /** What one measured run gave. */
    record Result(long samples, long nanos, long usedBytes) {
        double rate() {
            return samples * 1e9 / nanos;
        }
    }

    /** One store under test. */
    interface Peer {
        /** Writes the stream into {@code dir} and returns the timed result (used bytes filled by the caller). */
        Result run(Stream stream, Path dir) throws Exception;
    }

    /** The workload's samples, in scrape order, and each series' labels. */
    static final class Stream {
        final int series;
        final long samples;
        final long batch;
        final Workload workload;
        final Labels[] labels;

        Stream(Workload workload, long samples, long batch) {
            this.series = workload.series();
            this.samples = samples;
            this.batch = batch;
            this.workload = workload;
            this.labels = new Labels[series];
            for (int i = 0; i < series; i++) {
                labels[i] = workload.labelsOf(i);
            }
        }

        Stream withSamples(long n) {
            return new Stream(this, n);
        }

        private Stream(Stream s, long samples) {
            this.series = s.series;
            this.samples = samples;
            this.batch = s.batch;
            this.workload = s.workload;
            this.labels = s.labels;
        }
    }

    @Override
    public Integer call() throws Exception {
        validate();
        PrintStream out = System.out;
        Workload workload = new Workload((int) series, labels);
        Stream stream = new Stream(workload, samples, batch);
        boolean temp = dir == null;
        Path base = temp ? Files.createTempDirectory("sluice-peers-") : dir;
        boolean created = !temp && !Files.exists(base);
        Files.createDirectories(base);
        out.printf("sluice peers: %s samples, %s series x %d labels, commit every %s, %d run(s); %s%n",
            Fmt.n(samples), Fmt.n(series), labels, Fmt.n(batch), runs, MachineInfo.describe());
        Map<String, List<Result>> results = new LinkedHashMap<>();
        try {
            for (String p : peers) {
                results.put(p, new ArrayList<>());
            }
            if (warmup > 0) {
                for (String p : peers) {
                    Path d = base.resolve(p + "-warmup");
                    long n = Math.min(warmup, samples);
                    Result r = peer(p).run(stream.withSamples(n), d);
                    out.printf("  warm-up %-8s %,14.0f samples/s%n", p, r.rate());
                    FileTree.delete(d);
                }
            }
            // Runs interleave the peers, so a slow minute of the machine spreads over all of them.
            for (int run = 1; run <= runs; run++) {
                for (String p : peers) {
                    Path d = base.resolve(p + "-" + run);
                    System.gc();
                    Result r = peer(p).run(stream, d);
                    r = new Result(r.samples, r.nanos, usedBytes(d));
                    results.get(p).add(r);
                    out.printf("  run %d   %-8s %,14.0f samples/s  %6.2f B/sample%n", run, p, r.rate(),
                        (double) r.usedBytes / r.samples);
                    if (!keep) {
                        FileTree.delete(d);
                    }
                }
            }
        } finally {
            if (!keep && (temp || created)) {
                FileTree.delete(base);
            }
        }
        report(out, results);
        return 0;
    }

    private void validate() {
        if (series < 1 || series > Integer.MAX_VALUE) {
            throw bad("--series must be from 1 to " + Fmt.n(Integer.MAX_VALUE) + ", got " + series);
        }
        if (samples < series) {
            throw bad("--samples must be at least --series (" + Fmt.n(series) + "), got " + Fmt.n(samples));
        }
        if (labels < Workload.MIN_LABELS || labels > Labels.MAX_LABELS) {
            throw bad("--labels must be from 3 to 64, got " + labels);
        }
        if (batch < 1 || batch > 100_000_000) {
            throw bad("--batch must be from 1 to 100,000,000, got " + batch);
        }
        if (runs < 1 || runs > 100) {
            throw bad("--runs must be from 1 to 100, got " + runs);
        }
        if (warmup < 0) {
            throw bad("--warmup must not be negative, got " + warmup);
        }
        if (peers.isEmpty()) {
            throw bad("--peers needs at least one of " + String.join(",", ALL));
        }
        for (String p : peers) {
            if (!ALL.contains(p)) {
                throw bad("--peers: unknown peer '" + p + "', expected some of " + String.join(",", ALL));
            }
        }
        if (dir != null && Files.exists(dir) && !Files.isDirectory(dir)) {
            throw bad("--dir " + dir + " is not a directory");
        }
    }

    private CommandLine.ParameterException bad(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    private void report(PrintStream out, Map<String, List<Result>> results) throws IOException {
        Map<String, Result> median = new LinkedHashMap<>();
        results.forEach((p, rs) -> {
            Result[] sorted = rs.toArray(new Result[0]);
            Arrays.sort(sorted, (a, b) -> Double.compare(a.rate(), b.rate()));
            median.put(p, sorted[sorted.length / 2]);
        });
        Result raw = median.get("raw");
        Result sluice = median.get("sluice");
        out.println();
        out.printf("  %-8s %16s %12s %12s %12s%n", "peer", "samples/s", "B/sample", "x raw mmap", "sluice x");
        Json table = new Json();
        for (Map.Entry<String, Result> e : median.entrySet()) {
            Result r = e.getValue();
            double bps = (double) r.usedBytes / r.samples;
            String vsRaw = raw == null ? "-" : String.format(Locale.ROOT, "%.2f", r.rate() / raw.rate());
            String sluiceX = sluice == null ? "-" : String.format(Locale.ROOT, "%.2f", sluice.rate() / r.rate());
            out.printf("  %-8s %,16.0f %12.2f %12s %12s%n", e.getKey(), r.rate(), bps, vsRaw, sluiceX);
            Json row = new Json()
                .put("samples", r.samples)
                .put("seconds", r.nanos / 1e9)
                .put("samples_per_sec", Math.round(r.rate()))
                .put("bytes", r.usedBytes)
                .put("bytes_per_sample", Math.round(bps * 100) / 100.0);
            if (raw != null) {
                row.put("ratio_to_raw", Math.round(r.rate() / raw.rate() * 1000) / 1000.0);
            }
            table.put(e.getKey(), row);
        }
        if (json != null) {
            Json doc = new Json()
                .put("command", "peers")
                .put("samples", samples)
                .put("series", series)
                .put("labels", labels)
                .put("batch", batch)
                .put("runs", runs)
                .put("machine", MachineInfo.json())
                .put("peers", table);
            doc.writeTo(json);
            out.println("  json     " + json);
        }
    }

    static Peer peer(String name) {
        switch (name) {
            case "raw":
                return PeersCommand::raw;
            case "queue":
                return PeersCommand::queue;
            case "questdb":
                return PeersCommand::questdb;
            case "sluice":
                return PeersCommand::sluice;
            default:
                throw new IllegalArgumentException(name);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // The peers. Each loop is the same shape: cycles over the series, ts advancing once per cycle.

    static Result raw(Stream s, Path dir) throws IOException {
        Files.createDirectories(dir);
        long n = s.samples;
        MappedBytes bytes = MappedBytes.mappedBytes(dir.resolve("raw.dat").toFile(), 64L << 20);
        long start = System.nanoTime();
        long end;
        try {
            long k = 0;
            for (long ts = T0; k < n; ts++) {
                for (int i = 0; i < s.series && k < n; i++, k++) {
                    bytes.writeLong(i).writeLong(ts).writeDouble(Workload.value(i, ts));
                }
            }
            end = System.nanoTime();
        } finally {
            bytes.releaseLast();
        }
        return new Result(n, end - start, 0);
    }

    static Result queue(Stream s, Path dir) {
        long n = s.samples;
        long start;
        long end;
        try (ChronicleQueue q = ChronicleQueue.singleBuilder(dir).rollCycle(RollCycles.FAST_DAILY).build();
             ExcerptAppender app = q.createAppender()) {
            start = System.nanoTime();
            for (int i = 0; i < s.series; i++) {
                try (DocumentContext dc = app.writingDocument()) {
                    Bytes<?> b = dc.wire().bytes();
                    Labels l = s.labels[i];
                    b.writeLong(i).writeStopBit(l.size());
                    for (int j = 0; j < l.size(); j++) {
                        b.writeUtf8(l.name(j)).writeUtf8(l.value(j));
                    }
                }
            }
            long k = 0;
            for (long ts = T0; k < n; ts++) {
                for (int i = 0; i < s.series && k < n; i++, k++) {
                    try (DocumentContext dc = app.writingDocument()) {
                        dc.wire().bytes().writeLong(i).writeLong(ts).writeDouble(Workload.value(i, ts));
                    }
                }
            }
            end = System.nanoTime();
        }
        return new Result(n, end - start, 0);
    }

    static Result questdb(Stream s, Path dir) throws Exception {
        Files.createDirectories(dir);
        int lc = s.workload.labels();
        // Column per label: label names of the workload, __name__ as "metric".
        String[] names = new String[lc];
        Labels first = s.labels[0];
        for (int j = 0; j < lc; j++) {
            names[j] = first.name(j).equals("__name__") ? "metric" : first.name(j);
        }
        // Per series, its label values in column order (labels are sorted by name in Labels).
        CharSequence[][] values = new CharSequence[s.series][lc];
        for (int i = 0; i < s.series; i++) {
            for (int j = 0; j < lc; j++) {
                values[i][j] = s.labels[i].value(j);
            }
        }
        int capacity = Integer.highestOneBit(Math.max(256, s.series - 1)) << 1;
        StringBuilder ddl = new StringBuilder("CREATE TABLE samples (");
        for (String name : names) {
            ddl.append('"').append(name).append("\" SYMBOL CAPACITY ").append(capacity).append(", ");
        }
        ddl.append("value DOUBLE, ts TIMESTAMP) TIMESTAMP(ts) PARTITION BY DAY BYPASS WAL");
        long n = s.samples;
        long batch = s.batch;
        long start;
        long end;
        quietQuestDbLog();
        try (CairoEngine engine = new CairoEngine(new DefaultCairoConfiguration(dir.toAbsolutePath().toString()))) {
            engine.execute(ddl);
            TableToken token = engine.getTableTokenIfExists("samples");
            int valueColumn = lc;
            try (TableWriter w = engine.getWriter(token, "sluice peers")) {
                start = System.nanoTime();
                long k = 0;
                long uncommitted = 0;
                for (long ts = T0; k < n; ts++) {
                    long micros = ts * 1000;
                    for (int i = 0; i < s.series && k < n; i++, k++) {
                        TableWriter.Row row = w.newRow(micros);
                        CharSequence[] v = values[i];
                        for (int j = 0; j < lc; j++) {
                            row.putSym(j, v[j]);
                        }
                        row.putDouble(valueColumn, Workload.value(i, ts));
                        row.append();
                        if (++uncommitted == batch) {
                            w.commit();
                            uncommitted = 0;
                        }
                    }
                }
                w.commit();
                end = System.nanoTime();
            }
        }
        return new Result(n, end - start, 0);
    }

    static Result sluice(Stream s, Path dir) throws IOException, InterruptedException {
        long n = s.samples;
        long batch = s.batch;
        long start;
        long end;
        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).build())) {
            start = System.nanoTime();
            long[] refs = new long[s.series];
            for (int i = 0; i < s.series; i++) {
                refs[i] = db.series(s.labels[i]);
            }
            try (Appender app = db.appender()) {
                long k = 0;
                long uncommitted = 0;
                for (long ts = T0; k < n; ts++) {
                    for (int i = 0; i < s.series && k < n; i++, k++) {
                        app.add(refs[i], ts, Workload.value(i, ts));
                        if (++uncommitted == batch) {
                            app.commit();
                            uncommitted = 0;
                        }
                    }
                }
                long last = app.commit();
                db.awaitDurable(last); // durability none: durable = appended to the mapped segment
                end = System.nanoTime();
            }
        }
        return new Result(n, end - start, 0);
    }

    /** QuestDB logs every table event to stdout; the table is what we print, so its log keeps to errors. */
    static void quietQuestDbLog() throws IOException {
        if (System.getProperty("out") == null) {
            Path conf = Files.createTempFile("sluice-questdb-log", ".conf");
            conf.toFile().deleteOnExit();
            Files.writeString(conf, "writers=stdout\nw.stdout.class=io.questdb.log.LogConsoleWriter\n"
                + "w.stdout.level=ERROR\n");
            System.setProperty("out", conf.toString());
        }
    }

    /** Bytes up to the last non-zero byte of every file under {@code dir}, summed. */
    static long usedBytes(Path dir) throws IOException {
        long total = 0;
        List<Path> files;
        try (var walk = Files.walk(dir)) {
            files = walk.filter(Files::isRegularFile).toList();
        }
        ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
        for (Path f : files) {
            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
                long end = ch.size();
                found:
                while (end > 0) {
                    long from = Math.max(0, end - buf.capacity());
                    buf.clear().limit((int) (end - from));
                    while (buf.hasRemaining()) {
                        if (ch.read(buf, from + buf.position()) < 0) {
                            break;
                        }
                    }
                    for (int i = buf.position() - 1; i >= 0; i--) {
                        if (buf.get(i) != 0) {
                            end = from + i + 1;
                            break found;
                        }
                    }
                    end = from;
                }
                total += end;
            }
        }
        return total;
    }
}
