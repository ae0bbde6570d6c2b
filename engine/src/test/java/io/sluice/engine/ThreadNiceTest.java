package io.sluice.engine;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** setpriority(2) on one thread: that thread's nice value changes, the others' do not. */
class ThreadNiceTest {
    static boolean linux() {
        return System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux");
    }

    @Test
    void lowersOnlyTheCallingThread() throws Exception {
        assumeTrue(linux(), "nice values per thread are Linux's");
        int mine = ThreadNice.currentNice();
        assertTrue(mine >= 0 && mine < 19, "this thread's nice value: " + mine);
        AtomicInteger after = new AtomicInteger(Integer.MIN_VALUE);
        AtomicReference<Boolean> took = new AtomicReference<>();
        Thread t = new Thread(() -> {
            took.set(ThreadNice.lowerCurrentThread(19));
            after.set(ThreadNice.currentNice());
        });
        t.start();
        t.join();
        assertTrue(took.get(), "the kernel took nice 19");
        assertEquals(19, after.get());
        assertEquals(mine, ThreadNice.currentNice(), "the caller's thread is untouched");
    }

    @Test
    void rejectsValuesOutsideTheRange() {
        assertThrows(IllegalArgumentException.class, () -> ThreadNice.lowerCurrentThread(-1));
        assertThrows(IllegalArgumentException.class, () -> ThreadNice.lowerCurrentThread(20));
    }
}
