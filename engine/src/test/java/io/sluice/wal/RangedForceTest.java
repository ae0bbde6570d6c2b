package io.sluice.wal;

import com.sun.jna.Function;
import com.sun.jna.Memory;
import net.openhft.posix.PosixAPI;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link MappedWalFileSystem#forceRange} on the real file system: the range's pages become clean
 * (written back) and the file's other dirty pages stay dirty in the page cache. The page cache's
 * dirty count is read with Linux's {@code cachestat(2)} (6.5 and later); elsewhere the test is
 * skipped, with the reason printed.
 */
class RangedForceTest {
    private static final int SYSCALL_CACHESTAT = 451; // x86-64 and arm64 alike (the unified table)
    private static final long PAGE = 4096;

    @TempDir
    Path dir;

    /** Dirty pages of {@code file} in {@code [from, from + length)}, or -1 where cachestat is missing. */
    private static long dirtyPages(Path file, long from, long length) {
        PosixAPI posix = PosixAPI.posix();
        int fd = posix.open(file.toString(), 0, 0);
        assertTrue(fd >= 0, "open " + file);
        try {
            Memory range = new Memory(16);
            Memory stat = new Memory(40);
            range.setLong(0, from);
            range.setLong(8, length);
            long rc = Function.getFunction("c", "syscall")
                .invokeLong(new Object[] {(long) SYSCALL_CACHESTAT, fd, range, stat, 0});
            return rc == 0 ? stat.getLong(8) : -1; // struct cachestat: nr_cache, nr_dirty, ...
        } finally {
            posix.close(fd);
        }
    }

    /**
     * A file of {@code pages} pages, zero-filled, mapped and forced (asserted clean), then every page
     * dirtied through the mapping (asserted dirty). Skips, with a printed line, where cachestat(2)
     * cannot count dirty pages. The caller closes the mapping.
     */
    private static SegmentMapping dirtyEveryPage(Path file, long pages, byte fill) throws IOException {
        MappedWalFileSystem fs = MappedWalFileSystem.INSTANCE;
        long size = pages * PAGE;
        fs.preallocateWritten(file, size);
        SegmentMapping m = fs.map(file, size);
        try {
            fs.force(m);
            long dirtyAfterCreate = dirtyPages(file, 0, size);
            if (dirtyAfterCreate < 0) {
                System.out.println("SKIPPED RangedForceTest: cachestat(2) is not available on this kernel ("
                    + System.getProperty("os.version") + "), so dirty pages cannot be counted");
            }
            assumeTrue(dirtyAfterCreate >= 0, "cachestat(2) needs Linux 6.5 or later");
            assertEquals(0, dirtyAfterCreate, "clean after a whole-file force");
            for (long p = 0; p < size; p += PAGE) {
                m.buffer().putByte((int) p, fill);
            }
            assertEquals(pages, dirtyPages(file, 0, size), "every page dirtied through the mapping");
            return m;
        } catch (IOException | RuntimeException | Error e) {
            m.close();
            throw e;
        }
    }

    @Test
    void forcesTheRangeAndLeavesTheRestOfTheFileDirty() throws IOException {
        assumeTrue(Platform.LINUX, "ranged forces use msync as Linux implements it");
        Path file = dir.resolve("f");
        long pages = 1024; // 4 MiB: the page cache may hold it in large folios (64 KiB here), written whole
        long size = pages * PAGE;
        try (SegmentMapping m = dirtyEveryPage(file, pages, (byte) 7)) {
            MappedWalFileSystem.INSTANCE.forceRange(m, 0, SegmentDescriptor.HEADER_LENGTH);
            assertEquals(0, dirtyPages(file, 0, PAGE), "the header's page is written back");
            long left = dirtyPages(file, 0, size);
            assertTrue(left >= pages - 512, "at most the header's folio is written, not the file: " + left
                + " of " + pages + " pages still dirty");

            MappedWalFileSystem.INSTANCE.forceRange(m, 700 * PAGE + 100, 701 * PAGE);
            assertEquals(0, dirtyPages(file, 700 * PAGE, PAGE), "a range that starts inside a page covers it");
            assertTrue(dirtyPages(file, 0, size) < left);
            assertTrue(dirtyPages(file, 0, size) > 0);

            MappedWalFileSystem.INSTANCE.force(m);
            assertEquals(0, dirtyPages(file, 0, size));
        }
        byte[] back = Files.readAllBytes(file);
        assertEquals(7, back[(int) (1023 * PAGE)]);
    }

    /**
     * {@link MappedWalFileSystem#writeBack} starts writeback of just its range (the range's pages
     * leave the dirty state at once, the rest stay dirty), through the mapping's own descriptor, and
     * allocates nothing per call: the retention thread makes thousands of these calls per truncation.
     */
    @Test
    void writeBackStartsTheRangeAndAllocatesNothingPerCall() throws IOException {
        assumeTrue(Platform.LINUX, "sync_file_range is Linux's");
        assertTrue(NativeCalls.BOUND, "sync_file_range is bound");
        Path file = dir.resolve("w");
        long pages = 1024;
        long size = pages * PAGE;
        MappedWalFileSystem fs = MappedWalFileSystem.INSTANCE;
        try (SegmentMapping m = dirtyEveryPage(file, pages, (byte) 9)) {
            assertTrue(fs.writeBack(m, 0, 16 * PAGE), "writeback started");
            assertEquals(0, dirtyPages(file, 0, 16 * PAGE), "the range is no longer dirty");
            assertTrue(dirtyPages(file, 16 * PAGE, size - 16 * PAGE) >= pages - 16 - 512, "the rest still is");

            var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
            long self = Thread.currentThread().getId();
            for (int i = 0; i < 1_000; i++) { // warm: class loading and compilation allocate
                fs.writeBack(m, 16 * PAGE, 17 * PAGE);
            }
            long before = threads.getThreadAllocatedBytes(self);
            for (int i = 0; i < 10_000; i++) {
                fs.writeBack(m, 16 * PAGE, 17 * PAGE);
            }
            long allocated = threads.getThreadAllocatedBytes(self) - before;
            assertTrue(allocated < 10_000, "10,000 calls allocated " + allocated + " bytes");
            fs.force(m);
        }
    }
}
