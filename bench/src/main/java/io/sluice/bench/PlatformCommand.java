package io.sluice.bench;

import org.HdrHistogram.Histogram;
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
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code platform}: what the machine itself does to a latency-sensitive thread, with no Sluice code
 * involved, so engine latencies can be read against the floor they stand on.
 *
 * <ul>
 *   <li><b>hiccups</b> (after jHiccup): one thread spins on {@link System#nanoTime()} for the whole
 *       run; every gap between two consecutive readings longer than 1 µs is time the thread did not
 *       run (descheduled, interrupted, a safepoint). Reported: the gap distribution and the share of
 *       time lost in gaps of 20 µs or more.</li>
 *   <li><b>wake-ups</b>: a thread parked in {@link LockSupport#park()} is unparked by another at
 *       random 20-200 µs intervals, and measures from the unpark to when it runs: the price a
 *       blocking or phased-backoff wait strategy pays per wake-up.</li>
 *   <li><b>fdatasync</b>: in {@code --dir} (by default the temporary directory, where {@code load}
 *       puts its data unless told otherwise), a 16 MiB file is written with zeros and forced; then
 *       4 KiB blocks are written through it in turn, each followed by {@code fdatasync}
 *       ({@link FileChannel#force(boolean) force(false)}), as PostgreSQL's {@code pg_test_fsync}
 *       measures a WAL flush. The floor under any durable latency: a group commit waits for at
 *       least one of these.</li>
 *   <li><b>handoffs</b>: two spinning threads pass a counter back and forth through two volatile
 *       longs on cache lines of their own, and the round trip is timed over each 1,000 passes: two
 *       cache-line transfers between the cores the threads run on. Per-item commits pass their ring's
 *       lines the same way (the producer writes a slot, the handler reads it; the engine packs two
 *       slots to a line), so this sizes the machine's bound under {@code load --batch 1}. On a VM it
 *       moves with where the host runs the vCPUs (docs/benchmarks.md, "Batch and per-item
 *       commits").</li>
 * </ul>
 */
@Command(name = "platform", mixinStandardHelpOptions = true,
    description = "Measure this machine's scheduling hiccups, thread wake-up latency, fdatasync latency and"
        + " cache-line handoffs between two threads (no Sluice code).")
final class PlatformCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--duration", paramLabel = "D", converter = Converters.DurationConverter.class,
        description = "length of each of the four measurements (default: 10s)")
    Duration duration = Duration.ofSeconds(10);

    @Option(names = "--json", paramLabel = "FILE", description = "write the results as JSON")
    Path json;

    @Option(names = "--dir", paramLabel = "PATH", description = "where to measure fdatasync (default: the"
        + " temporary directory, where load puts its data by default)")
    Path dir;

    private volatile long unparkedAt;
    private volatile boolean stop;

    @Override
    public Integer call() throws Exception {
        if (duration.isNegative() || duration.isZero() || duration.compareTo(Duration.ofHours(1)) > 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--duration must be from 1ms to 1h, got "
                + duration);
        }
        PrintStream out = System.out;
        out.printf("sluice platform: %s each; %s%n", duration, MachineInfo.describe());
        long nanos = duration.toNanos();

        Histogram gaps = new Histogram(3_600_000_000_000L, 3);
        long lost20 = hiccups(nanos, gaps);
        double lostShare = (double) lost20 / nanos;
        out.printf("  hiccups   gaps > 1 us: %,d   >= 20 us: %,d   >= 200 us: %,d   time lost in gaps >= 20 us: %.2f%%%n",
            gaps.getTotalCount(), gaps.getCountBetweenValues(20_000, gaps.getMaxValue()),
            gaps.getCountBetweenValues(200_000, gaps.getMaxValue()), 100 * lostShare);
        out.printf("            gap (us): p50 %s  p99 %s  p99.9 %s  max %s%n", Fmt.us(gaps.getValueAtPercentile(50)),
            Fmt.us(gaps.getValueAtPercentile(99)), Fmt.us(gaps.getValueAtPercentile(99.9)), Fmt.us(gaps.getMaxValue()));

        Histogram wake = new Histogram(3_600_000_000_000L, 3);
        wakeups(nanos, wake);
        out.printf("  wake-ups  %,d unpark-to-running (us): p50 %s  p99 %s  p99.9 %s  max %s%n", wake.getTotalCount(),
            Fmt.us(wake.getValueAtPercentile(50)), Fmt.us(wake.getValueAtPercentile(99)),
            Fmt.us(wake.getValueAtPercentile(99.9)), Fmt.us(wake.getMaxValue()));
        Histogram sync = new Histogram(3_600_000_000_000L, 3);
        Path syncDir = dir != null ? dir : Path.of(System.getProperty("java.io.tmpdir"));
        if (!Files.isDirectory(syncDir)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--dir " + syncDir + " is not a directory");
        }
        fdatasyncs(nanos, syncDir, sync);
        out.printf("  fdatasync %,d of 4 KiB in %s (us): p50 %s  p99 %s  p99.9 %s  max %s%n", sync.getTotalCount(),
            syncDir, Fmt.us(sync.getValueAtPercentile(50)), Fmt.us(sync.getValueAtPercentile(99)),
            Fmt.us(sync.getValueAtPercentile(99.9)), Fmt.us(sync.getMaxValue()));
        Histogram handoff = new Histogram(3_600_000_000_000L, 3);
        handoffs(nanos, handoff);
        out.printf("  handoffs  %,d x %,d cache-line round trips between two spinning threads (ns): p50 %,d  p99 %,d"
                + "  max %,d%n", handoff.getTotalCount(), HANDOFF_BATCH, handoff.getValueAtPercentile(50),
            handoff.getValueAtPercentile(99), handoff.getMaxValue());
        if (json != null) {
            new Json()
                .put("command", "platform")
                .put("seconds", nanos / 1e9)
                .put("machine", MachineInfo.json())
                .put("hiccups", new Json()
                    .put("gaps_over_1us", gaps.getTotalCount())
                    .put("gaps_over_20us", gaps.getCountBetweenValues(20_000, gaps.getMaxValue()))
                    .put("gaps_over_200us", gaps.getCountBetweenValues(200_000, gaps.getMaxValue()))
                    .put("lost_share_in_gaps_over_20us", Math.round(lostShare * 1e5) / 1e5)
                    .put("gap_p99_us", Fmt.usValue(gaps.getValueAtPercentile(99)))
                    .put("gap_p999_us", Fmt.usValue(gaps.getValueAtPercentile(99.9)))
                    .put("gap_max_us", Fmt.usValue(gaps.getMaxValue())))
                .put("wakeups", new Json()
                    .put("count", wake.getTotalCount())
                    .put("p50_us", Fmt.usValue(wake.getValueAtPercentile(50)))
                    .put("p99_us", Fmt.usValue(wake.getValueAtPercentile(99)))
                    .put("p999_us", Fmt.usValue(wake.getValueAtPercentile(99.9)))
                    .put("max_us", Fmt.usValue(wake.getMaxValue())))
                .put("fdatasync", new Json()
                    .put("dir", syncDir.toString())
                    .put("count", sync.getTotalCount())
                    .put("bytes", SYNC_BLOCK)
                    .put("p50_us", Fmt.usValue(sync.getValueAtPercentile(50)))
                    .put("p99_us", Fmt.usValue(sync.getValueAtPercentile(99)))
                    .put("p999_us", Fmt.usValue(sync.getValueAtPercentile(99.9)))
                    .put("max_us", Fmt.usValue(sync.getMaxValue())))
                .put("handoffs", new Json()
                    .put("batches", handoff.getTotalCount())
                    .put("round_trips_per_batch", HANDOFF_BATCH)
                    .put("round_trip_p50_ns", handoff.getValueAtPercentile(50))
                    .put("round_trip_p99_ns", handoff.getValueAtPercentile(99))
                    .put("round_trip_max_ns", handoff.getMaxValue()))
                .writeTo(json);
            out.println("  json      " + json);
        }
        return 0;
    }

    /** Spins for {@code nanos}; records gaps over 1 µs; returns the nanoseconds lost in gaps of 20 µs or more. */
    static long hiccups(long nanos, Histogram gaps) {
        long start = System.nanoTime();
        long end = start + nanos;
        long prev = start;
        long lost = 0;
        while (true) {
            long now = System.nanoTime();
            long gap = now - prev;
            if (gap > 1_000) {
                gaps.recordValue(gap);
                if (gap >= 20_000) {
                    lost += gap;
                }
            }
            prev = now;
            if (now >= end) {
                return lost;
            }
        }
    }

    static final int SYNC_BLOCK = 4096;
    static final int SYNC_FILE = 16 << 20;

    /** 4 KiB writes, each followed by fdatasync, cycling through a zero-filled, forced 16 MiB file. */
    static void fdatasyncs(long nanos, Path dir, Histogram sync) throws IOException {
        Path file = Files.createTempFile(dir, "sluice-platform-", ".fdatasync");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            io.sluice.wal.ZeroFill.write(ch, SYNC_FILE);
            ch.force(true);
            ByteBuffer block = ByteBuffer.allocateDirect(SYNC_BLOCK);
            long end = System.nanoTime() + nanos;
            long pos = 0;
            long value = 0;
            while (System.nanoTime() < end) {
                block.clear();
                while (block.hasRemaining()) {
                    block.putLong(++value);
                }
                block.flip();
                long t0 = System.nanoTime();
                while (block.hasRemaining()) {
                    ch.write(block, pos + block.position());
                }
                ch.force(false);
                sync.recordValue(System.nanoTime() - t0);
                pos = (pos + SYNC_BLOCK) % SYNC_FILE;
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }

    static final int HANDOFF_BATCH = 1_000;
    /** Where the two handoff counters sit in their array: 128 bytes apart, and 56 or more from either end. */
    private static final int PING = 8;
    private static final int PONG = 24;

    /**
     * Passes a counter to an echoing thread and back for {@code nanos}; records the mean round trip
     * of each {@link #HANDOFF_BATCH} passes. If the two threads share a CPU, a round trip waits for
     * the other thread's turn: the batch shows it.
     */
    static void handoffs(long nanos, Histogram roundTrips) throws InterruptedException {
        java.util.concurrent.atomic.AtomicLongArray cells = new java.util.concurrent.atomic.AtomicLongArray(PONG + 8);
        Thread echo = new Thread(() -> {
            long seen = 0;
            while (true) {
                long v;
                while ((v = cells.get(PING)) == seen) {
                    Thread.onSpinWait();
                }
                if (v < 0) {
                    return;
                }
                seen = v;
                cells.set(PONG, v);
            }
        }, "platform-echo");
        echo.start();
        long end = System.nanoTime() + nanos;
        long v = 0;
        while (System.nanoTime() < end) {
            long t0 = System.nanoTime();
            for (int i = 0; i < HANDOFF_BATCH; i++) {
                cells.set(PING, ++v);
                while (cells.get(PONG) != v) {
                    Thread.onSpinWait();
                }
            }
            roundTrips.recordValue((System.nanoTime() - t0) / HANDOFF_BATCH);
        }
        cells.set(PING, -1);
        echo.join();
    }

    void wakeups(long nanos, Histogram wake) throws InterruptedException {
        stop = false;
        Thread sleeper = new Thread(() -> {
            long seen = 0;
            while (!stop) {
                LockSupport.park();
                long now = System.nanoTime();
                long at = unparkedAt;
                if (at != seen && at != 0) {
                    wake.recordValue(Math.max(0, now - at));
                    seen = at;
                }
            }
        }, "platform-sleeper");
        sleeper.start();
        long end = System.nanoTime() + nanos;
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        while (System.nanoTime() < end) {
            long until = System.nanoTime() + rnd.nextLong(20_000, 200_000);
            while (System.nanoTime() < until) {
                Thread.onSpinWait();
            }
            unparkedAt = System.nanoTime();
            LockSupport.unpark(sleeper);
        }
        stop = true;
        LockSupport.unpark(sleeper);
        sleeper.join();
    }
}
