package io.sluice.engine;

import io.sluice.wal.Platform;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Compaction is background work: under the debt it runs on {@code sluice-compactor} at SCHED_IDLE;
 * beyond it {@code sluice-compact-urgent} at normal priority does it; with a debt of 0, one thread
 * at normal priority. Each case checks which thread did the work and at what nice value.
 */
class CompactionPriorityTest {
    @TempDir
    Path tmp;

    /** The nice value of this JVM's thread whose (15-character) name is {@code comm}, or null if none. */
    static Integer niceOf(String comm) throws IOException {
        return statOf(comm, 19);
    }

    /** The scheduling policy of that thread, or null if none. */
    static Integer policyOf(String comm) throws IOException {
        return statOf(comm, 41);
    }

    static Integer statOf(String comm, int field) throws IOException {
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path t : (Iterable<Path>) tasks::iterator) {
                try {
                    if (Files.readString(t.resolve("comm")).strip().equals(comm)) {
                        return ThreadPriority.statField(t.resolve("stat"), field);
                    }
                } catch (IOException gone) {
                    // the thread ended meanwhile
                }
            }
        }
        return null;
    }

    /** Writes 4 h of 10 series and waits for the compactor's own thread(s) to cut the first block. */
    static StorageStats writeAndAwaitBlock(Sluice db) throws Exception {
        CompactionTest.write(db, 10, 0, 4 * 240, Integer.MAX_VALUE);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        List<Sluice.BlockInfo> blocks;
        while ((blocks = db.blocks()).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertFalse(blocks.isEmpty(), "the compactor cut a block by itself");
        StorageStats st = db.storageStats();
        assertTrue(st.compactions() >= 1, "compactions: " + st.compactions());
        return st;
    }

    @Test
    void underTheDebtTheBackgroundThreadCompactsAtIdlePriority() throws Exception {
        assumeTrue(Platform.LINUX, "nice values per thread are Linux's");
        int base = ThreadPriority.currentNice();
        try (Sluice db = Sluice.open(CompactionTest.config(tmp.resolve("d")).build())) {
            StorageStats st = writeAndAwaitBlock(db);
            assertTrue(policyOf("sluice-compacto") == ThreadPriority.SCHED_IDLE || niceOf("sluice-compacto") == 19,
                "the background compactor is SCHED_IDLE or at nice 19");
            assertEquals(ThreadPriority.SCHED_OTHER, policyOf("sluice-compact-"), "the urgent compactor: normal priority");
            assertEquals(base, niceOf("sluice-compact-"));
            assertEquals(0, st.urgentCompactionCpuNanos(), "nothing ran at normal priority");
            assertTrue(st.compactionCpuNanos() > 0);
        }
    }

    @Test
    void overTheDebtTheUrgentThreadCompactsAtNormalPriority() throws Exception {
        assumeTrue(Platform.LINUX, "nice values per thread are Linux's");
        try (Sluice db = Sluice.open(CompactionTest.config(tmp.resolve("d")).compactionDebtBytes(1).build())) {
            StorageStats st = writeAndAwaitBlock(db);
            assertTrue(st.urgentCompactionCpuNanos() > 0, "the urgent thread did the work");
            assertEquals(st.compactionCpuNanos(), st.urgentCompactionCpuNanos(), "all of it");
            CompactionTest.checkContiguous(db, 3, 0, 4 * 240);
        }
    }

    @Test
    void aDebtOfZeroRunsOneThreadAtNormalPriority() throws Exception {
        assumeTrue(Platform.LINUX, "nice values per thread are Linux's");
        int base = ThreadPriority.currentNice();
        try (Sluice db = Sluice.open(CompactionTest.config(tmp.resolve("d")).compactionDebtBytes(0).build())) {
            writeAndAwaitBlock(db);
            assertEquals(base, niceOf("sluice-compacto"));
            assertEquals(ThreadPriority.SCHED_OTHER, policyOf("sluice-compacto"));
            assertEquals(null, niceOf("sluice-compact-"), "no urgent thread");
        }
    }

    @Test
    void aNegativeDebtIsRefused() {
        try {
            SluiceConfig.builder().compactionDebtBytes(-1);
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage().contains("compactionDebtBytes"), e.getMessage());
            return;
        }
        throw new AssertionError("accepted -1");
    }
}
