package io.sluice.bench;

import io.sluice.engine.Appender;
import io.sluice.engine.Sluice;
import io.sluice.engine.SluiceConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CLI contract of docs and DESIGN.md: flags, exit codes, one-line errors, JSON fields. */
class CliTest {
    @TempDir
    Path tmp;

    /** Result of one in-process run. */
    record Run(int code, String out, String err) {
    }

    static synchronized Run run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = SluiceBench.execute(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    private static void assertUsageError(Run r, String message) {
        assertEquals(SluiceBench.EXIT_USAGE, r.code, r.err);
        String first = r.err.lines().findFirst().orElse("");
        assertTrue(first.startsWith("error: ") && first.contains(message), "first line: " + first);
        assertTrue(r.err.contains("Usage:"), "usage follows the error");
        assertFalse(r.err.contains("\tat ") || r.err.contains("Exception"), "no stack trace: " + r.err);
    }

    @Test
    void badFlagsGiveOneLineAndTheUsageWithExitCodeOne() {
        assertUsageError(run("load", "--producers", "0"), "--producers must be from 1 to 1024, got 0");
        assertUsageError(run("load", "--producers", "zero"), "'zero' is not an int");
        assertUsageError(run("load", "--batch", "-1"), "--batch must be from 1 to 1,000,000, got -1");
        assertUsageError(run("load", "--bogus"), "Unknown option: '--bogus'");
        assertUsageError(run("load", "--duration", "10"), "unit");
        assertUsageError(run("load", "--durability", "sometimes"), "none, batch or interval");
        assertUsageError(run("load", "--shards", "3"), "--shards must be a power of two");
        assertUsageError(run("load", "--labels", "2"), "--labels must be from 3 to 64");
        assertUsageError(run("load", "--samples", "10", "--duration", "1s"), "not both");
        assertUsageError(run("load", "--series", "1", "--producers", "2"), "at least --producers");
        assertUsageError(run("verify"), "Missing required option: '--dir=PATH'");
        assertUsageError(run("verify", "--dir", tmp.resolve("nope").toString()), "is not a directory");
        assertUsageError(run("frobnicate"), "Unmatched argument");
        assertUsageError(run("load", "--step", "0ms"), "--step must be at least 1ms, got 0ms");
        assertUsageError(run("load", "--step", "1500us"), "--step must be a whole number of milliseconds");
        assertUsageError(run("load", "--step", "15"), "unit");
        assertUsageError(run("load", "--step", "9999999999999999h"), "too large");
        assertUsageError(run("load", "--values", "sinus"), "unknown value scheme 'sinus': use sawtooth or mixed");
        assertUsageError(run("load", "--wait-strategy", "sometimes"), "expected one of [BACKOFF, BACKOFF_PARK, BLOCKING");
        assertUsageError(run("load", "--compaction-debt", "-1"), "--compaction-debt must be >= 0");
        assertUsageError(run("load", "--segment-size", "64MB"), "is not a size in bytes");
        // 10 series x 100 samples each, 10^11 hours apart: the last timestamp would not fit in a long.
        assertUsageError(run("load", "--step", "100000000000h", "--samples", "1000", "--series", "10"),
            "--step 100000000000h: sample timestamps would overflow a long");
    }

    @Test
    void loadThenVerifyAgreesOnEverySample() throws IOException {
        Path dir = tmp.resolve("data");
        Path loadJson = tmp.resolve("load.json");
        Run load = run("load", "--samples", "300000", "--series", "1000", "--producers", "2", "--dir", dir.toString(),
            "--keep", "--json", loadJson.toString(), "--quiet");
        assertEquals(0, load.code, load.err + load.out);
        String j = Files.readString(loadJson);
        for (String field : List.of("samples", "seconds", "samples_per_sec", "series", "producers", "shards",
            "durability", "rejected", "durable_samples", "latency_us", "p50", "p99", "p999", "max", "wal_bytes",
            "heap_bytes", "max_heap_bytes", "values", "step_ms")) {
            assertTrue(j.contains("\"" + field + "\""), "load JSON has " + field + ": " + j);
        }
        assertTrue(j.contains("\"samples\": 300000"), j);
        assertTrue(j.contains("\"durable_samples\": 300000"), j);
        assertTrue(j.contains("\"rejected\": 0"), j);
        assertTrue(jsonLong(j, "heap_bytes") > 0, j);
        assertTrue(j.contains("\"values\": \"sawtooth\"") && jsonLong(j, "step_ms") == 1, j);
        assertTrue(load.out.contains("samples/s"), load.out);

        Path verifyJson = tmp.resolve("verify.json");
        Run verify = run("verify", "--dir", dir.toString(), "--json", verifyJson.toString());
        assertEquals(0, verify.code, verify.err + verify.out);
        String v = Files.readString(verifyJson);
        for (String field : List.of("series", "samples", "bad_samples", "replay_seconds", "wal_bytes",
            "truncated_bytes")) {
            assertTrue(v.contains("\"" + field + "\""), "verify JSON has " + field + ": " + v);
        }
        assertTrue(v.contains("\"samples\": 300000"), v);
        assertTrue(v.contains("\"series\": 1000"), v);
        assertTrue(v.contains("\"bad_samples\": 0"), v);

        // A second load continues after the newest samples, so nothing is rejected as out of order.
        Run more = run("load", "--samples", "100000", "--series", "1000", "--dir", dir.toString(), "--keep", "--quiet");
        assertEquals(0, more.code, more.err);
        assertTrue(more.out.contains("replayed 300,000 samples"), more.out);
        Run verify2 = run("verify", "--dir", dir.toString());
        assertEquals(0, verify2.code, verify2.out);
        assertTrue(verify2.out.contains("400,000"), verify2.out);
    }

    @Test
    void loadWithBatchDurabilityEndsWithEverySampleDurable() throws IOException {
        Path json = tmp.resolve("batch.json");
        // Enum values in any case: --wait-strategy blocking is BLOCKING.
        Run r = run("load", "--samples", "200000", "--durability", "batch", "--json", json.toString(), "--quiet",
            "--wait-strategy", "blocking");
        assertEquals(0, r.code, r.err);
        String j = Files.readString(json);
        assertTrue(j.contains("\"samples\": 200000") && j.contains("\"durable_samples\": 200000"), j);
        assertTrue(j.contains("\"durability\": \"batch\""), j);
        assertTrue(j.contains("\"floor_latency_us\": null"), "no floor without --rate: " + j);
    }

    @Test
    void perItemCommitsComeWithTheThroughputFloorOfTheBareRing() throws IOException {
        Path json = tmp.resolve("items.json");
        Run r = run("load", "--batch", "1", "--samples", "300000", "--json", json.toString());
        assertEquals(0, r.code, r.err);
        assertTrue(r.out.contains("floor samples/s") && r.out.contains("one event per commit"), r.out);
        String j = Files.readString(json);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"floor_samples_per_sec\": (\\d+)").matcher(j);
        assertTrue(m.find() && Long.parseLong(m.group(1)) > 0, j);

        Path json100 = tmp.resolve("batches.json");
        Run r100 = run("load", "--samples", "300000", "--json", json100.toString(), "--quiet");
        assertEquals(0, r100.code, r100.err);
        assertTrue(Files.readString(json100).contains("\"floor_samples_per_sec\": null"), "no floor at --batch 100");
    }

