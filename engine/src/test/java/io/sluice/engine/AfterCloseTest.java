package io.sluice.engine;

import io.sluice.testing.FaultyFileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The public API after close is consistent: every method that reads or writes series or samples
 * throws IllegalStateException; the methods that describe the engine keep answering. Staged
 * samples are never dropped silently, and close is serialised.
 */
class AfterCloseTest {
    /** Methods that touch series or samples: they throw once the engine is closed. */
    private static final Set<String> DATA = Set.of("series", "find", "labels", "appender", "read", "forEachSeries",
        "query", "labelNames", "labelValues", "sampleCount", "outOfOrderCount", "duplicateCount", "newestTimestamp",
        "seriesCount",
        "maxTimestamp", "addIntervalListener", "endMetricsInterval", "storageStats", "blocks", "compact");
    /** Methods that describe the engine: they work after close. */
    private static final Set<String> DESCRIBE = Set.of("config", "dir", "shards", "isClosed", "failure",
        "replayReport", "metrics", "isDurable", "awaitDurable", "removeIntervalListener", "close");

    @TempDir
    Path dir;

    private static Object[] arguments(Method m) {
        Object[] args = new Object[m.getParameterCount()];
        Class<?>[] types = m.getParameterTypes();
        for (int i = 0; i < args.length; i++) {
            Class<?> t = types[i];
            if (t == long.class) {
                args[i] = 0L;
            } else if (t == Labels.class) {
                args[i] = Labels.of("a", "1");
            } else if (t == Matcher[].class) {
                args[i] = new Matcher[] {Matcher.eq("a", "1")};
            } else if (t == String.class) {
                args[i] = "a";
            } else if (t == SampleConsumer.class) {
                args[i] = (SampleConsumer) (ts, v) -> { };
            } else if (t == java.util.function.LongConsumer.class) {
                args[i] = (java.util.function.LongConsumer) r -> { };
            } else if (t == io.sluice.metrics.IntervalListener.class) {
                args[i] = (io.sluice.metrics.IntervalListener) in -> { };
            } else {
                throw new AssertionError("no argument for " + t + " of " + m);
            }
        }
        return args;
    }

