package io.sluice.testing;

/**
 * Seeds for randomized tests: {@code -Dsluice.test.seed=N} replays a run, otherwise a fresh seed.
 * The seed is printed either way, so a failure can always be reproduced.
 */
public final class TestSeeds {
    private TestSeeds() {
    }

    /** The seed for {@code test}, printed with the flag that reruns it. */
    public static long seed(String test) {
        long seed = Long.getLong("sluice.test.seed", System.nanoTime());
        System.out.println(test + " seed " + seed + " (rerun with -Dsluice.test.seed=" + seed + ")");
        return seed;
    }
}