    @Test
    void byteSizesAreBinaryAndCountsDecimal() {
        Converters.ByteSizeConverter bytes = new Converters.ByteSizeConverter();
        assertEquals(67_108_864L, bytes.convert("64M"), "64M is the default segment size, 64 MiB");
        assertEquals(67_108_864L, bytes.convert("64MiB"));
        assertEquals(65_536L, bytes.convert("64k"));
        assertEquals(1L << 30, bytes.convert("1GiB"));
        assertEquals(4096L, bytes.convert("4_096"));
        Converters.CountConverter counts = new Converters.CountConverter();
        assertEquals(64_000_000L, counts.convert("64M"), "a count of samples stays decimal");
    }

    @Test
    void ringsCheckerCatchesLostDoubledAndReorderedItems() {
        RingsCommand.Checker c = new RingsCommand.Checker(2);
        c.item(0, 0, 0);
        c.item(1, 0, 1);
        c.item(0, 1, 31);
        assertEquals(0, c.errors);
        c.item(0, 3, 93); // item 2 of producer 0 lost
        c.item(1, 0, 1);  // producer 1's item 0 again
        c.item(1, 1, 99); // a torn item: the value does not match
        assertEquals(3, c.errors);
    }

    @Test
    void ringsMeasuresEveryShapeAndChecksEveryItem() throws IOException {
        Path json = tmp.resolve("rings.json");
        Run r = run("rings", "--producers", "1,3", "--duration", "200ms", "--warmup", "100ms", "--json", json.toString());
        assertEquals(0, r.code, r.err + r.out);
        String j = Files.readString(json);
        for (String shape : RingsCommand.SHAPES) {
            for (int p : new int[] {1, 3}) {
                assertTrue(r.out.lines().anyMatch(l -> l.matches("  " + shape + " +producers +" + p + " .*items/s.*")),
                    shape + " x " + p + ": " + r.out);
            }
        }
        assertEquals(2 * RingsCommand.SHAPES.size(), j.split("\"errors\": 0").length - 1,
            "every run, no item lost, doubled or reordered: " + j);
        assertFalse(r.out.contains("ERRORS"), r.out);
        assertUsageError(run("rings", "--shapes", "mp-backoff,ring-of-fire"), "unknown shape 'ring-of-fire'");
        assertUsageError(run("rings", "--producers", "0"), "--producers must be from 1 to 64");
    }

