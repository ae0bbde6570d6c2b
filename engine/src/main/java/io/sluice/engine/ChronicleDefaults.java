package io.sluice.engine;

/**
 * Quiet defaults for Chronicle, applied before any Chronicle class loads: analytics off, no
 * banner, no "took N ms to grow file" lines, no SLF4J "no providers" notice. A property the user
 * has already set is left alone.
 *
 * <p>Threading: idempotent; safe from any thread.
 */
public final class ChronicleDefaults {
    private ChronicleDefaults() {
    }

    /** Sets each default property unless it is already set. */
    public static void apply() {
        setIfAbsent("chronicle.analytics.disable", "true");
        setIfAbsent("chronicle.announcer.disable", "true");
        setIfAbsent("disable.perf.info", "true");
        setIfAbsent("slf4j.internal.verbosity", "ERROR");
        // Unmap on the releasing thread, not later on Chronicle's background releaser: close() and
        // retention must leave no mapping (and no deleted file's disk space) behind when they return.
        setIfAbsent("background.releaser", "false");
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
