package io.sluice.server;

/**
 * Decodes a Prometheus remote-write 1.0 {@code WriteRequest} (already snappy-decompressed) into a
 * {@link WriteBatch}, checking the wire format, label names and UTF-8 as it goes.
 *
 * <pre>
 * WriteRequest { repeated TimeSeries timeseries = 1; repeated MetricMetadata metadata = 3; }
 * TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2;
 *                repeated Exemplar exemplars = 3; repeated Histogram histograms = 4; }
 * Label        { string name = 1; string value = 2; }
 * Sample       { double value = 1; int64 timestamp = 2; }
 * </pre>
 *
 * Metadata and exemplars are skipped (Sluice stores samples only); native histograms are refused,
 * since Sluice stores float samples only. A label with an empty value is dropped, as Prometheus
 * does (an empty value means the label is absent).
 */
final class RemoteWriteDecoder {
    private final ProtoReader top = new ProtoReader("WriteRequest");
    private final ProtoReader ts = new ProtoReader("TimeSeries");
    private final ProtoReader sub = new ProtoReader("Label/Sample");

    void decode(byte[] body, int length, WriteBatch into) throws BadRequestException {
        into.clear(body);
        top.reset(body, 0, length);
        while (top.hasMore()) {
            int tag = top.readTag();
            if (tag >>> 3 == 1) {
                top.expect(tag, ProtoReader.LEN);
                int end = top.readLengthEnd();
                timeSeries(body, top.pos, end, into);
                top.pos = end;
            } else {
                top.skip(tag);
            }
        }
    }

    private void timeSeries(byte[] body, int from, int to, WriteBatch into) throws BadRequestException {
        int s = into.beginSeries();
        ts.reset(body, from, to);
        while (ts.hasMore()) {
            int tag = ts.readTag();
            switch (tag >>> 3) {
                case 1 -> {
                    ts.expect(tag, ProtoReader.LEN);
                    int end = ts.readLengthEnd();
                    label(body, ts.pos, end, s, into);
                    ts.pos = end;
                }
                case 2 -> {
                    ts.expect(tag, ProtoReader.LEN);
                    int end = ts.readLengthEnd();
                    sample(body, ts.pos, end, s, into);
                    ts.pos = end;
                }
                case 4 -> throw new BadRequestException("native histograms are not supported: series "
                    + into.describe(s) + " carries one; Sluice stores float samples");
                default -> ts.skip(tag);
            }
        }
        if (into.labelCount[s] == 0) {
            throw new BadRequestException("a series in the request has no labels (or only empty ones)");
        }
    }

    private void label(byte[] body, int from, int to, int s, WriteBatch into) throws BadRequestException {
        sub.reset(body, from, to);
        int nOff = from;
        int nLen = 0;
        int vOff = from;
        int vLen = 0;
        while (sub.hasMore()) {
            int tag = sub.readTag();
            int field = tag >>> 3;
            if (field == 1 || field == 2) {
                sub.expect(tag, ProtoReader.LEN);
                int end = sub.readLengthEnd();
                if (field == 1) {
                    nOff = sub.pos;
                    nLen = end - sub.pos;
                } else {
                    vOff = sub.pos;
                    vLen = end - sub.pos;
                }
                sub.pos = end;
            } else {
                sub.skip(tag);
            }
        }
        checkName(body, nOff, nLen, into, s);
        if (!ProtoReader.validUtf8(body, vOff, vOff + vLen)) {
            throw new BadRequestException("invalid label value: the value of label '"
                + new String(body, nOff, nLen, java.nio.charset.StandardCharsets.UTF_8) + "' is not valid UTF-8");
        }
        if (vLen > 0) {
            into.addLabel(s, nOff, nLen, vOff, vLen);
        }
    }

    static void checkName(byte[] b, int off, int len, WriteBatch into, int s) throws BadRequestException {
        if (len == 0) {
            throw new BadRequestException("invalid label name: empty (series " + into.describe(s) + ")");
        }
        for (int i = 0; i < len; i++) {
            int c = b[off + i];
            boolean ok = c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (i > 0 && c >= '0' && c <= '9');
            if (!ok) {
                String name = ProtoReader.validUtf8(b, off, off + len)
                    ? new String(b, off, Math.min(len, 64), java.nio.charset.StandardCharsets.UTF_8) : "(not UTF-8)";
                throw new BadRequestException("invalid label name '" + name + "': names match [a-zA-Z_][a-zA-Z0-9_]*");
            }
        }
    }

    private void sample(byte[] body, int from, int to, int s, WriteBatch into) throws BadRequestException {
        sub.reset(body, from, to);
        long bits = 0;
        long t = 0;
        while (sub.hasMore()) {
            int tag = sub.readTag();
            switch (tag >>> 3) {
                case 1 -> {
                    sub.expect(tag, ProtoReader.FIXED64);
                    bits = sub.readFixed64();
                }
                case 2 -> {
                    sub.expect(tag, ProtoReader.VARINT);
                    t = sub.readVarint();
                }
                default -> sub.skip(tag);
            }
        }
        into.addSample(s, t, bits);
    }
}
