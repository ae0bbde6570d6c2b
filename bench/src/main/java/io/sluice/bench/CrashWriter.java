package io.sluice.bench;

import io.sluice.engine.Appender;
import io.sluice.engine.Durability;
import io.sluice.engine.Sluice;
import io.sluice.engine.SluiceConfig;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * The child JVM of a crash round ({@link CrashHarness}): opens the directory (replaying it), then
 * writes the {@link Workload} to every series, one timestamp after another, until it is killed. It
 * tells the parent on stdout, one line each:
 *
 * <ul>
 *   <li>{@code READY <e>}: open, every series has timestamps {@code 0..e-1}; writing starts at {@code e};</li>
 *   <li>{@code TRY <t>}: about to stage timestamps up to {@code t} (so nothing later was ever written);</li>
 *   <li>{@code ACK <t>}: every sample up to {@code t} is acknowledged durable under the durability mode.</li>
 * </ul>
 *
 * Each line is flushed before the next step, so a line the parent reads was printed before the kill.
 *
 * <p>Usage (by the harness only): {@code CrashWriter DIR DURABILITY SERIES SHARDS SEGMENT_SIZE SEED}.
 */
public final class CrashWriter {
    private CrashWriter() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        Durability durability = Durability.parse(args[1]);
        int series = Integer.parseInt(args[2]);
        int shards = Integer.parseInt(args[3]);
        long segmentSize = Long.parseLong(args[4]);
        SplittableRandom rnd = new SplittableRandom(Long.parseLong(args[5]));
        PrintStream out = System.out;
        Workload workload = new Workload(series, CrashHarness.LABELS);
        try (Sluice db = Sluice.open(CrashHarness.config(dir, shards, segmentSize, durability))) {
            long[] refs = new long[series];
            for (int i = 0; i < series; i++) {
                refs[i] = db.series(workload.labelsOf(i));
            }
            long next = db.maxTimestamp() == Long.MIN_VALUE ? 0 : db.maxTimestamp() + 1;
            line(out, "READY " + next);
            Appender app = db.appender();
            while (true) {
                // Runs of 1..32 timestamps per commit; about every other commit waits for durability, so a
                // kill finds committed-but-unacknowledged samples as often as acknowledged ones.
                long hi = next + rnd.nextInt(32);
                line(out, "TRY " + hi);
                for (long ts = next; ts <= hi; ts++) {
                    for (int i = 0; i < series; i++) {
                        app.add(refs[i], ts, Workload.value(i, ts));
                    }
                }
                long seq = app.commit();
                next = hi + 1;
                if (rnd.nextBoolean()) {
                    db.awaitDurable(seq);
                    line(out, "ACK " + hi);
                }
            }
        }
    }

    private static void line(PrintStream out, String s) {
        out.println(s);
        out.flush();
    }
}
