package io.sluice.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class RemoteWriteDecoderTest {
    private final RemoteWriteDecoder decoder = new RemoteWriteDecoder();
    private final WriteBatch batch = new WriteBatch();

    /**
     * A WriteRequest encoded by hand from the protobuf spec: one series {__name__="up", job="a"} with
     * samples (1.5 @ 1000) and (-2 @ 2000), then a metadata entry (field 3) to skip.
     */
    private static final String GOLDEN = ""
        + "0a" + "36"                                       // timeseries, 54 bytes
        + "0a" + "0e" + "0a08" + "5f5f6e616d655f5f" + "1202" + "7570"   // label __name__=up
        + "0a" + "08" + "0a03" + "6a6f62" + "1201" + "61"               // label job=a
        + "12" + "0c" + "09" + "000000000000f83f" + "10e807"            // sample 1.5 @ 1000
        + "12" + "0c" + "09" + "00000000000000c0" + "10d00f"            // sample -2 @ 2000
        + "1a" + "04" + "0801" + "2200";                                // metadata {type=1, help=""}

    @Test
    void decodesAHandEncodedRequest() throws Exception {
        byte[] b = HexFormat.of().parseHex(GOLDEN);
        decoder.decode(b, b.length, batch);
        assertEquals(1, batch.series);
        assertArrayEquals(new String[] {"__name__", "up", "job", "a"}, batch.parseLabels(0, new ProtoReader("L")));
        assertEquals(26, batch.keyLength(0), "the key is the two Label fields' bytes");
        assertEquals(2, batch.samples);
        assertEquals(1000, batch.timestamps[0]);
        assertEquals(1.5, Double.longBitsToDouble(batch.valueBits[0]));
        assertEquals(2000, batch.timestamps[1]);
        assertEquals(-2.0, Double.longBitsToDouble(batch.valueBits[1]));
    }

    @Test
    void encoderMatchesTheHandEncodedBytes() {
        byte[] enc = new RemoteWriteEncoder().series(new String[] {"__name__", "up", "job", "a"},
            new long[] {1000, 2000}, new double[] {1.5, -2}).protobuf();
        byte[] golden = HexFormat.of().parseHex(GOLDEN);
        assertArrayEquals(java.util.Arrays.copyOf(golden, golden.length - 6), enc);
    }

    @Test
    void roundTripsManySeriesAndDropsEmptyLabelValues() throws Exception {
        RemoteWriteEncoder e = new RemoteWriteEncoder();
        for (int s = 0; s < 300; s++) {
            long[] ts = new long[s % 7];
            double[] vs = new double[ts.length];
            for (int i = 0; i < ts.length; i++) {
                ts[i] = 1_000L * i + s;
                vs[i] = s * 0.25 + i;
            }
            e.series(new String[] {"__name__", "m" + s, "empty", "", "i", Integer.toString(s)}, ts, vs);
        }
        byte[] b = e.protobuf();
        decoder.decode(b, b.length, batch);
        assertEquals(300, batch.series);
        int sample = 0;
        for (int s = 0; s < 300; s++) {
            assertArrayEquals(new String[] {"__name__", "m" + s, "i", Integer.toString(s)},
                batch.parseLabels(s, new ProtoReader("L")), "the empty label is dropped");
            assertEquals(s % 7, batch.sampleCount[s]);
            for (int i = 0; i < s % 7; i++, sample++) {
                assertEquals(1_000L * i + s, batch.timestamps[sample]);
                assertEquals(s * 0.25 + i, Double.longBitsToDouble(batch.valueBits[sample]));
            }
        }
    }

    @Test
    void refusesMalformedInputWithItsOffset() {
        byte[] good = HexFormat.of().parseHex(GOLDEN);
        for (int cut = 1; cut < good.length - 6; cut++) {
            byte[] b = java.util.Arrays.copyOf(good, cut);
            BadRequestException e = assertThrows(BadRequestException.class, () -> decoder.decode(b, b.length, batch),
                "cut at " + cut);
            assertTrue(e.getMessage().startsWith("bad protobuf"), e.getMessage());
        }
        byte[] wrongWire = good.clone();
        wrongWire[0] = 0x08; // field 1 as a varint
        assertThrows(BadRequestException.class, () -> decoder.decode(wrongWire, wrongWire.length, batch));
        byte[] group = {0x2b}; // field 5, start group
        assertTrue(assertThrows(BadRequestException.class, () -> decoder.decode(group, 1, batch)).getMessage()
            .contains("groups"));
        byte[] longVarint = {0x10, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff,
            (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x01};
        assertTrue(assertThrows(BadRequestException.class, () -> decoder.decode(longVarint, longVarint.length, batch))
            .getMessage().contains("10 bytes"));
    }

    private String[] labelsOf(byte[] request) throws BadRequestException {
        decoder.decode(request, request.length, batch);
        return batch.parseLabels(0, new ProtoReader("L"));
    }

    @Test
    void labelsSplitByOtherFieldsMakeTheSameKey() throws Exception {
        // TimeSeries: label a=1, sample, label b=2 (fields out of the usual order).
        byte[] ts = HexFormat.of().parseHex("0a06" + "0a0161" + "120131" + "120c" + "09" + "000000000000f03f" + "10e807"
            + "0a06" + "0a0162" + "120132");
        byte[] req = new byte[ts.length + 2];
        req[0] = 0x0a;
        req[1] = (byte) ts.length;
        System.arraycopy(ts, 0, req, 2, ts.length);
        decoder.decode(req, req.length, batch);
        assertTrue(batch.segInSide[0]);
        byte[] contiguous = new RemoteWriteEncoder().series(new String[] {"a", "1", "b", "2"}, new long[] {1000},
            new double[] {1}).protobuf();
        byte[] key = java.util.Arrays.copyOfRange(batch.side, batch.segOff[0], batch.segOff[0] + batch.segLen[0]);
        decoder.decode(contiguous, contiguous.length, batch);
        assertArrayEquals(java.util.Arrays.copyOfRange(contiguous, batch.segOff[0], batch.segOff[0] + batch.segLen[0]), key);
    }

    @Test
    void refusesBadLabelsAndHistograms() {
        byte[] badName = new RemoteWriteEncoder().series(new String[] {"__name__", "up", "bad-name", "x"},
            new long[] {1}, new double[] {1}).protobuf();
        assertTrue(assertThrows(BadRequestException.class, () -> labelsOf(badName))
            .getMessage().contains("invalid label name 'bad-name'"));
        byte[] badUtf8 = new RemoteWriteEncoder().series(new String[] {"__name__", "up", "v", "\u00e9"},
            new long[] {1}, new double[] {1}).protobuf();
        int at = indexOf(badUtf8, "\u00e9".getBytes(StandardCharsets.UTF_8));
        badUtf8[at + 1] = 0x41; // break the continuation byte
        assertTrue(assertThrows(BadRequestException.class, () -> labelsOf(badUtf8))
            .getMessage().contains("not valid UTF-8"));
        byte[] hist = HexFormat.of().parseHex("0a" + "0c" + "0a08" + "0a01" + "61" + "1203" + "626262" + "2200");
        assertTrue(assertThrows(BadRequestException.class, () -> decoder.decode(hist, hist.length, batch))
            .getMessage().contains("native histograms"));
    }

    @Test
    void strictUtf8() {
        assertTrue(ProtoReader.validUtf8("aé€😀".getBytes(StandardCharsets.UTF_8), 0, 10));
        assertTrue(!ProtoReader.validUtf8(new byte[] {(byte) 0xC0, (byte) 0x80}, 0, 2), "overlong");
        assertTrue(!ProtoReader.validUtf8(new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, 0, 3), "surrogate");
        assertTrue(!ProtoReader.validUtf8(new byte[] {(byte) 0xE2, (byte) 0x82}, 0, 2), "truncated");
        assertTrue(!ProtoReader.validUtf8(new byte[] {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, 0, 4),
            "above U+10FFFF");
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("not found");
    }
}
