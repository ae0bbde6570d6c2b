package io.sluice.engine;

import com.sun.jna.Function;
import com.sun.jna.Memory;
import io.sluice.wal.Platform;
import net.openhft.posix.PosixAPI;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Moves the calling thread to background priority, so that background work (compaction) takes only
 * CPU that the shard writers and producers leave idle. Java's {@code Thread.setPriority} does nothing
 * on Linux without root. Linux schedules threads one by one: {@code sched_setscheduler(tid,
 * SCHED_IDLE)} (sched(7): "for running very low priority background jobs", a weight below nice 19's,
 * and it never preempts a normal thread on wake-up), or, where that is refused, {@code
 * setpriority(PRIO_PROCESS, tid, 19)}. An unprivileged thread cannot come back from either, which
 * is why {@link Compactor} keeps a second thread at normal priority instead.
 *
 * <p>Anything other than Linux, or a failure of the native calls, leaves the thread as it was and
 * says so in the return value: the work then runs at normal priority.
 */
final class ThreadPriority {
    /** What {@link #toBackground} achieved. */
    enum Background {
        /** The thread is SCHED_IDLE. */
        IDLE,
        /** The thread is SCHED_OTHER at nice 19. */
        NICE_19,
        /** Unchanged: not Linux, or the kernel refused. */
        UNCHANGED
    }

    /** sched(7) policy numbers, as {@code /proc/<tid>/stat} reports them. */
    static final int SCHED_OTHER = 0;
    static final int SCHED_IDLE = 5;
    private static final int PRIO_PROCESS = 0;

    private ThreadPriority() {
    }

    /** Lowers the calling thread to SCHED_IDLE, else to nice 19. */
    static Background toBackground() {
        if (!Platform.LINUX) {
            return Background.UNCHANGED;
        }
        try {
            int tid = PosixAPI.posix().gettid();
            if (tid <= 0) {
                return Background.UNCHANGED;
            }
            Memory param = new Memory(4); // struct sched_param { int sched_priority; }: 0 for SCHED_IDLE
            param.setInt(0, 0);
            if (Function.getFunction("c", "sched_setscheduler").invokeInt(new Object[] {tid, SCHED_IDLE, param}) == 0) {
                return Background.IDLE;
            }
            if (Function.getFunction("c", "setpriority").invokeInt(new Object[] {PRIO_PROCESS, tid, 19}) == 0) {
                return Background.NICE_19;
            }
        } catch (Throwable t) { // no native access, no libc symbol: stay at normal priority
            // fall through
        }
        return Background.UNCHANGED;
    }

    /** The calling thread's nice value, or {@code Integer.MIN_VALUE} where it cannot be read. */
    static int currentNice() {
        return statField(Path.of("/proc/thread-self/stat"), 19);
    }

    /** The calling thread's scheduling policy (sched(7) number), or {@code Integer.MIN_VALUE}. */
    static int currentPolicy() {
        return statField(Path.of("/proc/thread-self/stat"), 41);
    }

    /** Field {@code field} (1-based, as proc(5) numbers them) of a {@code stat} file, or {@code Integer.MIN_VALUE}. */
    static int statField(Path stat, int field) {
        try {
            String s = Files.readString(stat);
            // The command (field 2) is in parentheses and may hold spaces: field 3 follows the last ')'.
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            return Integer.parseInt(f[field - 3]);
        } catch (Exception | Error e) {
            return Integer.MIN_VALUE;
        }
    }
}
