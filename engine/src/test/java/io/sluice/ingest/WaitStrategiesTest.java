package io.sluice.ingest;

import io.sluice.engine.Appender;
import io.sluice.engine.Durability;
import io.sluice.engine.Labels;
import io.sluice.engine.Sluice;
import io.sluice.engine.SluiceConfig;
import io.sluice.engine.WaitStrategyKind;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every wait strategy wakes its handlers: two producers commit in bursts separated by idle gaps
 * long enough for the handlers to reach their blocking phase, and each commit must become durable
 * promptly (a lost wake-up would leave it waiting for the next commit, or forever); every sample is
 * then read back in order. Handlers asleep at close are woken and stopped.
 */
class WaitStrategiesTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(value = WaitStrategyKind.class, names = "BUSY_SPIN", mode = EnumSource.Mode.EXCLUDE)
    void everyCommitIsWokenUpAndDurableAfterIdleGaps(WaitStrategyKind kind) throws Exception {
        int rounds = 40;
        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir.resolve(kind.name())).shards(2)
                .waitStrategy(kind).durability(Durability.BATCH).build())) {
            AtomicReference<Throwable> failure = new AtomicReference<>();
            long[] slowest = new long[2];
            Thread[] producers = new Thread[2];
            for (int p = 0; p < 2; p++) {
                int id = p;
                producers[p] = new Thread(() -> {
                    try (Appender app = db.appender()) {
                        long ref = db.series(Labels.of("__name__", "w", "p", Integer.toString(id)));
                        for (int r = 0; r < rounds; r++) {
                            Thread.sleep(2 + (r % 3)); // idle: past the spin and yield phases (110 us)
                            app.add(ref, r, r * 10 + id);
                            long start = System.nanoTime();
                            db.awaitDurable(app.commit());
                            slowest[id] = Math.max(slowest[id], System.nanoTime() - start);
                        }
                    } catch (Throwable t) {
                        failure.compareAndSet(null, t);
                    }
                }, "producer-" + p);
                producers[p].start();
            }
            for (Thread t : producers) {
                t.join(TimeUnit.SECONDS.toMillis(60));
                assertTrue(!t.isAlive(), kind + ": a producer is stuck waiting for durability");
            }
            assertNull(failure.get(), kind + ": " + failure.get());
            for (int p = 0; p < 2; p++) {
                // Generous for a loaded CI machine; a lost wake-up under BACKOFF would wait forever.
                assertTrue(slowest[p] < TimeUnit.SECONDS.toNanos(5), kind + ": slowest commit " + slowest[p] + " ns");
                long ref = db.find(Labels.of("__name__", "w", "p", Integer.toString(p)));
                StringBuilder want = new StringBuilder();
                StringBuilder got = new StringBuilder();
                for (int r = 0; r < rounds; r++) {
                    want.append(r).append('=').append((double) (r * 10 + p)).append(' ');
                }
                db.read(ref, Long.MIN_VALUE, Long.MAX_VALUE, (t, v) -> got.append(t).append('=').append(v).append(' '));
                assertEquals(want.toString(), got.toString(), kind + ", producer " + p);
            }
            Thread.sleep(5); // the handlers are asleep when close wakes and stops them
        }
    }
}
