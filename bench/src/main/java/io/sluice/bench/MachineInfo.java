package io.sluice.bench;

/** Names the machine and JVM a result came from, as every published figure must. */
public final class MachineInfo {
    private MachineInfo() {
    }

    public static int cores() {
        return Runtime.getRuntime().availableProcessors();
    }

    public static String jvm() {
        return System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version");
    }

    public static String describe() {
        return cores() + " cores, " + jvm() + ", " + System.getProperty("os.name") + " " + System.getProperty("os.arch");
    }

    public static Json json() {
        return new Json().put("cores", cores()).put("jvm", jvm()).put("os", System.getProperty("os.name") + " "
            + System.getProperty("os.arch"));
    }
}