    @Test
    void everyPublicMethodHasADocumentedBehaviourAfterClose() throws Exception {
        Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).build());
        long ref = db.series(Labels.of("a", "1"));
        try (Appender app = db.appender()) {
            app.add(ref, 1, 1.0);
            db.awaitDurable(app.commit());
        }
        db.close();
        Set<String> unclassified = new TreeSet<>();
        List<String> failures = new ArrayList<>();
        for (Method m : Sluice.class.getDeclaredMethods()) {
            if (!Modifier.isPublic(m.getModifiers()) || Modifier.isStatic(m.getModifiers())) {
                continue;
            }
            String name = m.getName();
            if (!DATA.contains(name) && !DESCRIBE.contains(name)) {
                unclassified.add(name);
                continue;
            }
            try {
                m.invoke(db, arguments(m));
                if (DATA.contains(name)) {
                    failures.add(m + " did not throw after close");
                }
            } catch (InvocationTargetException e) {
                Throwable cause = e.getCause();
                if (DESCRIBE.contains(name)) {
                    failures.add(m + " threw after close: " + cause);
                } else if (!(cause instanceof IllegalStateException) || !cause.getMessage().contains("closed")) {
                    failures.add(m + " threw " + cause + " instead of IllegalStateException(closed)");
                }
            }
        }
        assertEquals(Set.of(), unclassified, "classify every public method of Sluice in this test and in its javadoc");
        assertEquals(List.of(), failures);
        assertEquals(1, db.metrics().samples(), "the final figures");
        assertTrue(db.isClosed());
        assertNull(db.failure());
    }

    @Test
    void anAppenderClosedAfterTheEngineReportsItsUncommittedSamples() throws Exception {
        Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).build());
        long ref = db.series(Labels.of("a", "1"));
        Appender app = db.appender();
        app.add(ref, 1, 1.0);
        app.add(ref, 2, 2.0);
        app.add(ref, 3, 3.0);
        db.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, app::close);
        assertTrue(e.getMessage().contains("3 staged sample(s) were not committed"), e.getMessage());
        app.close(); // idempotent once reported
        assertEquals(0, app.staged());
    }

    @Test
    void anAppenderOfAFailedEngineReportsItsUncommittedSamples() throws Exception {
        FaultyFileSystem fs = new FaultyFileSystem();
        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).fileSystem(fs).durability(Durability.BATCH)
            .build())) {
            long ref = db.series(Labels.of("a", "1"));
            Appender failing = db.appender();
            Appender holding = db.appender();
            holding.add(ref, 100, 1.0);
            fs.failForce = true;
            failing.add(ref, 1, 1.0);
            long seq = failing.commit();
            assertThrows(SluiceFailedException.class, () -> db.awaitDurable(seq));
            SluiceFailedException e = assertThrows(SluiceFailedException.class, holding::close);
            assertTrue(e.getMessage().contains("1 staged sample(s) were not committed"), e.getMessage());
        }
    }

    @Test
    void aSecondCloseWaitsUntilTheFirstHasFinished() throws Exception {
        for (int round = 0; round < 20; round++) {
            Path d = dir.resolve("r" + round);
            FaultyFileSystem fs = new FaultyFileSystem();
            CountDownLatch inForce = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            Sluice db = Sluice.open(SluiceConfig.builder().dir(d).fileSystem(fs).durability(
                Durability.interval(Duration.ofHours(1))).build());
            long ref = db.series(Labels.of("a", "1"));
            Appender app = db.appender();
            app.add(ref, 1, 1.0);
            app.commit();
            Thread[] closer = new Thread[1];
            fs.beforeForce = () -> { // the first close blocks in its final force (not the segment preparer)
                if (Thread.currentThread() != closer[0]) {
                    return;
                }
                inForce.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            };
            AtomicReference<Throwable> firstFailed = new AtomicReference<>();
            Thread first = new Thread(() -> {
                try {
                    db.close();
                } catch (Throwable t) {
                    firstFailed.set(t);
                }
            });
            closer[0] = first;
            first.start();
            assertTrue(inForce.await(10, TimeUnit.SECONDS));
            Thread second = new Thread(() -> {
                try {
                    db.close();
                } catch (Throwable t) {
                    firstFailed.set(t);
                }
            });
            second.start();
            second.join(200);
            assertTrue(second.isAlive(), "round " + round + ": the second close returned while the first was forcing");
            fs.beforeForce = null;
            release.countDown();
            first.join(10_000);
            second.join(10_000);
            assertFalse(first.isAlive() || second.isAlive());
            assertNull(firstFailed.get());
        }
    }

    @Test
    void awaitDurableReturnsNormallyWhenTheCloseItSpansMakesTheSequenceDurable() throws Exception {
        for (int round = 0; round < 20; round++) {
            Path d = dir.resolve("r" + round);
            Sluice db = Sluice.open(SluiceConfig.builder().dir(d).durability(Durability.interval(Duration.ofHours(1)))
                .build());
            long ref = db.series(Labels.of("a", "1"));
            Appender app = db.appender();
            app.add(ref, 1, 1.0);
            long seq = app.commit();
            AtomicReference<Throwable> result = new AtomicReference<>();
            CountDownLatch done = new CountDownLatch(1);
            Thread waiter = new Thread(() -> {
                try {
                    db.awaitDurable(seq);
                } catch (Throwable t) {
                    result.set(t);
                } finally {
                    done.countDown();
                }
            });
            waiter.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (waiter.getState() != Thread.State.TIMED_WAITING && waiter.getState() != Thread.State.WAITING
                && System.nanoTime() < deadline) {
                Thread.onSpinWait(); // until the waiter is parked in awaitDurable
            }
            db.close();
            assertTrue(done.await(10, TimeUnit.SECONDS));
            assertNull(result.get(), "round " + round + ": " + result.get());
            assertTrue(db.isDurable(seq));
        }
    }

    @Test
    void awaitDurableReturnsForASequenceThatWasDurableBeforeALaterFailure() throws Exception {
        FaultyFileSystem fs = new FaultyFileSystem();
        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).fileSystem(fs).durability(Durability.BATCH)
            .build())) {
            long ref = db.series(Labels.of("a", "1"));
            Appender app = db.appender();
            app.add(ref, 1, 1.0);
            long early = app.commit();
            db.awaitDurable(early);
            fs.failForce = true;
            app.add(ref, 2, 2.0);
            long late = app.commit();
            assertThrows(SluiceFailedException.class, () -> db.awaitDurable(late));
            assertTrue(db.isDurable(early));
            db.awaitDurable(early); // durable before the failure: no exception
        }
    }
}
