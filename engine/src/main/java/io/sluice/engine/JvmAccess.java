package io.sluice.engine;

import java.util.ArrayList;
import java.util.List;

/**
 * Checks, before anything maps a file, that the JVM grants the access chronicle-bytes and Agrona
 * need to the JDK's internals, and says exactly which flags to add when it does not. Without this,
 * {@code Sluice.open} dies deep inside Chronicle with {@code IllegalAccessException: member is
 * private: sun.nio.ch.FileChannelImpl.map0}, which tells an embedding user nothing.
 *
 * <p>Threading: static, pure.
 */
final class JvmAccess {
    /** Flags without which Sluice cannot run, on JDK 17 and later. */
    static final List<String> REQUIRED = List.of(
        "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
        "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
        "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED");
    /** Without it Chronicle warns once that it cannot use the JDK's buffer cleaner, and falls back. */
    static final String CLEANER = "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED";
    /** On JDK 24 and later: without them the JDK prints deprecation and native-access warnings. */
    static final List<String> MODERN = List.of("--enable-native-access=ALL-UNNAMED",
        "--sun-misc-unsafe-memory-access=allow");

    private JvmAccess() {
    }

    /**
     * Throws if a required flag is missing.
     *
     * @throws IllegalStateException naming the missing flags, every flag to add, and the manifest
     *                               attributes for an executable jar
     */
    static void check() {
        Module base = Object.class.getModule();
        Module chronicle = moduleOf("net.openhft.chronicle.core.OS");
        Module agrona = moduleOf("org.agrona.UnsafeApi");
        List<String> missing = new ArrayList<>();
        if (!base.isExported("sun.nio.ch", chronicle)) {
            missing.add(REQUIRED.get(0));
        }
        if (!base.isOpen("java.lang.reflect", chronicle)) {
            missing.add(REQUIRED.get(1));
        }
        if (!base.isExported("jdk.internal.misc", agrona)) {
            missing.add(REQUIRED.get(2));
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException(message(missing));
        }
    }

    static String message(List<String> missing) {
        List<String> all = new ArrayList<>(REQUIRED);
        all.add(CLEANER);
        return "Sluice needs access to JDK internals that this JVM does not grant (chronicle-bytes maps files"
            + " through sun.nio.ch, Agrona uses jdk.internal.misc.Unsafe). Missing: " + String.join(" ", missing)
            + ". Start java with: " + String.join(" ", all) + " (and on JDK 24 or later also "
            + String.join(" ", MODERN) + "). For an executable jar, put in its manifest instead:"
            + " 'Add-Exports: java.base/sun.nio.ch java.base/jdk.internal.misc java.base/jdk.internal.ref',"
            + " 'Add-Opens: java.base/java.lang.reflect' and, on JDK 24 or later, 'Enable-Native-Access: ALL-UNNAMED'."
            + " See README.md, \"Use it in your project\".";
    }

    private static Module moduleOf(String className) {
        try {
            return Class.forName(className, false, JvmAccess.class.getClassLoader()).getModule();
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("Sluice's dependency " + className + " is not on the class path", e);
        }
    }
}
