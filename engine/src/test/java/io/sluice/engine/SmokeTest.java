package io.sluice.engine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SmokeTest {
    @TempDir
    Path dir;

    @Test
    void writeCloseReopenRead() throws Exception {
        long ref;
        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).shards(2).build())) {
            ref = db.series(Labels.of("__name__", "cpu", "host", "a"));
            Appender app = db.appender();
            for (int i = 0; i < 1000; i++) {
                app.add(ref, i, i * 0.5);
            }
            db.awaitDurable(app.commit());
            assertEquals(1000, db.metrics().samples());
        }
        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(dir).build())) {
            assertEquals(2, db.shards());
            assertEquals(1000, db.replayReport().samples());
            long[] n = {0};
            db.read(ref, Long.MIN_VALUE, Long.MAX_VALUE, (t, v) -> {
                assertEquals(n[0] * 0.5, v);
                assertEquals(n[0], t);
                n[0]++;
            });
            assertEquals(1000, n[0]);
        }
    }
}
