package io.sluice.wal;

import java.util.Locale;

/** What Sluice asks of the operating system under it: the Linux-only calls are made only on Linux. */
public final class Platform {
    /** Linux: threads scheduled one by one, {@code sched_setattr}, {@code sync_file_range}, {@code /proc}. */
    public static final boolean LINUX = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux");

    private Platform() {
    }
}
