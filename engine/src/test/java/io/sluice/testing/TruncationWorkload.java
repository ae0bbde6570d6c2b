package io.sluice.testing;

import io.sluice.engine.Appender;
import io.sluice.engine.Labels;
import io.sluice.engine.Sluice;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The workload of the WAL truncation tests: series b gets 10 samples and then none (an open chunk
 * that every checkpoint carries), series a gets {@link #TOTAL} samples, 100 per commit, each
 * committed durably; {@link #checkAll} finds every one of them.
 */
public final class TruncationWorkload {
    public static final Labels A = Labels.of("__name__", "a");
    public static final Labels B = Labels.of("__name__", "b");
    public static final int TOTAL = 60_000;

    private TruncationWorkload() {
    }

    /** b gets 10 samples and then none; a gets TOTAL samples, 100 per commit. */
    public static void write(Sluice db) throws InterruptedException {
        Appender app = db.appender();
        long b = db.series(B);
        for (long ts = 0; ts < 10; ts++) {
            app.add(b, ts, -ts);
        }
        db.awaitDurable(app.commit());
        long a = db.series(A);
        for (long ts = 0; ts < TOTAL; ts++) {
            app.add(a, ts, 2.0 * ts);
            if (ts % 100 == 99) {
                db.awaitDurable(app.commit());
            }
        }
        db.awaitDurable(app.commit());
    }

    public static void checkAll(Sluice db) {
        long[] n = {0};
        db.read(db.find(A), Long.MIN_VALUE, Long.MAX_VALUE, (ts, v) -> {
            assertEquals(n[0], ts, "a is contiguous");
            assertEquals(2.0 * ts, v);
            n[0]++;
        });
        assertEquals(TOTAL, n[0], "every sample of a");
        assertEquals(TOTAL, db.sampleCount(db.find(A)));
        long[] m = {0};
        db.read(db.find(B), Long.MIN_VALUE, Long.MAX_VALUE, (ts, v) -> {
            assertEquals(m[0], ts);
            assertEquals(-ts, v);
            m[0]++;
        });
        assertEquals(10, m[0], "b's open chunk survives every truncation");
    }
}
