package io.sluice.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Bytes of WAL files (segments and checkpoints) on disk under a data directory, by listing it. */
final class WalDisk {
    private WalDisk() {
    }

    static long bytes(Path dir) {
        for (int attempt = 0; attempt < 3; attempt++) {
            long b = tryBytes(dir);
            if (b >= 0) {
                return b;
            }
        }
        return -1;
    }

    /** The total, or -1 if the listing raced a deletion. */
    private static long tryBytes(Path dir) {
        long total = 0;
        try (Stream<Path> walk = Files.walk(dir, 2)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                String name = p.getFileName().toString();
                if (name.endsWith(".wal") || name.endsWith(".ckpt")) {
                    try {
                        total += Files.size(p);
                    } catch (NoSuchFileException gone) {
                        // deleted by retention while we listed
                    }
                }
            }
        } catch (IOException | UncheckedIOException e) {
            return -1;
        }
        return total;
    }
}