    @Test
    void mappedFloorWritesBesideTheDataAndRemovesItsFile() throws IOException {
        Path data = tmp.resolve("mapped-floor/data");
        Path json = tmp.resolve("mapped-floor.json");
        Run r = run("load", "--samples", "100000", "--rate", "200k", "--floor", "mapped", "--dir", data.toString(),
            "--json", json.toString());
        assertEquals(0, r.code, r.err);
        assertTrue(r.out.contains("pre-touched mapped file of") && r.out.contains("mmap-writing handler"), r.out);
        String j = Files.readString(json);
        assertTrue(j.contains("\"floor_kind\": \"mapped\"") && j.contains("\"floor_latency_us\": {"), j);
        try (var files = Files.list(data.getParent())) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().startsWith(".sluice-floor-")),
                "the floor's file is gone after the run");
        }
        assertUsageError(run("load", "--samples", "1000", "--rate", "1000", "--floor", "disk"), "--floor");
    }

    @Test
    void mappedFloorHandlerWritesEverySampleThroughTheMapping() throws Exception {
        try (FloorRing ring = new FloorRing(1024, 100, io.sluice.engine.WaitStrategyKind.BLOCKING,
                FloorRing.Kind.MAPPED, tmp, 10_000)) {
            assertEquals(12_288, Files.size(ring.mappedFile()), "rounded up to whole pages");
            try (io.sluice.engine.Appender a = ring.appender()) {
                for (int i = 0; i < 500; i++) { // 12,000 bytes: fills the file, then wraps
                    a.add(i % 7, 1000L + i, i * 0.5);
                    if (i % 50 == 49) {
                        a.commit();
                    }
                }
            }
            assertEquals(500, ring.stop().getTotalCount());
            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(Files.readAllBytes(ring.mappedFile()))
                .order(java.nio.ByteOrder.nativeOrder());
            int wrapped = 12_288 / 24; // 512 records fit: no wrap for 500
            assertTrue(wrapped >= 500);
            for (int i = 0; i < 500; i++) {
                assertEquals(1000L + i, b.getLong(24 * i), "timestamp of sample " + i);
                assertEquals(Double.doubleToRawLongBits(i * 0.5), b.getLong(24 * i + 8), "value of sample " + i);
                assertEquals(i % 7, b.getLong(24 * i + 16), "ref of sample " + i);
            }
        }
        try (var files = Files.list(tmp)) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().startsWith(".sluice-floor-")),
                "close deletes the mapped file");
        }
    }

    @Test
    void openLoopRateWritesAnIntervalLogCoveringEverySample() throws IOException {
        Path hlog = tmp.resolve("run.hlog");
        Path json = tmp.resolve("rate.json");
        long start = System.nanoTime();
        Run r = run("load", "--samples", "200000", "--rate", "200k", "--hlog", hlog.toString(), "--json",
            json.toString());
        double seconds = (System.nanoTime() - start) / 1e9;
        assertEquals(0, r.code, r.err);
        assertTrue(seconds >= 0.9, "200k samples offered at 200k/s take about a second, took " + seconds);
        assertTrue(r.out.contains("offered 200,000 samples/s"), r.out);
        assertTrue(r.out.lines().anyMatch(l -> l.startsWith("[") && l.matches(".*  heap=[0-9.]+ (B|KiB|MiB|GiB).*")),
            "the progress lines show the heap after the last GC: " + r.out);
        assertTrue(r.out.contains("heap after last GC"), r.out);
        long total = 0;
        try (var in = Files.newInputStream(hlog)) {
            org.HdrHistogram.HistogramLogReader reader = new org.HdrHistogram.HistogramLogReader(in);
            org.HdrHistogram.EncodableHistogram h;
            while ((h = reader.nextIntervalHistogram()) != null) {
                total += ((org.HdrHistogram.Histogram) h).getTotalCount();
            }
        }
        assertEquals(200_000, total, "the interval log holds one latency value per sample");
        assertTrue(Files.readString(json).contains("\"offered_rate\": 200000"));
        // The floor run comes first: the same ring and pacing with a heap-writing handler.
        assertTrue(r.out.contains("  floor (the same ring and pacing") && r.out.contains("floor latency (us)"), r.out);
        String j = Files.readString(json);
        int f = j.indexOf("\"floor_latency_us\": {");
        assertTrue(f >= 0 && j.indexOf("\"p999\"", f) > f && j.indexOf("\"max\"", f) > f, j);

        Path png = tmp.resolve("charts/latency.png");
        Run plot = run("plot", "latency", "--hlog", hlog + "=200k", "--out", png.toString());
        assertEquals(0, plot.code, plot.err);
        assertPng(png);
        Path tp = tmp.resolve("charts/throughput.png");
        Run plot2 = run("plot", "throughput", "--json", json.toString(), "--baseline", "seed=1:64000,2:32000",
            "--out", tp.toString());
        assertEquals(0, plot2.code, plot2.err);
        assertPng(tp);
        assertUsageError(run("plot", "latency", "--hlog", tmp.resolve("none.hlog").toString(), "--out",
            png.toString()), "is not a file");
        assertUsageError(run("plot", "throughput", "--json", json.toString(), "--baseline", "seed=1-64000",
            "--out", tp.toString()), "is not P:RATE");
    }

    @Test
    void peersWriteTheSameWorkloadAndReportEachAgainstRawMmap() throws IOException {
        Path json = tmp.resolve("peers.json");
        Path dir = tmp.resolve("peers");
        Run r = run("peers", "--samples", "20000", "--series", "100", "--labels", "4", "--batch", "1000",
            "--warmup", "0", "--dir", dir.toString(), "--keep", "--json", json.toString());
        assertEquals(0, r.code, r.err);
        for (String peer : PeersCommand.ALL) {
            assertTrue(r.out.lines().anyMatch(l -> l.trim().startsWith(peer + " ")), "a row for " + peer + ":\n" + r.out);
        }
        String j = Files.readString(json);
        // raw writes 24-byte records and nothing else; every peer wrote every sample.
        assertTrue(j.contains("\"bytes\": 480000,"), j);
        assertEquals(4, j.split("\"samples\": 20000,", -1).length - 2, j);
        assertTrue(j.matches("(?s).*\"ratio_to_raw\": 1(\\.0)?\\s.*"), j);
        // Sluice's directory replays to exactly what the peer wrote.
        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir.resolve("sluice-1")).build())) {
            assertEquals(100, db.seriesCount());
            long[] total = {0};
            db.forEachSeries(ref -> total[0] += db.sampleCount(ref));
            assertEquals(20_000, total[0]);
        }
        assertUsageError(run("peers", "--peers", "raw,bogus"), "unknown peer 'bogus'");
        assertUsageError(run("peers", "--samples", "10", "--series", "100"), "--samples must be at least --series");
    }

    @Test
    void platformMeasuresHiccupsWakeUpsFdatasyncAndHandoffs() throws IOException {
        Path json = tmp.resolve("platform.json");
        Path syncDir = Files.createDirectory(tmp.resolve("sync"));
        Run r = run("platform", "--duration", "300ms", "--json", json.toString(), "--dir", syncDir.toString());
        assertEquals(0, r.code, r.err);
        String j = Files.readString(json);
        String sync = j.substring(j.indexOf("\"fdatasync\""));
        assertTrue(number(sync, "count") > 0, sync);
        assertEquals(4096, number(sync, "bytes"), sync);
        assertTrue(number(sync, "p50_us") <= number(sync, "p99_us") && number(sync, "p99_us") <= number(sync, "max_us"), sync);
        assertTrue(number(sync, "p50_us") > 0, "an fdatasync takes time: " + sync);
        try (var left = Files.list(syncDir)) {
            assertEquals(0, left.count(), "the test file is deleted");
        }
        assertTrue(r.out.contains("fdatasync"), r.out);
        assertUsageError(run("platform", "--duration", "10ms", "--dir", tmp.resolve("missing").toString()),
            "is not a directory");
        // Some wake-ups happen however loaded the machine is, and their percentiles are ordered.
        assertTrue(number(j, "count") > 0, j);
        assertTrue(number(j, "p50_us") <= number(j, "p99_us") && number(j, "p99_us") <= number(j, "max_us"), j);
        assertTrue(number(j, "gaps_over_20us") <= number(j, "gaps_over_1us"), j);
        String handoffs = j.substring(j.indexOf("\"handoffs\""));
        assertTrue(number(handoffs, "batches") > 0, handoffs);
        assertEquals(1000, number(handoffs, "round_trips_per_batch"), handoffs);
        assertTrue(number(handoffs, "round_trip_p50_ns") > 0 && number(handoffs, "round_trip_p50_ns")
            <= number(handoffs, "round_trip_p99_ns") && number(handoffs, "round_trip_p99_ns")
            <= number(handoffs, "round_trip_max_ns"), "a round trip takes time, percentiles ordered: " + handoffs);
        assertTrue(r.out.contains("handoffs"), r.out);
        assertUsageError(run("platform", "--duration", "0s"), "--duration must be from 1ms to 1h");
    }

    private static double number(String json, String field) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"" + field + "\": ([0-9.]+)").matcher(json);
        assertTrue(m.find(), field + " in " + json);
        return Double.parseDouble(m.group(1));
    }

    private static void assertPng(Path png) throws IOException {
        byte[] head = new byte[8];
        try (var in = Files.newInputStream(png)) {
            assertEquals(8, in.read(head));
        }
        assertEquals(0x89, head[0] & 0xFF, "PNG signature");
        assertEquals("PNG", new String(head, 1, 3, StandardCharsets.US_ASCII));
        assertTrue(Files.size(png) > 5_000, "a chart with axes and a series, not an empty image: " + Files.size(png));
    }

    @Test
    void theTempDirectoryIsDeletedUnlessKept() throws IOException {
        Path dir = tmp.resolve("fresh");
        Run r = run("load", "--samples", "1000", "--dir", dir.toString(), "--quiet");
        assertEquals(0, r.code, r.err);
        assertFalse(Files.exists(dir), "a directory load created is deleted without --keep");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("mine.txt"), "user data");
        Run r2 = run("load", "--samples", "1000", "--dir", dir.toString(), "--quiet");
        assertEquals(0, r2.code, r2.err);
        assertTrue(Files.exists(dir.resolve("mine.txt")), "a directory that existed before is never deleted");
    }

    @Test
    void verifyReportsCorruptionWithShardSegmentAndOffsetAndExitCodeTwo() throws IOException {
        Path dir = tmp.resolve("data");
        assertEquals(0, run("load", "--samples", "50000", "--series", "100", "--dir", dir.toString(), "--keep",
            "--quiet").code);
        Path segment;
        try (Stream<Path> s = Files.list(dir.resolve("shard-000"))) {
            segment = s.filter(p -> p.toString().endsWith(".wal")).sorted().collect(Collectors.toList()).get(0);
        }
        long offset = 64 + 8 + 5_000; // inside an early record, far from the tail
        try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, offset);
            b.put(0, (byte) (b.get(0) ^ 0x10)).rewind();
            ch.write(b, offset);
        }
        Run r = run("verify", "--dir", dir.toString());
        assertEquals(SluiceBench.EXIT_CORRUPT, r.code, r.out + r.err);
        assertTrue(r.err.contains("shard 0") && r.err.contains(segment.getFileName().toString())
            && r.err.contains("byte offset"), r.err);

        Run repaired = run("verify", "--dir", dir.toString(), "--repair");
        assertEquals(0, repaired.code, repaired.out + repaired.err);
        assertTrue(repaired.out.contains("repaired shard 0"), repaired.out);
        assertTrue(repaired.out.contains("dropped records") && repaired.out.contains("dropped bytes"), repaired.out);
        Run after = run("verify", "--dir", dir.toString());
        assertEquals(0, after.code, after.out + after.err);
    }

    @Test
    void loadWithRetentionKeepsTheWalBoundedAndVerifyReplaysTheRest() throws IOException {
        Path dir = tmp.resolve("data");
        Path csv = tmp.resolve("wal.csv");
        Path json = tmp.resolve("load.json");
        // 10 series x 100 samples per commit: 300 rounds, 30 s of sample time; keep the last 5 s. Small
        // segments and head-chunk files, so that truncation and retention act on a small run.
        Run load = run("load", "--samples", "300000", "--series", "10", "--segment-size", "65536",
            "--head-chunk-file-size", "65536", "--retention", "5s",
            "--wal-bytes-log", csv.toString(), "--json", json.toString(), "--dir", dir.toString(), "--keep", "--quiet");
        assertEquals(0, load.code, load.err + load.out);
        assertTrue(load.out.contains("WAL on disk") && load.out.contains("(retention 5.0 s)"), load.out);
        assertTrue(Files.readString(csv).startsWith("seconds,wal_disk_bytes,samples"), Files.readString(csv));
        String j = Files.readString(json);
        assertTrue(j.contains("\"retention_seconds\": 5"), j);
        // wal_disk_bytes is exactly what the WAL files left on disk add up to.
        long onDisk;
        try (Stream<Path> files = Files.walk(dir)) {
            onDisk = files.filter(p -> p.toString().endsWith(".wal") || p.toString().endsWith(".ckpt"))
                .mapToLong(p -> p.toFile().length()).sum();
        }
        assertEquals(onDisk, jsonLong(j, "wal_disk_bytes"), j);
        assertTrue(jsonLong(j, "max_wal_disk_bytes") >= onDisk, j);
        // Retention deleted whole head-chunk files: the chunk log no longer starts at position 0.
        try (Stream<Path> files = Files.list(dir.resolve("shard-000").resolve("head"))) {
            List<String> names = files.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
            assertFalse(names.get(0).startsWith("00000000000000000000"), "old head-chunk files were deleted: " + names);
        }
        String[] lines = Files.readString(csv).strip().split("\n");
        assertTrue(lines.length >= 2, "a line per second and the last: " + lines.length);
        Run verify = run("verify", "--dir", dir.toString());
        assertEquals(0, verify.code, verify.out + verify.err);
        assertTrue(verify.out.contains("OK: every sample matches"), verify.out);
        assertFalse(verify.out.contains("samples            300,000"), "old samples were deleted: " + verify.out);
        assertUsageError(run("load", "--retention", "-5s"), "--retention");
    }

    @Test
    void verifyCatchesAValueThatDoesNotMatchTheWorkload() throws Exception {
        Path dir = tmp.resolve("data");
        assertEquals(0, run("load", "--samples", "10000", "--series", "10", "--dir", dir.toString(), "--keep",
            "--quiet").code);
        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).build())) {
            Workload w = new Workload(10, 8);
            long ref = db.find(w.labelsOf(3));
            Appender app = db.appender();
            long ts = db.maxTimestamp() + 10;
            app.add(ref, ts, Workload.value(3, ts) + 1); // one wrong value
            db.awaitDurable(app.commit());
        }
        Run r = run("verify", "--dir", dir.toString());
        assertEquals(SluiceBench.EXIT_CORRUPT, r.code, r.out);
        assertTrue(r.out.contains("bad samples        1"), r.out);
    }

    /** Every sample of series {@code i}'s in {@code dir}, read back through the engine: {ts, value bits} pairs. */
    private static long[][] samplesOf(Path dir, int series, long i) throws IOException {
        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).build())) {
            long ref = db.find(new Workload(series, 8).labelsOf(i));
            java.util.List<long[]> all = new java.util.ArrayList<>();
            db.read(ref, Long.MIN_VALUE, Long.MAX_VALUE, (ts, v) -> all.add(new long[] {ts, Double.doubleToRawLongBits(v)}));
            return all.toArray(new long[0][]);
        }
    }

    @Test
    void aStepOf15sSpacesEachSeriesSamples15000MsApartAndVerifies() throws Exception {
        Path dir = tmp.resolve("data");
        Path json = tmp.resolve("load.json");
        // 10 series x 100 samples per commit: each series gets 300 samples.
        Run load = run("load", "--samples", "3000", "--series", "10", "--step", "15s", "--dir", dir.toString(), "--keep",
            "--json", json.toString(), "--quiet");
        assertEquals(0, load.code, load.err + load.out);
        assertTrue(load.out.contains("samples: sawtooth values, step 15s, from " + LoadCommand.EPOCH_MILLIS), load.out);
        assertEquals(15_000, jsonLong(Files.readString(json), "step_ms"));
        long[][] s = samplesOf(dir, 10, 3);
        assertEquals(300, s.length);
        assertEquals(LoadCommand.EPOCH_MILLIS, s[0][0], "a fresh directory starts at the origin");
        for (int k = 1; k < s.length; k++) {
            assertEquals(15_000, s[k][0] - s[k - 1][0], "sample " + k);
        }
        Run verify = run("verify", "--dir", dir.toString());
        assertEquals(0, verify.code, verify.out + verify.err);
        assertTrue(verify.out.contains("workload           sawtooth values, step 15s"), verify.out);

        // A later run keeps the directory's step (here without --step) and continues one step after the newest sample.
        Run more = run("load", "--samples", "1000", "--series", "10", "--dir", dir.toString(), "--keep", "--quiet");
        assertEquals(0, more.code, more.err + more.out);
        long[][] after = samplesOf(dir, 10, 3);
        assertEquals(400, after.length);
        for (int k = 1; k < after.length; k++) {
            assertEquals(15_000, after[k][0] - after[k - 1][0], "sample " + k);
        }
        assertEquals(0, run("verify", "--dir", dir.toString()).code);
        assertUsageError(run("load", "--samples", "1000", "--series", "10", "--step", "1ms", "--dir", dir.toString()),
            "--step 1ms does not match the sawtooth values, step 15s of");
        assertUsageError(run("load", "--samples", "1000", "--series", "10", "--values", "mixed", "--dir",
            dir.toString()), "--values mixed does not match");
    }

    @Test
    void mixedValuesVerifyAndATamperedOrOffGridSampleIsCaught() throws Exception {
        Path dir = tmp.resolve("data");
        Run load = run("load", "--samples", "20000", "--series", "20", "--values", "mixed", "--step", "10ms", "--dir",
            dir.toString(), "--keep", "--quiet");
        assertEquals(0, load.code, load.err + load.out);
        // Each series' values are the documented formula of its step index: a counter (3) and a gauge (7).
        for (long i : new long[] {3, 7, 9}) {
            long[][] s = samplesOf(dir, 20, i);
            assertEquals(1_000, s.length);
            for (int k = 0; k < s.length; k++) {
                assertEquals(LoadCommand.EPOCH_MILLIS + 10L * k, s[k][0]);
                assertEquals(Double.doubleToRawLongBits(Workload.mixed(i, k)), s[k][1], "series " + i + " k " + k);
            }
        }
        Run verify = run("verify", "--dir", dir.toString());
        assertEquals(0, verify.code, verify.out + verify.err);
        assertTrue(verify.out.contains("workload           mixed values, step 10ms"), verify.out);
        assertTrue(verify.out.contains("OK: every sample matches the workload"), verify.out);

        // A second run continues the counters: one step after the newest, same formula.
        assertEquals(0, run("load", "--samples", "2000", "--series", "20", "--dir", dir.toString(), "--keep",
            "--quiet").code);
        assertEquals(0, run("verify", "--dir", dir.toString()).code);

        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).build())) {
            Workload w = new Workload(20, 8);
            Appender app = db.appender();
            long next = db.maxTimestamp() + 10; // on the grid, one step after the newest sample
            long k = (next - LoadCommand.EPOCH_MILLIS) / 10;
            app.add(db.find(w.labelsOf(3)), next, Workload.mixed(3, k) + 1); // a wrong value
            app.add(db.find(w.labelsOf(7)), next + 5, Workload.mixed(7, k)); // off the grid
            db.awaitDurable(app.commit());
        }
        Run bad = run("verify", "--dir", dir.toString());
        assertEquals(SluiceBench.EXIT_CORRUPT, bad.code, bad.out);
        assertTrue(bad.out.contains("bad samples        2"), bad.out);
        assertTrue(bad.out.contains("is off the grid"), bad.out);
    }

    /** The JSON number after {@code "field": }, or fails. */
    private static long jsonLong(String json, String field) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"" + field + "\": (-?\\d+)").matcher(json);
        assertTrue(m.find(), field + " in " + json);
        return Long.parseLong(m.group(1));
    }

    /** Series of a Workload(series, 8) that satisfy every matcher: the expected answer, by brute force. */
    private static long schemeCount(int series, io.sluice.engine.Matcher... ms) {
        Workload w = new Workload(series, 8);
        long n = 0;
        for (int i = 0; i < series; i++) {
            io.sluice.engine.Labels l = w.labelsOf(i);
            boolean all = true;
            for (io.sluice.engine.Matcher m : ms) {
                all &= m.matches(l);
            }
            n += all ? 1 : 0;
        }
        return n;
    }

    @Test
    void inspectCountsWhatTheLabelSchemeImplies() throws IOException {
        Path dir = tmp.resolve("data");
        int series = 2000;
        int perSeries = 200; // --samples is a multiple of series x batch: every series gets the same count
        Run load = run("load", "--samples", Integer.toString(series * perSeries), "--series", Integer.toString(series),
            "--batch", "100", "--dir", dir.toString(), "--keep", "--quiet");
        assertEquals(0, load.code, load.err + load.out);
        long t0 = LoadCommand.EPOCH_MILLIS;

        Path all = tmp.resolve("all.json");
        Run summary = run("inspect", "--dir", dir.toString(), "--json", all.toString());
        assertEquals(0, summary.code, summary.err);
        String j = Files.readString(all);
        assertEquals(series, jsonLong(j, "series"));
        assertEquals((long) series * perSeries, jsonLong(j, "samples"));
        assertEquals(t0, jsonLong(j, "min_time"));
        assertEquals(t0 + perSeries - 1, jsonLong(j, "max_time"));
        assertEquals(series, jsonLong(j, "matched_series"));
        // Storage: the head holds the samples (all of them until blocks exist); the WAL is on disk.
        long headSamples = jsonLong(j, "head_samples");
        assertTrue(headSamples > 0 && headSamples <= (long) series * perSeries, j);
        assertTrue(jsonLong(j, "head_chunks") >= 0 && jsonLong(j, "head_chunk_bytes") >= 0, j);
        assertTrue(jsonLong(j, "head_chunks") > 0 || jsonLong(j, "head_chunk_bytes") == 0, "no chunks, no bytes: " + j);
        assertTrue(jsonLong(j, "wal_bytes") > 0, j);
        assertTrue(summary.out.matches("(?s).*\n  storage +head [0-9,]+ samples in [0-9,]+ chunks \\(.*\\), WAL .*"),
            summary.out);
        assertTrue(summary.out.contains("label names by value cardinality (top 8 of 8)"), summary.out);
        assertTrue(summary.out.matches("(?s).*instance\\s+2,000.*host\\s+1,000.*__name__\\s+100.*"), summary.out);

        String[] selectors = {"{__name__=\"metric_7\"}", "{host=~\"host_1.*\", __name__!=\"metric_0\"}",
            "metric_7{l4!=\"v3\"}", "{l5=~'v1|v2', instance=~\"i1.*\"}"};
        for (String selector : selectors) {
            Path f = tmp.resolve("match.json");
            Run r = run("inspect", "--dir", dir.toString(), "--match", selector, "--json", f.toString());
            assertEquals(0, r.code, r.err);
            String m = Files.readString(f);
            long expected = schemeCount(series, io.sluice.engine.Selector.parse(selector));
            assertTrue(expected > 0, selector);
            assertEquals(expected, jsonLong(m, "matched_series"), selector);
            assertEquals(expected * perSeries, jsonLong(m, "matched_samples"), selector);
        }
        assertEquals(series / 100, schemeCount(series, io.sluice.engine.Matcher.eq("__name__", "metric_7")));
        // host=~"host_1.*": i mod 1000 is 1, 10-19 or 100-199 (111 hosts); minus the metric_0 ones (i mod 100 == 0: host_100).
        assertEquals(2 * (111 - 1), schemeCount(series, io.sluice.engine.Selector.parse(selectors[1])));

        Path ranged = tmp.resolve("ranged.json");
        Run r = run("inspect", "--dir", dir.toString(), "--match", "metric_7", "--from", Long.toString(t0 + 50),
            "--to", Long.toString(t0 + 59), "--dump", "1", "--json", ranged.toString());
        assertEquals(0, r.code, r.err);
        String rj = Files.readString(ranged);
        assertEquals(series / 100, jsonLong(rj, "matched_series"));
        assertEquals(series / 100 * 10, jsonLong(rj, "matched_samples"));
        assertEquals(t0 + 50, jsonLong(rj, "min_time"));
        assertTrue(r.out.contains("\n    " + (t0 + 55) + " "), "--dump prints samples: " + r.out);
        assertEquals(1, r.out.split("\n    " + (t0 + 55) + " ", -1).length - 1, "--dump 1: one series' samples");

        Run bad = run("inspect", "--dir", dir.toString(), "--match", "{host=~\"a\" b}");
        assertUsageError(bad, "bad selector at position 11 (0-based): expected ',' or '}'");
        assertUsageError(run("inspect", "--dir", dir.toString(), "--match", "{host=~\".*\"}"), "at least one matcher");
        assertUsageError(run("inspect", "--dir", dir.toString(), "--from", "5", "--to", "4"), "is after --to");
        assertUsageError(run("inspect", "--dir", tmp.resolve("none").toString()), "is not a Sluice data directory");
    }
}
