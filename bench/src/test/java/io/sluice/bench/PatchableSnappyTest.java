package io.sluice.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.xerial.snappy.Snappy;

class PatchableSnappyTest {
    @Test
    void blocksDecodeWithSnappyJavaBeforeAndAfterPatching() throws Exception {
        long seed = System.nanoTime();
        System.out.println("PatchableSnappyTest seed " + seed);
        Random rnd = new Random(seed);
        Workload w = new Workload(5000, 8);
        PatchableSnappy ps = new PatchableSnappy();
        int n = 700;
        int[] region = new int[n];
        int[] plainAt = new int[n];
        int[] varLen = new int[n];
        int plainLen = 0;
        for (int i = 0; i < n; i++) {
            byte[] labels = RemoteWriteCommand.labelFields(w.labelsOf(rnd.nextInt(5000)));
            ps.constant(labels, 0, labels.length);
            plainLen += labels.length;
            byte[] var = new byte[1 + rnd.nextInt(20)];
            rnd.nextBytes(var);
            plainAt[i] = plainLen;
            varLen[i] = var.length;
            region[i] = ps.variable(var, 0, var.length);
            plainLen += var.length;
        }
        byte[] plain = ps.plain();
        byte[] block = ps.compress();
        assertArrayEquals(plain, Snappy.uncompress(block));
        assertTrue(block.length < plain.length / 2, "labels compress: " + block.length + " of " + plain.length);
        // Rewrite every variable region in the block and in the plain copy: they still agree.
        for (int i = 0; i < n; i++) {
            for (int b = 0; b < varLen[i]; b++) {
                byte x = (byte) rnd.nextInt();
                block[ps.literalOffset(region[i]) + b] = x;
                plain[plainAt[i] + b] = x;
            }
        }
        assertArrayEquals(plain, Snappy.uncompress(block));
    }

    @Test
    void sixByteVarints() {
        byte[] b = new byte[6];
        long ts = 1_767_225_600_000L;
        RemoteWriteCommand.writeVarint6(b, 0, ts);
        long v = 0;
        for (int i = 5; i >= 0; i--) {
            v = (v << 7) | (b[i] & 0x7F);
        }
        assertTrue(v == ts && b[5] >= 0 && b[4] < 0);
    }
}
