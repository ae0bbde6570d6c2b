package io.sluice.embedding;

import io.sluice.engine.Appender;
import io.sluice.engine.Durability;
import io.sluice.engine.Labels;
import io.sluice.engine.Sluice;
import io.sluice.engine.SluiceConfig;

import java.nio.file.Path;

/** The README's example, as an embedding application runs it: {@code java -cp ... ReadmeExample DIR}. */
public final class ReadmeExample {
    private ReadmeExample() {
    }

    public static void main(String[] args) throws Exception {
        try (Sluice db = Sluice.open(SluiceConfig.builder().dir(Path.of(args[0])).durability(Durability.BATCH)
            .build())) {
            long ref = db.series(Labels.of("__name__", "cpu_seconds", "host", "a"));
            try (Appender app = db.appender()) {
                app.add(ref, 1000, 0.5);
                db.awaitDurable(app.commit());
            }
            db.read(ref, 0, Long.MAX_VALUE, (ts, v) -> System.out.println("sample " + ts + " " + v));
        }
    }
}
