package io.sluice.engine;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code golden/v2-many}: a directory the WAL-only build (format version 2, before the head) wrote
 * with {@link #main}: three series, 1,000 samples each, scrape-shaped commits (MIXED records) for the
 * first half and runs (SAMPLES records) for the second, over many 4 KiB segments. The current build
 * must open it and migrate its samples into the head.
 */
final class GoldenDirs {
    static final Labels V2_MANY_SERIES = Labels.of("__name__", "golden", "host", "a");
    static final Labels[] V2_MANY = {V2_MANY_SERIES, Labels.of("__name__", "golden", "host", "b", "city", "Zürich"),
        Labels.of("__name__", "golden", "host", "c")};
    static final int V2_MANY_SAMPLES_PER_SERIES = 1000;
    static final long V2_MANY_SAMPLES = 3L * V2_MANY_SAMPLES_PER_SERIES;

    private GoldenDirs() {
    }

    static double value(int series, long ts) {
        return ts * 1.5 + series;
    }

    /** Writes the directory (run with the version-2 build's classes on the class path). */
    public static void main(String[] args) throws Exception {
        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(Path.of(args[0])).shards(1).segmentSize(4096)
            .eventCapacity(128).build())) {
            long[] refs = new long[V2_MANY.length];
            for (int i = 0; i < refs.length; i++) {
                refs[i] = db.series(V2_MANY[i]);
            }
            Appender app = db.appender();
            for (long ts = 0; ts < V2_MANY_SAMPLES_PER_SERIES / 2; ts++) {
                for (int i = 0; i < refs.length; i++) {
                    app.add(refs[i], ts, value(i, ts));
                }
                if (ts % 8 == 7) {
                    db.awaitDurable(app.commit());
                }
            }
            db.awaitDurable(app.commit());
            for (long ts = V2_MANY_SAMPLES_PER_SERIES / 2; ts < V2_MANY_SAMPLES_PER_SERIES; ts += 50) {
                for (int i = 0; i < refs.length; i++) {
                    for (long t = ts; t < ts + 50; t++) {
                        app.add(refs[i], t, value(i, t));
                    }
                }
                db.awaitDurable(app.commit());
            }
        }
    }

    /** Every sample of the golden directory is there, bit for bit. */
    static void checkV2Many(Sluice db) {
        for (int i = 0; i < V2_MANY.length; i++) {
            long ref = db.find(V2_MANY[i]);
            long[] n = {0};
            final int series = i;
            db.read(ref, Long.MIN_VALUE, V2_MANY_SAMPLES_PER_SERIES - 1, (ts, v) -> {
                assertEquals(n[0], ts);
                assertEquals(value(series, ts), v);
                n[0]++;
            });
            assertEquals(V2_MANY_SAMPLES_PER_SERIES, n[0], "series " + i);
        }
    }
}
