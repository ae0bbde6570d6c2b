package io.sluice.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The JVM flags chronicle-bytes and Agrona need (docs/architecture.md), for the JVMs the bench jar
 * starts itself: JMH forks and the JDK 24+ relaunch. The jar's manifest carries the same
 * exports and opens for {@code java -jar}.
 */
public final class JvmFlags {
    /** Needed on every supported JDK. */
    public static final List<String> OPENS = List.of(
        "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
        "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
        "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED",
        "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED");
    /** Needed on JDK 24 and later, where they would be unknown options before. */
    public static final List<String> MODERN = List.of(
        "--enable-native-access=ALL-UNNAMED",
        "--sun-misc-unsafe-memory-access=allow");
    /** Quiet Chronicle. */
    public static final List<String> PROPERTIES = List.of(
        "-Dchronicle.analytics.disable=true",
        "-Dchronicle.announcer.disable=true",
        "-Ddisable.perf.info=true",
        "-Dslf4j.internal.verbosity=ERROR");

    private JvmFlags() {
    }

    /** True on JDK 24 and later. */
    public static boolean modernJdk() {
        return Runtime.version().feature() >= 24;
    }

    /** Every flag a child JVM of this JDK needs. */
    public static List<String> forThisJdk() {
        List<String> all = new ArrayList<>(OPENS);
        if (modernJdk()) {
            all.addAll(MODERN);
        }
        all.addAll(PROPERTIES);
        return Collections.unmodifiableList(all);
    }
}
