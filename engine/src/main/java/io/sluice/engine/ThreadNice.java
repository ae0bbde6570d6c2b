package io.sluice.engine;

import com.sun.jna.Function;
import net.openhft.posix.PosixAPI;

import java.util.Locale;

/**
 * Lowers the calling thread's scheduling priority (its Linux nice value), so that background work
 * (compaction) takes only CPU that the shard writers and producers leave idle. Java's {@code
 * Thread.setPriority} does nothing on Linux without root; nice values are per thread there, set with
 * {@code setpriority(PRIO_PROCESS, tid, nice)} (setpriority(2), "a thread ID ... in the Linux
 * implementation"). An unprivileged thread may raise its nice value but never lower it again, which
 * is why {@link Compactor} keeps a second thread at normal priority instead of renicing one.
 *
 * <p>Anything other than Linux, or a failure of the native call, leaves the thread as it was and
 * says so in the return value: the work then simply runs at normal priority.
 */
final class ThreadNice {
    private static final int PRIO_PROCESS = 0;
    private static final boolean LINUX = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux");

    private ThreadNice() {
    }

    /**
     * Sets the calling thread's nice value to {@code nice} (0 to 19; higher runs less).
     *
     * @return true if the kernel took it
     */
    static boolean lowerCurrentThread(int nice) {
        if (nice < 0 || nice > 19) {
            throw new IllegalArgumentException("nice must be in [0, 19]: " + nice);
        }
        if (!LINUX) {
            return false;
        }
        try {
            int tid = PosixAPI.posix().gettid();
            if (tid <= 0) {
                return false;
            }
            Function setpriority = Function.getFunction("c", "setpriority");
            return setpriority.invokeInt(new Object[] {PRIO_PROCESS, tid, nice}) == 0;
        } catch (Throwable t) { // no native access, no libc symbol: run at normal priority
            return false;
        }
    }

    /** The calling thread's nice value from {@code /proc/thread-self/stat}, or {@code Integer.MIN_VALUE}. */
    static int currentNice() {
        try {
            String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/thread-self/stat"));
            // Fields after the command (in parentheses, which may hold spaces): state is field 3, nice 19.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Integer.parseInt(f[16]);
        } catch (Exception | Error e) {
            return Integer.MIN_VALUE;
        }
    }
}
