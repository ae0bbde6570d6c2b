package io.sluice.bench.jmh;

import io.sluice.engine.Durability;
import io.sluice.engine.Sluice;
import io.sluice.engine.SluiceConfig;
import io.sluice.engine.WaitStrategyKind;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An engine in a fresh temp directory, shared by all benchmark threads of one iteration, plus a
 * counter that hands each producer thread its own index (and so its own slice of series).
 */
final class EngineFixture {
    private final Path dir;
    final Sluice db;
    private final AtomicInteger producers = new AtomicInteger();

    EngineFixture(int shards, String durability, String waitStrategy) throws IOException {
        dir = Files.createTempDirectory("sluice-jmh-");
        db = Sluice.open(SluiceConfig.builder().dir(dir).shards(shards).durability(Durability.parse(durability))
            .waitStrategy(WaitStrategyKind.valueOf(waitStrategy)).build());
    }

    int nextProducer() {
        return producers.getAndIncrement();
    }

    void close() throws IOException {
        db.close();
        JmhFiles.delete(dir);
    }
}
