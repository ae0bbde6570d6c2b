package io.sluice.server;

import java.util.Arrays;

/**
 * Decodes an OTLP {@code ExportMetricsServiceRequest} (protobuf) into a {@link WriteBatch}, one
 * series per Prometheus series the data point maps to, without parsing attributes: a series' key is
 * four segments, (1) a descriptor this decoder writes to the batch's side buffer (format, metric
 * kind, monotonicity, unit, series suffix and its {@code le}/{@code quantile} value), (2) the metric
 * name's bytes, (3) the resource's bytes and (4) the data point's {@code attributes} fields' bytes.
 * Names, units and attributes are turned into labels only for a key not seen before
 * ({@link OtlpLabels}).
 *
 * <p>Mapping, as Prometheus' OTLP translator does: gauges and sums give one series (sums that are
 * monotonic get {@code _total}); histograms give {@code _bucket} (cumulative, with {@code le}, and
 * {@code +Inf} = count), {@code _sum} (when present) and {@code _count}; summaries give the quantile
 * series ({@code quantile} label), {@code _sum} and {@code _count}. A data point flagged "no recorded
 * value" becomes Prometheus' staleness marker. Delta temporality and exponential histograms are not
 * stored: their data points are counted as rejected ({@link WriteBatch#dropped}) and reported in the
 * response's {@code partial_success}.
 */
final class OtlpDecoder {
    static final byte GAUGE = 1;
    static final byte SUM = 2;
    static final byte HISTOGRAM = 3;
    static final byte SUMMARY = 4;
    static final byte SUFFIX_NONE = 0;
    static final byte SUFFIX_BUCKET = 1;
    static final byte SUFFIX_SUM = 2;
    static final byte SUFFIX_COUNT = 3;
    static final long STALE_NAN = PromTime.STALE_NAN_BITS;

    private final ProtoReader top = new ProtoReader("ExportMetricsServiceRequest");
    private final ProtoReader rm = new ProtoReader("ResourceMetrics");
    private final ProtoReader sm = new ProtoReader("ScopeMetrics");
    private final ProtoReader metric = new ProtoReader("Metric");
    private final ProtoReader data = new ProtoReader("metric data");
    private final ProtoReader dp = new ProtoReader("data point");
    private final ProtoReader sub = new ProtoReader("data point field");

    // Current context.
    private int resOff;
    private int resLen;
    private long resHash;
    private int nameOff;
    private int nameLen;
    private long nameHash;
    private int unitOff;
    private int unitLen;
    private byte kind;
    private boolean monotonic;
    private long[] bucketCounts = new long[32];
    private double[] bounds = new double[32];
    private double[] quantiles = new double[16];
    private double[] qValues = new double[16];
    private byte[] scratch = new byte[64];
    private final ProtoReader quantile = new ProtoReader("ValueAtQuantile");

    void decode(byte[] body, int length, WriteBatch into) throws BadRequestException {
        into.clear(body);
        top.reset(body, 0, length);
        for (int end; (end = top.nextLen(1)) >= 0; top.pos = end) {
            resourceMetrics(body, top.pos, end, into);
        }
    }

    private void resourceMetrics(byte[] b, int from, int to, WriteBatch into) throws BadRequestException {
        resOff = from;
        resLen = 0;
        rm.reset(b, from, to);
        for (int end; (end = rm.nextLen(1)) >= 0; rm.pos = end) {
            resOff = rm.pos;
            resLen = end - rm.pos;
        }
        resHash = SeriesCache.hash(b, resOff, resLen);
        rm.reset(b, from, to);
        for (int end; (end = rm.nextLen(2)) >= 0; rm.pos = end) {
            scopeMetrics(b, rm.pos, end, into);
        }
    }

    private void scopeMetrics(byte[] b, int from, int to, WriteBatch into) throws BadRequestException {
        sm.reset(b, from, to);
        for (int end; (end = sm.nextLen(2)) >= 0; sm.pos = end) {
            metric(b, sm.pos, end, into);
        }
    }

