package io.sluice.server;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A decoded write request held as offsets into its (decompressed) body and primitive arrays. Each
 * series is known by its <em>label key</em>: the raw bytes of its {@code Label} fields as the request
 * carries them (their protobuf encoding), which resolve the series through {@link SeriesCache} without
 * a String per label; the labels themselves are parsed and checked only for a key not seen before
 * ({@link #parseLabels}). Reused request after request by one ingest thread, so decoding allocates
 * nothing per sample and, once the arrays have grown, nothing per request.
 */
final class WriteBatch {
    /** The decompressed body this batch was decoded from (owned, reused). */
    byte[] plain = new byte[1 << 16];
    byte[] buf;
    long[] keyHash = new long[64];
    int series;
    /** Per series: the format that decoded it ({@link #REMOTE_WRITE} or {@link #OTLP}). */
    static final byte REMOTE_WRITE = 1;
    static final byte OTLP = 2;
    byte[] format = new byte[64];
    /**
     * Per series: its label key as segments (first segment index, count); a key is the concatenation of
     * its segments' bytes. A remote-write series has one segment (its {@code Label} fields); an OTLP
     * series four ({@link OtlpDecoder}).
     */
    int[] segFrom = new int[64];
    int[] segCount = new int[64];
    /** Per segment: in {@link #side} or in {@link #buf}; offset; length. */
    int segments;
    boolean[] segInSide = new boolean[256];
    int[] segOff = new int[256];
    int[] segLen = new int[256];
    int[] sampleFrom = new int[64];
    int[] sampleCount = new int[64];
    /** Label fields of series whose labels were not contiguous in the request, copied together. */
    byte[] side = new byte[1024];
    int sideLen;
    /** Per sample. */
    int samples;
    long[] timestamps = new long[1024];
    long[] valueBits = new long[1024];

    /** Data points the decoder did not store (OTLP: delta temporality, exponential histograms), and why. */
    int dropped;
    String dropReason;

    void drop(int points, String reason) {
        dropped += points;
        dropReason = reason;
    }

    void clear(byte[] buf) {
        dropped = 0;
        dropReason = null;
        this.buf = buf;
        series = 0;
        samples = 0;
        sideLen = 0;
        segments = 0;
    }

    int beginSeries() {
        if (series == segFrom.length) {
            int n = series * 2;
            format = Arrays.copyOf(format, n);
            segFrom = Arrays.copyOf(segFrom, n);
            segCount = Arrays.copyOf(segCount, n);
            sampleFrom = Arrays.copyOf(sampleFrom, n);
            sampleCount = Arrays.copyOf(sampleCount, n);
            keyHash = Arrays.copyOf(keyHash, n);
        }
        format[series] = REMOTE_WRITE;
        segFrom[series] = segments;
        segCount[series] = 0;
        sampleFrom[series] = samples;
        sampleCount[series] = 0;
        return series++;
    }

    /** Adds a key segment to series {@code s} (the series' segments are added together, in order). */
    void addSegment(int s, boolean inSide, int off, int len) {
        if (segments == segOff.length) {
            int n = segments * 2;
            segInSide = Arrays.copyOf(segInSide, n);
            segOff = Arrays.copyOf(segOff, n);
            segLen = Arrays.copyOf(segLen, n);
        }
        segInSide[segments] = inSide;
        segOff[segments] = off;
        segLen[segments] = len;
        segments++;
        segCount[s]++;
    }

    byte[] segArray(int g) {
        return segInSide[g] ? side : buf;
    }

    /** Total key length of series {@code s}. */
    int keyLength(int s) {
        int n = 0;
        for (int g = segFrom[s], end = g + segCount[s]; g < end; g++) {
            n += segLen[g];
        }
        return n;
    }

    /** Copies bytes to the side buffer; returns their offset there. */
    int toSide(byte[] from, int off, int len) {
        if (sideLen + len > side.length) {
            side = Arrays.copyOf(side, Math.max(sideLen + len, side.length * 2));
        }
        System.arraycopy(from, off, side, sideLen, len);
        int at = sideLen;
        sideLen += len;
        return at;
    }

    void addSample(int s, long timestamp, long bits) {
        if (samples == timestamps.length) {
            int n = samples * 2;
            timestamps = Arrays.copyOf(timestamps, n);
            valueBits = Arrays.copyOf(valueBits, n);
        }
        timestamps[samples] = timestamp;
        valueBits[samples] = bits;
        samples++;
        sampleCount[s]++;
    }

    /**
     * Parses and checks series {@code s}'s labels: names match {@code [a-zA-Z_][a-zA-Z0-9_]*}, values are
     * valid UTF-8; a label with an empty value is dropped (Prometheus: an empty value means absent).
     * Returns names and values interleaved.
     */
    String[] parseLabels(int s, ProtoReader r) throws BadRequestException {
        if (segCount[s] == 0) {
            throw new BadRequestException("a series in the request has no labels");
        }
        int g = segFrom[s];
        byte[] b = segArray(g);
        int end = segOff[g] + segLen[g];
        String[] out = new String[16];
        int n = 0;
        r.reset(b, segOff[g], end);
        while (r.hasMore()) {
            int tag = r.readTag();
            r.expect(tag, ProtoReader.LEN);
            int labelEnd = r.readLengthEnd();
            int nOff = r.pos;
            int nLen = 0;
            int vOff = r.pos;
            int vLen = 0;
            int fieldsEnd = labelEnd;
            while (r.pos < fieldsEnd) {
                int t = r.readTag();
                int field = t >>> 3;
                if (field == 1 || field == 2) {
                    r.expect(t, ProtoReader.LEN);
                    int e = r.readLengthEnd();
                    if (field == 1) {
                        nOff = r.pos;
                        nLen = e - r.pos;
                    } else {
                        vOff = r.pos;
                        vLen = e - r.pos;
                    }
                    r.pos = e;
                } else {
                    r.skip(t);
                }
            }
            checkName(b, nOff, nLen);
            if (!ProtoReader.validUtf8(b, vOff, vOff + vLen)) {
                throw new BadRequestException("invalid label value: the value of label '"
                    + new String(b, nOff, nLen, StandardCharsets.UTF_8) + "' is not valid UTF-8");
            }
            if (vLen == 0) {
                continue;
            }
            if (n + 2 > out.length) {
                out = Arrays.copyOf(out, out.length * 2);
            }
            out[n++] = new String(b, nOff, nLen, StandardCharsets.ISO_8859_1); // checked ASCII
            out[n++] = new String(b, vOff, vLen, StandardCharsets.UTF_8);
        }
        if (n == 0) {
            throw new BadRequestException("a series in the request has no labels (or only empty ones)");
        }
        return Arrays.copyOf(out, n);
    }

    static void checkName(byte[] b, int off, int len) throws BadRequestException {
        if (len == 0) {
            throw new BadRequestException("invalid label name: empty");
        }
        for (int i = 0; i < len; i++) {
            int c = b[off + i];
            boolean ok = c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (i > 0 && c >= '0' && c <= '9');
            if (!ok) {
                String name = ProtoReader.validUtf8(b, off, off + len)
                    ? new String(b, off, Math.min(len, 64), StandardCharsets.UTF_8) : "(not UTF-8)";
                throw new BadRequestException("invalid label name '" + name + "': names match [a-zA-Z_][a-zA-Z0-9_]*");
            }
        }
    }

    /** Labels of series {@code s} as a string for messages: {@code {a="b", c="d"}}. */
    String describe(int s) {
        try {
            String[] kv = format[s] == OTLP ? OtlpLabels.build(this, s) : parseLabels(s, new ProtoReader("Label"));
            StringBuilder sb = new StringBuilder("{");
            for (int i = 0; i < kv.length; i += 2) {
                if (i > 0) {
                    sb.append(", ");
                }
                sb.append(kv[i]).append("=\"").append(kv[i + 1]).append('"');
                if (sb.length() > 200) {
                    sb.append(", ...");
                    break;
                }
            }
            return sb.append('}').toString();
        } catch (BadRequestException e) {
            return "(labels not readable: " + e.getMessage() + ")";
        }
    }
}
