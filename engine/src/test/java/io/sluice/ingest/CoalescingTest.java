package io.sluice.ingest;

import io.sluice.engine.Appender;
import io.sluice.engine.Labels;
import io.sluice.engine.Sluice;
import io.sluice.engine.SluiceConfig;
import io.sluice.record.CompactRecord;
import io.sluice.record.RecordType;
import io.sluice.testing.Frames;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The small events of one batch share one COMPACT record: with the writer held on its first event
 * while a producer commits 500 single samples (of two series, and with duplicates and out-of-order
 * samples among them), the batch goes on with them once the writer is released (it ends only when a
 * sweep finds nothing) and is written as one frame with every accepted sample, in commit order, and
 * the rejected ones counted; a run of 3 or more samples closes the shared record first.
 */
class CoalescingTest {
    @TempDir
    Path dir;

    @AfterEach
    void clearHook() {
        ShardHandler.afterCoalesce = null;
    }

    @Test
    void theSmallEventsOfABatchBecomeOneCompactRecord() throws Exception {
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        long refA;
        long refB;
        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).shards(1).build())) {
            long a = db.series(Labels.of("s", "a"));
            long b = db.series(Labels.of("s", "b"));
            refA = a;
            refB = b;
            Appender app = db.appender();
            app.add(a, 0, 0);
            app.add(b, 0, 0);
            db.awaitDurable(app.commit()); // both series logged: [SERIES, SERIES, COMPACT(2)]
            ShardHandler.afterCoalesce = entries -> {
                ShardHandler.afterCoalesce = null; // once
                held.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            };
            app.add(a, 1, 1);
            app.commit(); // the writer holds on this event
            assertTrue(held.await(10, TimeUnit.SECONDS));
            long last = -1;
            for (int i = 2; i < 502; i++) {
                long ref = i % 2 == 0 ? a : b;
                long t = i % 50 == 0 ? 1 : i; // every 50th is older than its series' newest: rejected
                app.add(ref, t, i);
                last = app.commit();
            }
            app.add(b, 501, 501); // an exact duplicate of b's newest
            app.commit();
            release.countDown();
            for (int i = 0; i < 3; i++) {
                app.add(a, 1000 + i, i); // a run of 3: a SAMPLES record, after the shared one
            }
            db.awaitDurable(app.commit());
            assertTrue(last > 0);
            assertEquals(2 + 1 + 490 + 3, db.metrics().samples());
            assertEquals(10, db.metrics().outOfOrder());
            assertEquals(1, db.metrics().duplicates());
        }
        List<Byte> types = new ArrayList<>();
        List<Integer> counts = new ArrayList<>();
        int shared = -1;
        for (Path seg : Frames.segments(dir.resolve("shard-000"))) {
            byte[] image = Files.readAllBytes(seg);
            UnsafeBuffer buf = Frames.wrap(image);
            for (Frames.Frame f : Frames.frames(image)) {
                types.add(f.type);
                counts.add(f.type == RecordType.COMPACT ? CompactRecord.count(buf, f.offset + 8) : 0);
                if (f.type == RecordType.COMPACT && CompactRecord.count(buf, f.offset + 8) == 491) {
                    shared = f.bodyLength;
                    long[][] e = Frames.compactEntries(buf, f.offset + 8, f.bodyLength);
                    assertEquals(refA, e[0][0], "the held event's sample first");
                    assertEquals(1, e[1][0]);
                    long previous = 1;
                    for (int k = 1; k < 491; k++) {
                        long t = e[1][k];
                        assertTrue(t > previous, "commit order");
                        assertEquals(Double.doubleToRawLongBits(t), e[2][k]);
                        assertEquals(t % 2 == 0 ? refA : refB, e[0][k]);
                        previous = t;
                    }
                }
            }
        }
        assertEquals(List.of(RecordType.SERIES, RecordType.SERIES, RecordType.COMPACT, RecordType.COMPACT,
            RecordType.SAMPLES), types);
        // The held event and all 501 single-sample commits published while it was held (490 of them
        // accepted) in one frame: the batch goes on while sweeps find events.
        assertEquals(List.of(0, 0, 2, 491, 0), counts);
        // Each entry: a one-byte series delta, a one- or two-byte timestamp delta, the 8-byte value;
        // a MIXED record would take 8 + 24 * 490 = 11,768 bytes.
        assertTrue(shared > 24 + 490 * 10 && shared <= 24 + 491 * 11, "the shared record's body: " + shared + " bytes");
        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).build())) {
            assertEquals(496, db.replayReport().samples());
        }
    }
}
