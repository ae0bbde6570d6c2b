package io.sluice.bench;

import io.sluice.engine.Appender;
import io.sluice.engine.Durability;
import io.sluice.engine.Sluice;
import io.sluice.engine.SluiceConfig;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Crash rounds: a child JVM ({@link CrashWriter}) writes into a directory and is killed with SIGKILL
 * at a seeded random moment; the parent then reopens the directory and checks that
 *
 * <ol>
 *   <li>every sample the child acknowledged durable is there, with the right value;</li>
 *   <li>no sample is there that was never written (each series holds exactly timestamps
 *       {@code 0..n-1}, none later than the child's last {@code TRY}, each with the workload's value);</li>
 *   <li>a second reopen gives the same answer;</li>
 *   <li>the store accepts writes again (the parent fills every series up to a common timestamp, so the
 *       next round starts from a known state).</li>
 * </ol>
 *
 * Rounds accumulate in one directory, so later rounds replay the crashes of earlier ones.
 *
 * <p>Threading: one thread runs the rounds; a helper thread per child drains its stderr.
 */
public final class CrashHarness {
    /** Labels per workload series in crash rounds. */
    static final int LABELS = 4;
    /** Window of the launch-relative kills: about a JVM start plus an open on this machine. */
    static final long LAUNCH_KILL_WINDOW_MILLIS = 1500;

    /** Settings of a crash run. */
    public static final class Options {
        Path dir;
        int rounds = 10;
        long seed;
        Durability durability = Durability.BATCH;
        int series = 16;
        int shards = 2;
        long segmentSize = 64 * 1024;
        /** Longest time the child writes before it is killed. */
        long maxKillDelayMillis = 700;

        public Options dir(Path d) {
            this.dir = d;
            return this;
        }

        public Options rounds(int r) {
            this.rounds = r;
            return this;
        }

        public Options seed(long s) {
            this.seed = s;
            return this;
        }

        public Options durability(Durability d) {
            this.durability = d;
            return this;
        }

        public Options series(int n) {
            this.series = n;
            return this;
        }

        public Options maxKillDelayMillis(long ms) {
            this.maxKillDelayMillis = ms;
            return this;
        }
    }

    /** What one round found. */
    public static final class Round {
        /** Blocks after the first reopen, and the highest compaction level among them. */
        public int blocks;
        public int maxLevel;
        public int round;
        public long killDelayMillis;
        public boolean killedBeforeReady;
        public long startTs;
        public long ackedTs = -1;
        public long triedTs = -1;
        /** Samples acknowledged durable in this round. */
        public long acknowledged;
        /** Acknowledged samples missing after reopen. */
        public long lost;
        /** Samples present that were never written, or with a wrong value, or out of place. */
        public long phantom;
        /** Samples present after reopen that had been written but not acknowledged. */
        public long unacknowledgedKept;
        public long truncatedBytes;
        public final List<String> problems = new ArrayList<>();

        public boolean ok() {
            return problems.isEmpty() && lost == 0 && phantom == 0;
        }
    }

    /** Totals over all rounds. */
    public static final class Summary {
        public int rounds;
        public long acknowledged;
        public long lost;
        public long phantom;
        public long unacknowledgedKept;
        public int failedRounds;
        public double seconds;

        public boolean ok() {
            return failedRounds == 0 && lost == 0 && phantom == 0;
        }
    }

    private final Options o;
    private final Workload workload;

    public CrashHarness(Options options) {
        this.o = options;
        this.workload = new Workload(options.series, LABELS);
    }

    /** Runs every round, printing a line per round; stops at the first failed round. */
    public Summary run(PrintStream out) throws Exception {
        Summary s = new Summary();
        long start = System.nanoTime();
        SplittableRandom rnd = new SplittableRandom(o.seed);
        long expectedStart = 0;
        for (int r = 1; r <= o.rounds; r++) {
            Round round = round(r, rnd.nextLong(), rnd, expectedStart);
            expectedStart = round.startTs;
            s.rounds++;
            s.acknowledged += round.acknowledged;
            s.lost += round.lost;
            s.phantom += round.phantom;
            s.unacknowledgedKept += round.unacknowledgedKept;
            out.printf("round %4d: killed %s after %4d ms; acked ts %d, tried ts %d; %s acknowledged, %s kept"
                    + " unacknowledged, lost %d, phantom %d, torn tail %d B; %d block(s), level <= %d%s%n", r,
                round.killedBeforeReady ? "during open" : "writing", round.killDelayMillis, round.ackedTs,
                round.triedTs, Fmt.n(round.acknowledged), Fmt.n(round.unacknowledgedKept), round.lost, round.phantom,
                round.truncatedBytes, round.blocks, round.maxLevel, round.ok() ? "" : "  FAILED: " + String.join("; ", round.problems));
            out.flush();
            if (!round.ok()) {
                s.failedRounds++;
                break;
            }
        }
        s.seconds = (System.nanoTime() - start) / 1e9;
        return s;
    }

