package io.sluice.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.xerial.snappy.Snappy;

/**
 * Builds Prometheus remote-write 1.0 requests ({@code WriteRequest} protobuf, snappy-compressed), for
 * tests and load generators. Not thread-safe; reusable after {@link #reset()}.
 */
public final class RemoteWriteEncoder {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream(1 << 16);
    private final ByteArrayOutputStream series = new ByteArrayOutputStream(1024);
    private final ByteArrayOutputStream item = new ByteArrayOutputStream(128);

    public RemoteWriteEncoder reset() {
        out.reset();
        return this;
    }

    /**
     * Adds one {@code TimeSeries}: labels as name/value pairs (written in the order given), and
     * samples as parallel arrays.
     */
    public RemoteWriteEncoder series(String[] namesAndValues, long[] timestamps, double[] values) {
        series.reset();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            item.reset();
            bytesField(item, 1, namesAndValues[i].getBytes(StandardCharsets.UTF_8));
            bytesField(item, 2, namesAndValues[i + 1].getBytes(StandardCharsets.UTF_8));
            bytesField(series, 1, item.toByteArray());
        }
        for (int i = 0; i < timestamps.length; i++) {
            item.reset();
            tag(item, 1, 1);
            fixed64(item, Double.doubleToRawLongBits(values[i]));
            tag(item, 2, 0);
            varint(item, timestamps[i]);
            bytesField(series, 2, item.toByteArray());
        }
        bytesField(out, 1, series.toByteArray());
        return this;
    }

    /** The uncompressed {@code WriteRequest}. */
    public byte[] protobuf() {
        return out.toByteArray();
    }

    /** The request body: the {@code WriteRequest}, snappy block-compressed. */
    public byte[] body() {
        try {
            return Snappy.compress(out.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void tag(ByteArrayOutputStream o, int field, int wire) {
        varint(o, (long) field << 3 | wire);
    }

    static void bytesField(ByteArrayOutputStream o, int field, byte[] b) {
        tag(o, field, 2);
        varint(o, b.length);
        o.write(b, 0, b.length);
    }

    static void varint(ByteArrayOutputStream o, long v) {
        while ((v & ~0x7FL) != 0) {
            o.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        o.write((int) v);
    }

    static void fixed64(ByteArrayOutputStream o, long v) {
        for (int i = 0; i < 8; i++) {
            o.write((int) (v >>> (8 * i)));
        }
    }
}
