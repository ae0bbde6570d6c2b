package io.sluice.ingest;

import io.sluice.engine.Appender;
import io.sluice.engine.Labels;
import io.sluice.engine.Sluice;
import io.sluice.engine.SluiceConfig;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * The child JVM of {@link CoalescedCrashTest}. Writes and acknowledges 100 samples of series
 * {@code a} and one of {@code b}, then commits {@code b}'s samples 1, 2, 3, ... one per commit
 * without waiting. The first time the shard writer has put a second event into one open COMPACT
 * record, it prints {@code OPEN <entries> <committed samples>} and stops there, before the commit,
 * until the parent kills the process with SIGKILL.
 */
public final class CoalescedCrashChild {
    private CoalescedCrashChild() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).shards(1).build());
        long a = db.series(Labels.of("__name__", "a"));
        long b = db.series(Labels.of("__name__", "b"));
        Appender app = db.appender();
        for (int i = 0; i < 100; i++) {
            app.add(a, 1000 + i, i);
        }
        app.add(b, 0, 0.0);
        db.awaitDurable(app.commit()); // 101 samples acknowledged, both series in the WAL
        System.out.println("ACKED " + db.metrics().samples());
        System.out.flush();
        CountDownLatch never = new CountDownLatch(1);
        ShardHandler.afterCoalesce = entries -> {
            if (entries >= 2) {
                // Counters are published at the end of each batch: these are the samples of every
                // record committed so far; the open record is not among them.
                System.out.println("OPEN " + entries + " " + db.metrics().samples());
                System.out.flush();
                try {
                    never.await(); // the writer stops here, mid-batch, until SIGKILL
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        for (long t = 1; t < 10_000_000; t++) { // until the ring fills behind the stopped writer
            app.add(b, t, t);
            app.commit();
        }
        System.out.println("NEVER");
    }
}