    private SluiceConfig config(Durability durability) {
        return config(o.dir, o.shards, o.segmentSize, durability);
    }

    /**
     * The child's and the checker's configuration: small segments and head-chunk files, a WAL
     * truncated after two sealed segments, and a block range of one second of sample time (the
     * workload's timestamps are milliseconds, a few thousand a second), so that a kill often lands
     * while a chunk file is written or rolled, while a truncation writes its checkpoint and deletes
     * segments, and while the compactor writes a block, merges blocks or deletes the merged ones.
     */
    static SluiceConfig config(java.nio.file.Path dir, int shards, long segmentSize, Durability durability) {
        return SluiceConfig.builder().dir(dir).shards(shards).segmentSize(segmentSize).eventCapacity(128)
            .headChunkFileSize(64 * 1024).walTruncateSegments(2).blockRange(BLOCK_RANGE).durability(durability).build();
    }

    /** The crash rounds' block range. */
    static final java.time.Duration BLOCK_RANGE = java.time.Duration.ofSeconds(1);

    /**
     * One round. {@code expected} is the first timestamp the child should write: every series holds
     * exactly {@code 0..expected-1} when the round starts. Sets {@code startTs} to the next round's.
     */
    private Round round(int r, long childSeed, SplittableRandom rnd, long expected) throws Exception {
        Round round = new Round();
        round.round = r;
        // One round in five kills at a random moment from launch, which may fall into JVM start or replay;
        // the others at a random moment after the child is ready, while it writes.
        boolean fromLaunch = rnd.nextInt(5) == 0;
        round.killDelayMillis = rnd.nextLong((fromLaunch ? LAUNCH_KILL_WINDOW_MILLIS : o.maxKillDelayMillis) + 1);
        // The child's stdout goes to a file, read after its death: a pipe read while the process is
        // reaped can fail with "Stream closed" and drop the last lines.
        Path log = o.dir.resolveSibling(o.dir.getFileName() + ".crash-child.out");
        Files.deleteIfExists(log);
        Process child = launch(childSeed, log);
        StreamTail stderr = StreamTail.start(child.getErrorStream());
        long launched = System.nanoTime();
        Killer killer;
        if (fromLaunch) {
            killer = killAfter(child, launched + TimeUnit.MILLISECONDS.toNanos(round.killDelayMillis));
        } else {
            while (child.isAlive() && !Files.readString(log, StandardCharsets.UTF_8).contains("READY ")) {
                TimeUnit.MILLISECONDS.sleep(2);
            }
            killer = child.isAlive()
                ? killAfter(child, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(round.killDelayMillis)) : null;
        }
        if (!child.waitFor(60, TimeUnit.SECONDS)) {
            child.destroyForcibly();
            round.problems.add("child did not die");
        }
        if (killer != null) {
            killer.join();
        }
        stderr.join();
        long acked = expected - 1;
        long tried = expected - 1;
        long ready = -1;
        String text = Files.readString(log, StandardCharsets.UTF_8);
        // A last line without its newline was cut by the kill mid-print: it acknowledges nothing.
        for (String line : text.substring(0, text.lastIndexOf('\n') + 1).split("\n")) {
            if (line.startsWith("READY ")) {
                ready = Long.parseLong(line.substring(6));
            } else if (line.startsWith("TRY ")) {
                tried = Long.parseLong(line.substring(4));
            } else if (line.startsWith("ACK ")) {
                acked = Long.parseLong(line.substring(4));
            }
        }
        Files.deleteIfExists(log);
        if (killer == null || !killer.killed) {
            round.problems.add("child exited by itself with code " + child.exitValue() + ": " + stderr.text());
            round.startTs = expected;
            return round;
        }
        round.killedBeforeReady = ready < 0;
        if (ready >= 0 && ready != expected) {
            round.problems.add("child started at ts " + ready + ", expected " + expected);
        }
        round.ackedTs = acked;
        round.triedTs = tried;
        round.acknowledged = (acked - expected + 1) * o.series;

        long[] counts = check(round, expected, acked, tried, false);
        long[] again = check(round, expected, acked, tried, true);
        if (!Arrays.equals(counts, again)) {
            round.problems.add("the second reopen differs: " + Arrays.toString(counts) + " then "
                + Arrays.toString(again));
        }
        for (long c : counts) {
            round.unacknowledgedKept += Math.max(0, c - (acked + 1));
        }
        round.startTs = fillUp(counts);
        return round;
    }