    private void metric(byte[] b, int from, int to, WriteBatch into) throws BadRequestException {
        nameOff = from;
        nameLen = 0;
        unitOff = from;
        unitLen = 0;
        int dataFrom = -1;
        int dataTo = -1;
        kind = 0;
        boolean exponential = false;
        metric.reset(b, from, to);
        while (metric.hasMore()) {
            int tag = metric.readTag();
            int field = tag >>> 3;
            switch (field) {
                case 1, 3 -> {
                    metric.expect(tag, ProtoReader.LEN);
                    int end = metric.readLengthEnd();
                    if (field == 1) {
                        nameOff = metric.pos;
                        nameLen = end - metric.pos;
                    } else {
                        unitOff = metric.pos;
                        unitLen = end - metric.pos;
                    }
                    metric.pos = end;
                }
                case 5, 7, 9, 10, 11 -> {
                    metric.expect(tag, ProtoReader.LEN);
                    int end = metric.readLengthEnd();
                    dataFrom = metric.pos;
                    dataTo = end;
                    kind = switch (field) {
                        case 5 -> GAUGE;
                        case 7 -> SUM;
                        case 9 -> HISTOGRAM;
                        case 11 -> SUMMARY;
                        default -> 0;
                    };
                    exponential = field == 10;
                    metric.pos = end;
                }
                default -> metric.skip(tag);
            }
        }
        if (nameLen == 0) {
            throw new BadRequestException("an OTLP metric has no name");
        }
        if (unitLen > 255) {
            throw new BadRequestException("an OTLP metric's unit is longer than 255 bytes");
        }
        if (dataFrom < 0) {
            return; // no data
        }
        nameHash = SeriesCache.hash(b, nameOff, nameLen);
        // First pass: temporality and monotonicity.
        int temporality = 2;
        monotonic = false;
        data.reset(b, dataFrom, dataTo);
        int points = 0;
        while (data.hasMore()) {
            int tag = data.readTag();
            int field = tag >>> 3;
            if (field == 1) {
                points++;
                data.skip(tag);
            } else if (field == 2 && (kind == SUM || kind == HISTOGRAM || exponential)) {
                data.expect(tag, ProtoReader.VARINT);
                temporality = (int) data.readVarint();
            } else if (field == 3 && kind == SUM) {
                data.expect(tag, ProtoReader.VARINT);
                monotonic = data.readVarint() != 0;
            } else {
                data.skip(tag);
            }
        }
        if (exponential) {
            into.drop(points, "exponential histograms are not stored");
            return;
        }
        if ((kind == SUM || kind == HISTOGRAM) && temporality != 2) {
            into.drop(points, "only cumulative temporality is stored (delta and unspecified are not)");
            return;
        }
        data.reset(b, dataFrom, dataTo);
        for (int end; (end = data.nextLen(1)) >= 0; data.pos = end) {
            switch (kind) {
                case GAUGE, SUM -> number(b, data.pos, end, into);
                case HISTOGRAM -> histogram(b, data.pos, end, into);
                default -> summary(b, data.pos, end, into);
            }
        }
    }

    /** The current data point's attributes, its time and its no-recorded-value flag. */
    private final FieldRun attrs = new FieldRun();
    private long time;
    private boolean noValue;

    private void number(byte[] b, int from, int to, WriteBatch into) throws BadRequestException {
        long bits = 0;
        time = 0;
        noValue = false;
        attrs.reset();
        sub.reset(b, from, to);
        while (sub.hasMore()) {
            int start = sub.pos;
            int tag = sub.readTag();
            switch (tag >>> 3) {
                case 7 -> attrs.see(sub, start, tag);
                case 3 -> {
                    sub.expect(tag, ProtoReader.FIXED64);
                    time = sub.readFixed64();
                }
                case 4 -> {
                    sub.expect(tag, ProtoReader.FIXED64);
                    bits = sub.readFixed64();
                }
                case 6 -> {
                    sub.expect(tag, ProtoReader.FIXED64);
                    bits = Double.doubleToRawLongBits((double) sub.readFixed64());
                }
                case 8 -> {
                    sub.expect(tag, ProtoReader.VARINT);
                    noValue = (sub.readVarint() & 1) != 0;
                }
                default -> sub.skip(tag);
            }
        }
        attrs.settle(into, b, from, to, 7, dp);
        series(into, SUFFIX_NONE, null, noValue ? STALE_NAN : bits);
    }

