package io.sluice.bench;

import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code jmh [JMH options] [benchmark regex]}: runs the JMH benchmarks in this jar. The forks get
 * the JVM flags this JDK needs as {@code -jvmArgsPrepend} (after any given), so no flag is ever
 * typed. They are not passed as {@code -jvmArgsAppend}: an append given to the runner replaces the
 * one in a benchmark's {@code @Fork} annotation (such as IndexBenchmark's heap size), and the
 * benchmark would silently run on another heap. {@code jmh -l} lists the benchmarks, {@code jmh -h}
 * shows JMH's options.
 */
@Command(name = "jmh", description = "Run the JMH benchmarks (all JMH options accepted, e.g. -prof gc, -f 1, -l).")
final class JmhCommand implements Callable<Integer> {
    @CommandLine.Parameters(arity = "0..*", paramLabel = "JMH-ARGS", description = "JMH options and benchmark regexes")
    List<String> args = new ArrayList<>();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        List<String> all = new ArrayList<>(args);
        CommandLineOptions cli;
        try {
            cli = new CommandLineOptions(all.toArray(new String[0]));
        } catch (CommandLineOptionException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "jmh: " + e.getMessage());
        }
        if (cli.shouldHelp()) {
            cli.showHelp();
            return 0;
        }
        if (cli.shouldList() || cli.shouldListWithParams() || cli.shouldListProfilers()
            || cli.shouldListResultFormats()) {
            // Let JMH's own main handle listings.
            org.openjdk.jmh.Main.main(all.toArray(new String[0]));
            return 0;
        }
        new Runner(options(cli)).run();
        return 0;
    }

    /** The runner's options: the command line's, with this JDK's flags prepended to the forks' JVM arguments. */
    static Options options(CommandLineOptions cli) {
        List<String> prepend = new ArrayList<>();
        if (cli.getJvmArgsPrepend().hasValue()) {
            prepend.addAll(cli.getJvmArgsPrepend().get());
        }
        prepend.addAll(JvmFlags.forThisJdk());
        return new OptionsBuilder().parent(cli).jvmArgsPrepend(prepend.toArray(new String[0])).build();
    }
}
