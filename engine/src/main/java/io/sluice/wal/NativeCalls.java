package io.sluice.wal;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;

import java.io.RandomAccessFile;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * Native calls the JDK does not make, bound once through JNA's direct mapping (plain native
 * methods: no argument array, no boxing, nothing allocated per call, unlike {@code Function.invoke}):
 * {@code sync_file_range}, made in thousands of 64 KiB steps per truncation, and {@code msync}
 * over a range, a ranged fdatasync. And a file's descriptor number through the JDK's
 * {@code sun.nio.ch.IOUtil.fdVal}, which is public in a package Sluice's launch flags export
 * ({@code --add-exports java.base/sun.nio.ch}). Where they are unavailable (not Linux, no native
 * access, flags missing) the callers fall back: {@link #BOUND} is false, {@link #fd} answers -1.
 *
 * <p>Threading: static, thread-safe.
 */
final class NativeCalls {
    /** Whether {@link #sync_file_range} and {@link #msync} are bound. */
    static final boolean BOUND;
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
        BOUND = bound;
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

    /** {@code sync_file_range(2)}; bound only if {@link #BOUND}. */
    static native int sync_file_range(int fd, long offset, long nbytes, int flags);

    /** {@code msync(2)} of {@code [address, address + length)}; bound only if {@link #BOUND}. */
    static native int msync(long address, long length, int flags) throws LastErrorException;

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
