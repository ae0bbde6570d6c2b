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
 * the JVM flags this JDK needs (appended to any {@code -jvmArgsAppend} given), so no flag is ever
 * typed. {@code jmh -l} lists the benchmarks, {@code jmh -h} shows JMH's options.
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
        List<String> jvmArgs = new ArrayList<>();
        if (cli.getJvmArgsAppend().hasValue()) {
            jvmArgs.addAll(cli.getJvmArgsAppend().get());
        }
        jvmArgs.addAll(JvmFlags.forThisJdk());
        Options options = new OptionsBuilder().parent(cli).jvmArgsAppend(jvmArgs.toArray(new String[0])).build();
        new Runner(options).run();
        return 0;
    }
}
