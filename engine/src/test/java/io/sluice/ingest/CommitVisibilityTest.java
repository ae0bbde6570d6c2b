package io.sluice.ingest;

import io.sluice.engine.Appender;
import io.sluice.engine.Labels;
import io.sluice.engine.Sluice;
import io.sluice.engine.SluiceConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Readers see committed data only: at the moment a record's bytes are written but its frame is
 * not yet committed, no sample of that record is visible, for SAMPLES records and COMPACT records.
 */
class CommitVisibilityTest {
    @TempDir
    Path dir;

    @AfterEach
    void clearHook() {
        ShardHandler.beforeCommit = null;
    }

    private static List<Long> timestamps(Sluice db, long ref) {
        List<Long> ts = new ArrayList<>();
        db.read(ref, Long.MIN_VALUE, Long.MAX_VALUE, (t, v) -> ts.add(t));
        return ts;
    }

    @Test
    void noEntryOfACompactRecordIsVisibleBeforeItsFrameIsCommitted() throws Exception {
        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).shards(1).build())) {
            int series = 50;
            long[] refs = new long[series];
            for (int i = 0; i < series; i++) {
                refs[i] = db.series(Labels.of("__name__", "m", "i", Integer.toString(i)));
            }
            AtomicInteger checks = new AtomicInteger();
            List<String> seen = new ArrayList<>();
            int[] round = {0};
            ShardHandler.beforeCommit = () -> {
                checks.incrementAndGet();
                for (long ref : refs) {
                    List<Long> ts = timestamps(db, ref);
                    if (ts.size() != round[0]) {
                        seen.add("round " + round[0] + ": series " + ref + " shows " + ts);
                    }
                }
            };
            Appender app = db.appender();
            for (int r = 0; r < 5; r++) {
                round[0] = r;
                for (long ref : refs) {
                    app.add(ref, r, r); // one sample of each series: one COMPACT record
                }
                db.awaitDurable(app.commit());
                for (long ref : refs) {
                    assertEquals(r + 1, timestamps(db, ref).size(), "after the commit every entry is visible");
                }
            }
            assertEquals(List.of(), seen);
            assertTrue(checks.get() >= 5, "the hook ran before each commit");
        }
    }

    @Test
    void noSampleOfASamplesRecordIsVisibleBeforeItsFrameIsCommitted() throws Exception {
        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).shards(1).build())) {
            long ref = db.series(Labels.of("__name__", "m"));
            List<String> seen = new ArrayList<>();
            int[] visible = {0};
            ShardHandler.beforeCommit = () -> {
                List<Long> ts = timestamps(db, ref);
                if (ts.size() != visible[0]) {
                    seen.add("expected " + visible[0] + " visible, saw " + ts.size());
                }
            };
            Appender app = db.appender();
            for (int r = 0; r < 5; r++) {
                for (int i = 0; i < 10; i++) {
                    app.add(ref, r * 10L + i, i);
                }
                db.awaitDurable(app.commit());
                visible[0] += 10;
                assertEquals(visible[0], timestamps(db, ref).size());
            }
            assertEquals(List.of(), seen);
        }
    }
}
