package io.sluice.bench;

import io.sluice.engine.ChronicleDefaults;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.File;
import java.lang.management.ManagementFactory;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Entry point of {@code sluice-bench.jar}: the load harness ({@code load}, {@code verify}), {@code inspect}, and the
 * JMH benchmarks ({@code jmh}).
 *
 * <p>Exit codes: 0 success, 1 usage or runtime error (a one-line message, never a stack trace),
 * 2 corruption found by {@code verify}.
 */
@Command(name = "sluice-bench", mixinStandardHelpOptions = true, versionProvider = SluiceBench.Version.class,
    description = "Load harness and benchmarks for the Sluice write engine.",
    subcommands = {LoadCommand.class, VerifyCommand.class, InspectCommand.class, CrashCommand.class, JmhCommand.class,
        InteropCommand.class, ExportCommand.class,
        PeersCommand.class, PlotCommand.class, PlatformCommand.class, RingsCommand.class, RemoteWriteCommand.class,
        CommandLine.HelpCommand.class})
public final class SluiceBench implements Runnable {
    /** Exit code for bad flags and runtime errors. */
    public static final int EXIT_USAGE = 1;
    /** Exit code when verify finds corruption or bad samples. */
    public static final int EXIT_CORRUPT = 2;
    static final String RELAUNCHED = "sluice.relaunched";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
        throw new CommandLine.ParameterException(spec.commandLine(),
            "missing command: use load, verify, inspect, crash, peers, plot, platform or jmh");
    }

    public static void main(String[] args) {
        if (needsRelaunch()) {
            System.exit(relaunch(args));
        }
        System.exit(execute(args));
    }

    /** Runs a command in this JVM and returns its exit code. */
    public static int execute(String... args) {
        ChronicleDefaults.apply();
        CommandLine cmd = new CommandLine(new SluiceBench());
        cmd.setCaseInsensitiveEnumValuesAllowed(true); // --wait-strategy blocking as well as BLOCKING
        CommandLine jmh = cmd.getSubcommands().get("jmh");
        jmh.setUnmatchedOptionsArePositionalParams(true); // JMH parses its own options
        jmh.setStopAtPositional(true);
        cmd.setParameterExceptionHandler((ex, a) -> {
            CommandLine c = ex.getCommandLine();
            c.getErr().println("error: " + ex.getMessage());
            c.usage(c.getErr());
            return EXIT_USAGE;
        });
        cmd.setExecutionExceptionHandler((ex, c, parsed) -> {
            c.getErr().println("error: " + oneLine(ex));
            return EXIT_USAGE;
        });
        return cmd.execute(args);
    }

    static String oneLine(Throwable t) {
        String m = t.getMessage();
        String s = (m == null || m.isBlank()) ? t.getClass().getSimpleName() : m;
        if (t.getCause() != null && t.getCause().getMessage() != null && !s.contains(t.getCause().getMessage())) {
            s += ": " + t.getCause().getMessage();
        }
        return s.replace('\n', ' ');
    }

    /**
     * JDK 24+ prints a warning when chronicle-core touches {@code sun.misc.Unsafe} unless the JVM was
     * started with {@code --sun-misc-unsafe-memory-access=allow}, which a jar manifest cannot set. So
     * on those JDKs the jar restarts itself once with the flags, and users never type them.
     */
    static boolean needsRelaunch() {
        if (!JvmFlags.modernJdk() || Boolean.getBoolean(RELAUNCHED)) {
            return false;
        }
        return ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
            .noneMatch(a -> a.startsWith("--sun-misc-unsafe-memory-access"));
    }

    private static int relaunch(String[] args) {
        try {
            String java = ProcessHandle.current().info().command()
                .orElse(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
            String jar = new File(SluiceBench.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .getPath();
            List<String> cmd = new ArrayList<>();
            cmd.add(java);
            cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
            cmd.addAll(JvmFlags.forThisJdk());
            cmd.add("-D" + RELAUNCHED + "=true");
            cmd.add("-cp");
            cmd.add(jar);
            cmd.add(SluiceBench.class.getName());
            cmd.addAll(Arrays.asList(args));
            Process child = new ProcessBuilder(cmd).inheritIO().start();
            Thread reaper = new Thread(child::destroy, "sluice-relaunch-reaper");
            Runtime.getRuntime().addShutdownHook(reaper);
            int code = child.waitFor();
            Runtime.getRuntime().removeShutdownHook(reaper);
            return code;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return EXIT_USAGE;
        } catch (java.io.IOException | URISyntaxException | RuntimeException e) {
            System.err.println("error: could not restart the JVM with the flags JDK " + Runtime.version().feature()
                + " needs: " + oneLine(e));
            return EXIT_USAGE;
        }
    }

    /** Version from the jar manifest when packaged. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = SluiceBench.class.getPackage().getImplementationVersion();
            return new String[] {"sluice-bench " + (v == null ? "dev" : v), MachineInfo.describe()};
        }
    }
}
