package io.sluice.server;

import java.util.Arrays;

/**
 * A decoded write request held as offsets into its (decompressed) body and primitive arrays:
 * series, their labels (name and value byte ranges, empty values dropped) and their samples.
 * Reused request after request by one ingest thread, so decoding allocates nothing per sample and,
 * once the arrays have grown, nothing per request.
 */
final class WriteBatch {
    byte[] buf;
    int series;
    /** Per series: first label index and label count; first sample index and sample count. */
    int[] labelFrom = new int[64];
    int[] labelCount = new int[64];
    int[] sampleFrom = new int[64];
    int[] sampleCount = new int[64];
    /** Per label: byte ranges in {@link #buf}. */
    int labels;
    int[] nameOff = new int[256];
    int[] nameLen = new int[256];
    int[] valueOff = new int[256];
    int[] valueLen = new int[256];
    /** Per sample. */
    int samples;
    long[] timestamps = new long[1024];
    long[] valueBits = new long[1024];

    /** Names and values as Strings, for requests that do not come as protobuf bytes (OTLP's mapping). */
    String[] nameStr = new String[0];
    String[] valueStr = new String[0];

    void clear(byte[] buf) {
        this.buf = buf;
        series = 0;
        labels = 0;
        samples = 0;
    }

    int beginSeries() {
        if (series == labelFrom.length) {
            int n = series * 2;
            labelFrom = Arrays.copyOf(labelFrom, n);
            labelCount = Arrays.copyOf(labelCount, n);
            sampleFrom = Arrays.copyOf(sampleFrom, n);
            sampleCount = Arrays.copyOf(sampleCount, n);
        }
        labelFrom[series] = labels;
        labelCount[series] = 0;
        sampleFrom[series] = samples;
        sampleCount[series] = 0;
        return series++;
    }

    void addLabel(int s, int nOff, int nLen, int vOff, int vLen) {
        if (labels == nameOff.length) {
            int n = labels * 2;
            nameOff = Arrays.copyOf(nameOff, n);
            nameLen = Arrays.copyOf(nameLen, n);
            valueOff = Arrays.copyOf(valueOff, n);
            valueLen = Arrays.copyOf(valueLen, n);
        }
        nameOff[labels] = nOff;
        nameLen[labels] = nLen;
        valueOff[labels] = vOff;
        valueLen[labels] = vLen;
        labels++;
        labelCount[s]++;
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

    /** Labels of series {@code s} as a string for messages: {@code {a="b", c="d"}}. */
    String describe(int s) {
        StringBuilder sb = new StringBuilder("{");
        for (int l = labelFrom[s], end = l + labelCount[s]; l < end; l++) {
            if (sb.length() > 1) {
                sb.append(", ");
            }
            sb.append(name(l)).append("=\"").append(value(l)).append('"');
            if (sb.length() > 200) {
                sb.append(", ...");
                break;
            }
        }
        return sb.append('}').toString();
    }

    String name(int l) {
        return new String(buf, nameOff[l], nameLen[l], java.nio.charset.StandardCharsets.UTF_8);
    }

    String value(int l) {
        return new String(buf, valueOff[l], valueLen[l], java.nio.charset.StandardCharsets.UTF_8);
    }
}