    private void histogram(byte[] b, int from, int to, WriteBatch into) throws BadRequestException {
        attrs.reset();
        time = 0;
        noValue = false;
        long count = 0;
        long sumBits = 0;
        boolean hasSum = false;
        int nBuckets = 0;
        int nBounds = 0;
        sub.reset(b, from, to);
        while (sub.hasMore()) {
            int start = sub.pos;
            int tag = sub.readTag();
            switch (tag >>> 3) {
                case 9 -> attrs.see(sub, start, tag);
                case 3 -> {
                    sub.expect(tag, ProtoReader.FIXED64);
                    time = sub.readFixed64();
                }
                case 4 -> {
                    sub.expect(tag, ProtoReader.FIXED64);
                    count = sub.readFixed64();
                }
                case 5 -> {
                    sub.expect(tag, ProtoReader.FIXED64);
                    sumBits = sub.readFixed64();
                    hasSum = true;
                }
                case 6, 7 -> {
                    boolean counts = tag >>> 3 == 6;
                    int end = (tag & 7) == ProtoReader.LEN ? sub.readLengthEnd() : -1;
                    if (end < 0) {
                        sub.expect(tag, ProtoReader.FIXED64);
                    }
                    do {
                        long v = sub.readFixed64();
                        if (counts) {
                            if (nBuckets == bucketCounts.length) {
                                bucketCounts = Arrays.copyOf(bucketCounts, nBuckets * 2);
                            }
                            bucketCounts[nBuckets++] = v;
                        } else {
                            if (nBounds == bounds.length) {
                                bounds = Arrays.copyOf(bounds, nBounds * 2);
                            }
                            bounds[nBounds++] = Double.longBitsToDouble(v);
                        }
                    } while (end >= 0 && sub.pos < end);
                }
                case 10 -> {
                    sub.expect(tag, ProtoReader.VARINT);
                    noValue = (sub.readVarint() & 1) != 0;
                }
                default -> sub.skip(tag);
            }
        }
        attrs.settle(into, b, from, to, 9, dp);
        if (nBuckets > 0 && nBuckets != nBounds + 1) {
            throw new BadRequestException("an OTLP histogram data point has " + nBuckets + " bucket counts for "
                + nBounds + " explicit bounds (want bounds + 1)");
        }
        long cumulative = 0;
        for (int i = 0; i < nBounds && nBuckets > 0; i++) {
            cumulative += bucketCounts[i];
            series(into, SUFFIX_BUCKET, PromTime.value(bounds[i]), noValue ? STALE_NAN
                : Double.doubleToRawLongBits((double) cumulative));
        }
        series(into, SUFFIX_BUCKET, "+Inf", noValue ? STALE_NAN : Double.doubleToRawLongBits((double) count));
        if (hasSum) {
            series(into, SUFFIX_SUM, null, noValue ? STALE_NAN : sumBits);
        }
        series(into, SUFFIX_COUNT, null, noValue ? STALE_NAN : Double.doubleToRawLongBits((double) count));
    }

