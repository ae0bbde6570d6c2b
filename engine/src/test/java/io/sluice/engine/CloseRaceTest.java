package io.sluice.engine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Per-item commits racing a close: a commit announces itself ({@code RingAppender.publishing}, a
 * volatile store) and checks the engine again before it claims, and close waits for announced
 * publishers before the handlers' last drain. Whatever the timing, a commit that returned is in the
 * store after reopening, and one that threw is not: each producer's stored samples are exactly the
 * ones its returned commits hold.
 */
class CloseRaceTest {
    @TempDir
    Path tmp;

    @Test
    void everyReturnedPerItemCommitIsStoredAndNoThrownOneIs() throws Exception {
        long seed = System.nanoTime();
        System.out.println("CloseRaceTest seed " + seed);
        Random rnd = new Random(seed);
        int producers = 3;
        for (int round = 0; round < 12; round++) {
            Path dir = tmp.resolve("r" + round);
            AtomicLongArray committed = new AtomicLongArray(producers);
            AtomicReference<Throwable> unexpected = new AtomicReference<>();
            Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).shards(2).ringSize(64).build());
            Thread[] threads = new Thread[producers];
            for (int p = 0; p < producers; p++) {
                final int producer = p;
                threads[p] = new Thread(() -> {
                    long ref = db.series(Labels.of("p", Integer.toString(producer)));
                    Appender app = db.appender();
                    long ts = 0;
                    try {
                        while (true) {
                            app.add(ref, ts, ts);
                            app.commit();
                            committed.set(producer, ++ts); // samples 0 to ts - 1 are committed
                        }
                    } catch (IllegalStateException closed) {
                        if (!closed.getMessage().contains("closed")) {
                            unexpected.compareAndSet(null, closed);
                        }
                    } catch (Throwable t) {
                        unexpected.compareAndSet(null, t);
                    }
                }, "race-producer-" + p);
                threads[p].start();
            }
            LockSupport.parkNanos(1_000_000L + rnd.nextInt(20_000_000)); // 1 to 21 ms of commits
            db.close();
            for (Thread t : threads) {
                t.join();
            }
            if (unexpected.get() != null) {
                throw new AssertionError("seed " + seed + ", round " + round, unexpected.get());
            }
            try (Sluice again = Sluice.open(SluiceConfig.builder().dir(dir).shards(2).build())) {
                for (int p = 0; p < producers; p++) {
                    long ref = again.find(Labels.of("p", Integer.toString(p)));
                    long stored = ref < 0 ? 0 : again.sampleCount(ref);
                    assertEquals(committed.get(p), stored, "seed " + seed + ", round " + round + ", producer " + p
                        + ": the samples of the commits that returned, and no other");
                }
            }
        }
    }
}
