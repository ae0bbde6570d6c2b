package io.sluice.engine;

import io.sluice.wal.Platform;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Background priority for one thread: that thread's scheduling changes, the others' do not. */
class ThreadPriorityTest {
    @Test
    void lowersOnlyTheCallingThread() throws Exception {
        assumeTrue(Platform.LINUX, "per-thread scheduling is Linux's");
        int myPolicy = ThreadPriority.currentPolicy();
        int myNice = ThreadPriority.currentNice();
        assertEquals(ThreadPriority.SCHED_OTHER, myPolicy, "the test thread is a normal thread");
        AtomicReference<ThreadPriority.Background> took = new AtomicReference<>();
        AtomicInteger policy = new AtomicInteger();
        AtomicInteger nice = new AtomicInteger();
        Thread t = new Thread(() -> {
            took.set(ThreadPriority.toBackground());
            policy.set(ThreadPriority.currentPolicy());
            nice.set(ThreadPriority.currentNice());
        });
        t.start();
        t.join();
        assertTrue(took.get() != ThreadPriority.Background.UNCHANGED, "the kernel took one of them");
        if (took.get() == ThreadPriority.Background.IDLE) {
            assertEquals(ThreadPriority.SCHED_IDLE, policy.get());
        } else {
            assertEquals(19, nice.get());
        }
        assertEquals(myPolicy, ThreadPriority.currentPolicy(), "the caller's thread is untouched");
        assertEquals(myNice, ThreadPriority.currentNice());
    }
}
