package io.sluice.block;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ULIDs as github.com/ulid/spec and Prometheus' oklog/ulid write them. */
class UlidTest {
    @Test
    void parsesAndPrintsTheSpecsExample() {
        Ulid u = Ulid.parse("01ARZ3NDEKTSV4RRFFQ69G5FAV");
        assertEquals(1469922850259L, u.timestamp());
        assertEquals("01ARZ3NDEKTSV4RRFFQ69G5FAV", u.toString());
        assertEquals(u, Ulid.parse("01arz3ndektsv4rrffq69g5fav"));
        assertEquals("7ZZZZZZZZZZZZZZZZZZZZZZZZZ", Ulid.of(Ulid.MAX_TIME, -1, -1).toString());
        assertEquals("00000000000000000000000000", Ulid.of(0, 0, 0).toString());
    }

    @Test
    void theTimeLeadsAndTheTextSortsAsTheValue() {
        Random rnd = new Random(3);
        for (int i = 0; i < 1000; i++) {
            long t = rnd.nextLong() >>> 16;
            Ulid a = Ulid.generate(t, rnd);
            Ulid b = Ulid.generate(t + 1 + rnd.nextInt(1000), rnd);
            assertEquals(t, a.timestamp());
            assertEquals(a, Ulid.parse(a.toString()));
            assertTrue(a.compareTo(b) < 0);
            assertTrue(a.toString().compareTo(b.toString()) < 0);
            assertEquals(Ulid.LENGTH, a.toString().length());
        }
        assertEquals("01HF84E400", Ulid.generate(1_700_006_400_000L, new Random(42)).toString().substring(0, 10));
    }

    @Test
    void rejectsWhatIsNotAUlid() {
        assertThrows(IllegalArgumentException.class, () -> Ulid.parse("01ARZ3NDEKTSV4RRFFQ69G5FA"));
        assertThrows(IllegalArgumentException.class, () -> Ulid.parse("01ARZ3NDEKTSV4RRFFQ69G5FAU"));
        assertThrows(IllegalArgumentException.class, () -> Ulid.parse("81ARZ3NDEKTSV4RRFFQ69G5FAV"));
        assertThrows(IllegalArgumentException.class, () -> Ulid.generate(-1, new Random()));
        assertThrows(IllegalArgumentException.class, () -> Ulid.generate(1L << 48, new Random()));
    }
}
