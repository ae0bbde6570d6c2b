package io.sluice.wal;

/**
 * How Sluice's background threads (the segment preparer, the retention thread) leave the CPU
 * between the short steps of their bulk work: zero-filling and faulting in a new segment, reading
 * the segments a truncation retires, writing the head-chunk log back before its force.
 *
 * <p>A yield after every step of tens of microseconds. On a two-core machine a background thread
 * shares a core with the shard writer or with a producer, and under {@code PREEMPT_NONE} a thread
 * that does not leave the core keeps it until its slice ends at the scheduler's tick (4 ms here)
 * whenever the other thread is runnable but not waking up (a writer that yields, a producer that
 * spins). A yield costs a system call when nobody else wants the core, so the work goes as fast as
 * before when the machine is idle or saturated. A short sleep instead measured no better (three
 * alternated runs, docs/benchmarks.md, "What was tried") and would slow a truncation below the
 * pace of a saturated writer.
 */
public final class Courtesy {
    /**
     * Bytes of file work (zeros written, pages faulted in, pages written back) between two pauses:
     * 16 pages, tens of microseconds of the kernel's work, so a woken shard writer never waits long
     * for its core.
     */
    public static final int STEP_BYTES = 64 * 1024;

    private Courtesy() {
    }

    /** Between two steps of background work. */
    public static void pause() {
        Thread.yield();
    }
}
