package io.sluice.server;

/**
 * Decodes a Prometheus remote-write 1.0 {@code WriteRequest} (already snappy-decompressed) into a
 * {@link WriteBatch}, checking the wire format as it goes.
 *
 * <pre>
 * WriteRequest { repeated TimeSeries timeseries = 1; repeated MetricMetadata metadata = 3; }
 * TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2;
 *                repeated Exemplar exemplars = 3; repeated Histogram histograms = 4; }
 * Label        { string name = 1; string value = 2; }
 * Sample       { double value = 1; int64 timestamp = 2; }
 * </pre>
 *
 * A series' {@code Label} fields are not parsed here: their raw bytes are its key ({@link WriteBatch});
 * where other fields come between them, they are copied together. Labels are parsed and checked
 * when a key is new ({@link WriteBatch#parseLabels}). Metadata and exemplars are skipped (Sluice stores
 * samples only); native histograms are refused, since Sluice stores float samples only.
 */
final class RemoteWriteDecoder {
    private final ProtoReader top = new ProtoReader("WriteRequest");
    private final ProtoReader ts = new ProtoReader("TimeSeries");
    private final ProtoReader sub = new ProtoReader("Sample");
    private final FieldRun labels = new FieldRun();

    void decode(byte[] body, int length, WriteBatch into) throws BadRequestException {
        into.clear(body);
        top.reset(body, 0, length);
        for (int end; (end = top.nextLen(1)) >= 0; top.pos = end) {
            timeSeries(body, top.pos, end, into);
        }
    }

    private void timeSeries(byte[] body, int from, int to, WriteBatch into) throws BadRequestException {
        int s = into.beginSeries();
        labels.reset();
        ts.reset(body, from, to);
        while (ts.hasMore()) {
            int fieldStart = ts.pos;
            int tag = ts.readTag();
            switch (tag >>> 3) {
                case 1 -> labels.see(ts, fieldStart, tag);
                case 2 -> {
                    ts.expect(tag, ProtoReader.LEN);
                    int end = ts.readLengthEnd();
                    sample(body, ts.pos, end, s, into);
                    ts.pos = end;
                }
                case 4 -> throw new BadRequestException("native histograms are not supported: a series carries one;"
                    + " Sluice stores float samples");
                default -> ts.skip(tag);
            }
        }
        if (labels.isEmpty()) {
            return; // no labels: refused when resolved
        }
        labels.settle(into, body, from, to, 1, ts);
        into.addSegment(s, labels.inSide, labels.off, labels.len);
        into.keyHash[s] = labels.hash;
    }

    private void sample(byte[] body, int from, int to, int s, WriteBatch into) throws BadRequestException {
        // Fast path: value then timestamp, as every client writes them.
        if (to - from >= 11 && body[from] == 0x09 && body[from + 9] == 0x10) {
            long bits = 0;
            for (int i = 8; i >= 1; i--) {
                bits = (bits << 8) | (body[from + i] & 0xFFL);
            }
            sub.reset(body, from + 10, to);
            long t = sub.readVarint();
            if (sub.pos == to) {
                into.addSample(s, t, bits);
                return;
            }
        }
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
