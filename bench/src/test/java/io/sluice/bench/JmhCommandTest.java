package io.sluice.bench;

import org.junit.jupiter.api.Test;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.Options;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The JDK flags go into the forks' prepended arguments, so that a benchmark's {@code @Fork(jvmArgsAppend)}
 * (IndexBenchmark's heap) is not replaced by them.
 */
class JmhCommandTest {
    @Test
    void jdkFlagsArePrependedAndLeaveTheAnnotationsAppendAlone() throws Exception {
        Options o = JmhCommand.options(new CommandLineOptions("IndexBenchmark"));
        assertFalse(o.getJvmArgsAppend().hasValue(), "an append here would replace @Fork(jvmArgsAppend)");
        assertEquals(JvmFlags.forThisJdk(), new ArrayList<>(o.getJvmArgsPrepend().get()));
    }

    @Test
    void givenArgumentsAreKept() throws Exception {
        Options o = JmhCommand.options(new CommandLineOptions("-jvmArgsPrepend", "-Dx=1", "-jvmArgsAppend", "-Xmx1g",
            "IndexBenchmark"));
        Collection<String> prepend = o.getJvmArgsPrepend().get();
        List<String> expected = new ArrayList<>(List.of("-Dx=1"));
        expected.addAll(JvmFlags.forThisJdk());
        assertEquals(expected, new ArrayList<>(prepend));
        assertEquals(List.of("-Xmx1g"), new ArrayList<>(o.getJvmArgsAppend().get()));
    }
}
