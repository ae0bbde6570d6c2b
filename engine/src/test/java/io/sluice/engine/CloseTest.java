package io.sluice.engine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** What a clean close promises: everything committed survives it, whatever the threads' timing. */
class CloseTest {
    @TempDir
    Path tmp;

    /** Keeps the machine's cores busy so that the shard threads start late, as on a loaded host. */
    private static Thread[] busy(AtomicBoolean stop, int n) {
        Thread[] threads = new Thread[n];
        for (int i = 0; i < n; i++) {
            threads[i] = new Thread(() -> {
                long x = 0;
                while (!stop.get()) {
                    x += System.nanoTime() & 7;
                }
                if (x == 42) {
                    System.out.print("");
                }
            }, "busy-" + i);
            threads[i].setDaemon(true);
            threads[i].start();
        }
        return threads;
    }

    @Test
    void aCommittedSampleSurvivesAnImmediateCleanCloseInEveryRound() throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        Thread[] load = busy(stop, Runtime.getRuntime().availableProcessors());
        try {
            for (int round = 0; round < 25; round++) {
                Path dir = tmp.resolve("r" + round);
                int samples = 1 + round % 5;
                Labels labels = Labels.of("__name__", "m", "round", Integer.toString(round));
                try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).build())) {
                    long ref = db.series(labels);
                    try (Appender app = db.appender()) {
                        for (int i = 0; i < samples; i++) {
                            app.add(ref, i, i);
                        }
                        app.commit();
                    }
                }
                try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).build())) {
                    long ref = db.find(labels);
                    assertEquals(samples, ref < 0 ? 0 : db.sampleCount(ref), "round " + round
                        + ": samples committed before close() are there after reopening");
                }
            }
        } finally {
            stop.set(true);
            for (Thread t : load) {
                t.join();
            }
        }
    }
}
