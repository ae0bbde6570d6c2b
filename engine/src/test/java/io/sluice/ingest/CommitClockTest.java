package io.sluice.ingest;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class CommitClockTest {
    private static boolean clocked(long origin) {
        return origin != SampleBatchEvent.NO_ORIGIN;
    }

    @Test
    void perItemCommitsToOneShardReadTheClockOnceInSixteen() {
        CommitClock clock = new CommitClock(1);
        for (int round = 0; round < 3; round++) {
            for (int k = 1; k < CommitClock.EVERY_SAMPLES; k++) {
                assertEquals(SampleBatchEvent.NO_ORIGIN, clock.origin(0, 1), "round " + round + ", commit " + k);
            }
            assertNotEquals(SampleBatchEvent.NO_ORIGIN, clock.origin(0, 1), "the sixteenth sample reads the clock");
        }
    }

    @Test
    void commitsOfSixteenSamplesOrMoreAlwaysReadTheClock() {
        CommitClock clock = new CommitClock(4);
        int[] counts = new int[4];
        counts[2] = CommitClock.EVERY_SAMPLES;
        for (int k = 0; k < 5; k++) {
            assertNotEquals(SampleBatchEvent.NO_ORIGIN, clock.origin(counts));
        }
        assertNotEquals(SampleBatchEvent.NO_ORIGIN, clock.origin(1, 100));
    }

    @Test
    void aProducerAlternatingTwoShardsHasBothMeasured() {
        CommitClock clock = new CommitClock(2);
        int[] counts = new int[2];
        int[] measured = new int[2];
        for (int k = 0; k < 64; k++) {
            int shard = k & 1;
            counts[shard] = 1;
            counts[1 - shard] = 0;
            if (clocked(clock.origin(counts))) {
                measured[shard]++;
            }
        }
        assertEquals(2, measured[0], "shard 0: 32 per-item commits, one read in sixteen");
        assertEquals(2, measured[1], "shard 1 likewise, though a shared count would have put every read on one shard");
    }

    @Test
    void aReadCountsForEveryShardOfTheCommit() {
        CommitClock clock = new CommitClock(2);
        assertEquals(SampleBatchEvent.NO_ORIGIN, clock.origin(new int[] {15, 0}));
        assertNotEquals(SampleBatchEvent.NO_ORIGIN, clock.origin(new int[] {1, 1}), "shard 0 is due");
        for (int k = 1; k < CommitClock.EVERY_SAMPLES; k++) {
            assertEquals(SampleBatchEvent.NO_ORIGIN, clock.origin(1, 1), "shard 1 started over with that read");
        }
        assertNotEquals(SampleBatchEvent.NO_ORIGIN, clock.origin(1, 1));
    }

    @Test
    void theCarryCountsUnmeasuredSamplesWithTheNextMeasuredEvent() {
        CommitClock.Carry carry = new CommitClock.Carry();
        assertEquals(0, carry.weigh(SampleBatchEvent.NO_ORIGIN, 1));
        assertEquals(0, carry.weigh(SampleBatchEvent.NO_ORIGIN, 3));
        assertEquals(6, carry.weigh(42, 2), "its own two and the four carried");
        assertEquals(5, carry.weigh(43, 5), "nothing left to carry");
    }
}