    private void summary(byte[] b, int from, int to, WriteBatch into) throws BadRequestException {
        attrs.reset();
        time = 0;
        noValue = false;
        long count = 0;
        long sumBits = 0;
        int nq = 0;
        sub.reset(b, from, to);
        while (sub.hasMore()) {
            int start = sub.pos;
            int tag = sub.readTag();
            switch (tag >>> 3) {
                case 7 -> attrs.see(sub, start, tag);
                case 3 -> {
                    sub.expect(tag, ProtoReader.FIXED64);
                    time = sub.readFixed64();
                }
                case 4 -> {
                    sub.expect(tag, ProtoReader.FIXED64);
                    count = sub.readFixed64();
                }
                case 5 -> {
                    sub.expect(tag, ProtoReader.FIXED64);
                    sumBits = sub.readFixed64();
                }
                case 6 -> {
                    sub.expect(tag, ProtoReader.LEN);
                    int end = sub.readLengthEnd();
                    double q = 0;
                    double v = 0;
                    ProtoReader r = quantile;
                    r.reset(b, sub.pos, end);
                    while (r.hasMore()) {
                        int t = r.readTag();
                        if (t >>> 3 == 1 || t >>> 3 == 2) {
                            r.expect(t, ProtoReader.FIXED64);
                            double d = Double.longBitsToDouble(r.readFixed64());
                            if (t >>> 3 == 1) {
                                q = d;
                            } else {
                                v = d;
                            }
                        } else {
                            r.skip(t);
                        }
                    }
                    if (nq == quantiles.length) {
                        quantiles = Arrays.copyOf(quantiles, nq * 2);
                        qValues = Arrays.copyOf(qValues, nq * 2);
                    }
                    quantiles[nq] = q;
                    qValues[nq++] = v;
                    sub.pos = end;
                }
                case 8 -> {
                    sub.expect(tag, ProtoReader.VARINT);
                    noValue = (sub.readVarint() & 1) != 0;
                }
                default -> sub.skip(tag);
            }
        }
        attrs.settle(into, b, from, to, 7, dp);
        for (int i = 0; i < nq; i++) {
            series(into, SUFFIX_NONE, PromTime.value(quantiles[i]), noValue ? STALE_NAN
                : Double.doubleToRawLongBits(qValues[i]));
        }
        series(into, SUFFIX_SUM, null, noValue ? STALE_NAN : sumBits);
        series(into, SUFFIX_COUNT, null, noValue ? STALE_NAN : Double.doubleToRawLongBits((double) count));
    }

    /** Adds one series (its four key segments) and its one sample. */
    private void series(WriteBatch into, byte suffix, String extra, long bits) {
        int s = into.beginSeries();
        into.format[s] = WriteBatch.OTLP;
        // Descriptor: 0x02, kind, monotonic, suffix, unit length (1 byte), unit, extra length (2 bytes), extra (ASCII).
        int extraLen = extra == null ? 0 : extra.length();
        int need = 7 + unitLen + extraLen;
        if (scratch.length < need) {
            scratch = new byte[Math.max(need, scratch.length * 2)];
        }
        int n = 0;
        scratch[n++] = WriteBatch.OTLP;
        scratch[n++] = kind;
        scratch[n++] = (byte) (monotonic ? 1 : 0);
        scratch[n++] = suffix;
        scratch[n++] = (byte) unitLen;
        System.arraycopy(into.buf, unitOff, scratch, n, unitLen);
        n += unitLen;
        scratch[n++] = (byte) (extraLen >>> 8);
        scratch[n++] = (byte) extraLen;
        for (int k = 0; k < extraLen; k++) {
            scratch[n++] = (byte) extra.charAt(k);
        }
        int descFrom = into.toSide(scratch, 0, n);
        into.addSegment(s, true, descFrom, n);
        into.addSegment(s, false, nameOff, nameLen);
        into.addSegment(s, false, resOff, resLen);
        into.addSegment(s, attrs.inSide, attrs.off, attrs.len);
        long h = SeriesCache.hash(into.side, descFrom, n);
        h = (h ^ nameHash) * 0xC2B2AE3D27D4EB4FL;
        h = (h ^ resHash) * 0x165667B19E3779F9L;
        h = (h ^ attrs.hash) * 0x9E3779B97F4A7C15L;
        into.keyHash[s] = h ^ (h >>> 29);
        into.addSample(s, Math.floorDiv(time, 1_000_000L), bits);
    }
}