    /** Reopens, checks every series, and returns each series' sample count. */
    private long[] check(Round round, long expected, long acked, long tried, boolean second) throws IOException {
        long[] counts = new long[o.series];
        try (Sluice db = Sluice.open(config(Durability.NONE))) {
            if (!second) {
                round.truncatedBytes = db.replayReport().truncatedBytes();
                round.blocks = db.blocks().size();
                round.maxLevel = db.blocks().stream().mapToInt(Sluice.BlockInfo::level).max().orElse(0);
            } else if (db.replayReport().truncatedBytes() != 0) {
                round.problems.add("the second reopen cut another " + db.replayReport().truncatedBytes() + " bytes");
            }
            for (int i = 0; i < o.series; i++) {
                long ref = db.find(workload.labelsOf(i));
                if (ref < 0) {
                    if (acked >= 0) {
                        round.lost += acked + 1;
                        round.problems.add("series " + i + " is gone");
                    }
                    continue;
                }
                final int series = i;
                long[] n = {0};
                long[] bad = {0};
                db.read(ref, Long.MIN_VALUE, Long.MAX_VALUE, (ts, v) -> {
                    if (ts != n[0] || ts > tried
                        || Double.doubleToRawLongBits(v) != Double.doubleToRawLongBits(Workload.value(series, ts))) {
                        bad[0]++;
                    }
                    n[0]++;
                });
                counts[i] = n[0];
                if (!second) {
                    round.phantom += bad[0];
                    round.lost += Math.max(0, acked + 1 - n[0]);
                    if (bad[0] > 0) {
                        round.problems.add("series " + i + ": " + bad[0] + " samples out of place, never written,"
                            + " or with a wrong value");
                    }
                    if (n[0] < Math.max(acked + 1, expected)) {
                        round.problems.add("series " + i + " holds " + n[0] + " samples, but " + (acked + 1)
                            + " were acknowledged and " + expected + " were there before the round");
                    }
                }
            }
        }
        return counts;
    }

    /** Writes every series up to one common timestamp past the highest kept, and returns the next. */
    private long fillUp(long[] counts) throws Exception {
        long top = 0;
        for (long c : counts) {
            top = Math.max(top, c);
        }
        try (Sluice db = Sluice.open(config(Durability.BATCH))) {
            Appender app = db.appender();
            for (int i = 0; i < o.series; i++) {
                long ref = db.series(workload.labelsOf(i));
                for (long ts = counts[i]; ts <= top; ts++) {
                    app.add(ref, ts, Workload.value(i, ts));
                }
            }
            app.commitDurable();
        }
        return top + 1;
    }

    private Process launch(long seed, Path stdout) throws IOException {
        String java = ProcessHandle.current().info().command()
            .orElse(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.addAll(JvmFlags.forThisJdk());
        cmd.add("-Xmx256m");
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(CrashWriter.class.getName());
        cmd.add(o.dir.toString());
        cmd.add(o.durability.toString());
        cmd.add(Integer.toString(o.series));
        cmd.add(Integer.toString(o.shards));
        cmd.add(Long.toString(o.segmentSize));
        cmd.add(Long.toString(seed));
        return new ProcessBuilder(cmd).redirectOutput(stdout.toFile()).start();
    }

    private static Killer killAfter(Process child, long atNanos) {
        Killer k = new Killer(child, atNanos);
        k.start();
        return k;
    }

    /** Sends SIGKILL ({@link Process#destroyForcibly()} on Linux) at a given moment. */
    private static final class Killer extends Thread {
        private final Process child;
        private final long atNanos;
        volatile boolean killed;

        Killer(Process child, long atNanos) {
            super("crash-killer");
            setDaemon(true);
            this.child = child;
            this.atNanos = atNanos;
        }

        @Override
        public void run() {
            long wait;
            while ((wait = atNanos - System.nanoTime()) > 0 && child.isAlive()) {
                try {
                    TimeUnit.NANOSECONDS.sleep(Math.min(wait, 10_000_000L));
                } catch (InterruptedException e) {
                    return;
                }
            }
            if (child.isAlive()) {
                killed = true;
                child.destroyForcibly();
            }
        }
    }

    /** Keeps the last lines of a child's stderr for error messages, and keeps the pipe drained. */
    private static final class StreamTail extends Thread {
        private final InputStream in;
        private final Deque<String> tail = new ArrayDeque<>();

        private StreamTail(InputStream in) {
            super("crash-stderr");
            setDaemon(true);
            this.in = in;
        }

        static StreamTail start(InputStream in) {
            StreamTail t = new StreamTail(in);
            t.start();
            return t;
        }

        @Override
        public void run() {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String l;
                while ((l = r.readLine()) != null) {
                    synchronized (tail) {
                        tail.addLast(l);
                        if (tail.size() > 20) {
                            tail.removeFirst();
                        }
                    }
                }
            } catch (IOException ignored) {
                // the child is gone
            }
        }

        String text() {
            synchronized (tail) {
                return String.join(" | ", tail);
            }
        }
    }
}
