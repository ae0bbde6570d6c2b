package io.sluice.chunk;

import java.io.ByteArrayOutputStream;

/** Test helper: chunks spelled out bit by bit ("0001 1010 ..."; spaces ignored), and bit strings read back. */
final class Bits {
    private Bits() {
    }

    /** The bits, most significant first, zero-padded to whole bytes. */
    static byte[] of(String... parts) {
        String s = String.join("", parts).replace(" ", "");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i += 8) {
            String chunk = s.substring(i, Math.min(s.length(), i + 8));
            out.write(Integer.parseInt((chunk + "00000000").substring(0, 8), 2));
        }
        return out.toByteArray();
    }

    /** {@code v}'s low {@code n} bits as a string of 0 and 1. */
    static String field(long v, int n) {
        StringBuilder b = new StringBuilder(n);
        for (int i = n - 1; i >= 0; i--) {
            b.append((v >>> i & 1) == 0 ? '0' : '1');
        }
        return b.toString();
    }

    /** Bits {@code [from, from + n)} of {@code bytes}, most significant bit of byte 0 first. */
    static String read(byte[] bytes, int from, int n) {
        StringBuilder b = new StringBuilder(n);
        for (int i = from; i < from + n; i++) {
            b.append((bytes[i >>> 3] >>> (7 - (i & 7)) & 1) == 0 ? '0' : '1');
        }
        return b.toString();
    }
}
