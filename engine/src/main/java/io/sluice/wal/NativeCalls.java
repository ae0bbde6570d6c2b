package io.sluice.wal;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;

import java.io.RandomAccessFile;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * Native calls made often enough that their cost matters, bound once: {@code sync_file_range}
 * through JNA's direct mapping (a plain native method: no argument array, no boxing, nothing
 * allocated per call, unlike {@code Function.invoke}), and a file's descriptor number through the
 * JDK's {@code sun.nio.ch.IOUtil.fdVal}, which is public in a package Sluice's launch flags export
 * ({@code --add-exports java.base/sun.nio.ch}). Where either is unavailable (not Linux, no native
 * access, flags missing) the callers fall back: {@link #SYNC_FILE_RANGE} is false, {@link #fd}
 * answers -1.
 *
 * <p>Threading: static, thread-safe.
 */
final class NativeCalls {
    /** Whether {@link #sync_file_range} is bound. */
    static final boolean SYNC_FILE_RANGE;
    private static final MethodHandle FD_VAL;

    static {
        boolean bound = false;
        if (Platform.LINUX) {
            try {
                Native.register(NativeCalls.class, NativeLibrary.getInstance("c"));
                bound = true;
            } catch (Throwable t) {
                bound = false;
            }
        }
        SYNC_FILE_RANGE = bound;
        MethodHandle fdVal = null;
        try {
            fdVal = MethodHandles.lookup().findStatic(Class.forName("sun.nio.ch.IOUtil"), "fdVal",
                MethodType.methodType(int.class, java.io.FileDescriptor.class));
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            fdVal = null; // the package is not exported to us: callers open the file instead
        }
        FD_VAL = fdVal;
    }

    private NativeCalls() {
    }

    /** {@code sync_file_range(2)}; bound only if {@link #SYNC_FILE_RANGE}. */
    static native int sync_file_range(int fd, long offset, long nbytes, int flags);

    /** The descriptor number of {@code file}, or -1 if it cannot be had here. */
    static int fd(RandomAccessFile file) {
        if (FD_VAL == null) {
            return -1;
        }
        try {
            return (int) FD_VAL.invokeExact(file.getFD());
        } catch (Throwable t) { // IOException, or a JDK where the method changed
            return -1;
        }
    }
}
