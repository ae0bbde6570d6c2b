package io.sluice.server;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns an OTLP series key ({@link OtlpDecoder}) into Prometheus labels, as Prometheus' OTLP
 * translator does (its default "underscore escaping with suffixes"):
 *
 * <ul>
 *   <li>metric name: characters other than {@code [a-zA-Z0-9_:]} become {@code _}, runs of {@code _}
 *       collapse, a leading digit gets a {@code _} prefix; the unit is appended as a word
 *       ({@code s} = {@code seconds}, {@code By} = {@code bytes}, {@code x/y} = {@code x_per_y},
 *       annotations in braces dropped, {@code 1} on a gauge = {@code ratio}) unless the name already
 *       ends with it; monotonic sums end in {@code _total}; histogram and summary series get
 *       {@code _bucket}, {@code _sum}, {@code _count};</li>
 *   <li>attribute names: other characters become {@code _}, a leading digit gets {@code key_}, a single
 *       leading {@code _} gets {@code key}; attributes whose names collide after that have their
 *       values joined with {@code ;} (in name order); values: strings as they are, booleans, integers
 *       and doubles as text, bytes in base64, arrays and maps as JSON;</li>
 *   <li>resource: {@code service.namespace/service.name} (or {@code service.name}) becomes {@code job},
 *       {@code service.instance.id} becomes {@code instance}; other resource attributes are not copied
 *       onto the series (Prometheus puts them on a separate {@code target_info} series, which Sluice
 *       does not write);</li>
 *   <li>labels with empty values are dropped.</li>
 * </ul>
 */
final class OtlpLabels {
    private OtlpLabels() {
    }

    private static final Map<String, String> UNITS = Map.ofEntries(
        Map.entry("d", "days"), Map.entry("h", "hours"), Map.entry("min", "minutes"), Map.entry("s", "seconds"),
        Map.entry("ms", "milliseconds"), Map.entry("us", "microseconds"), Map.entry("ns", "nanoseconds"),
        Map.entry("By", "bytes"), Map.entry("KiBy", "kibibytes"), Map.entry("MiBy", "mebibytes"),
        Map.entry("GiBy", "gibibytes"), Map.entry("TiBy", "tibibytes"), Map.entry("KBy", "kilobytes"),
        Map.entry("MBy", "megabytes"), Map.entry("GBy", "gigabytes"), Map.entry("TBy", "terabytes"),
        Map.entry("m", "meters"), Map.entry("V", "volts"), Map.entry("A", "amperes"), Map.entry("J", "joules"),
        Map.entry("W", "watts"), Map.entry("g", "grams"), Map.entry("Cel", "celsius"), Map.entry("Hz", "hertz"),
        Map.entry("%", "percent"));

    private static final Map<String, String> PER_UNITS = Map.of("s", "second", "m", "minute", "h", "hour",
        "d", "day", "w", "week", "mo", "month", "y", "year");

    static String[] build(WriteBatch b, int s) throws BadRequestException {
        int g = b.segFrom[s];
        byte[] d = b.segArray(g);
        int p = b.segOff[g];
        byte kind = d[p + 1];
        boolean monotonic = d[p + 2] != 0;
        byte suffix = d[p + 3];
        int unitLen = d[p + 4] & 0xFF;
        String unit = utf8(d, p + 5, unitLen, "unit");
        int q = p + 5 + unitLen;
        int extraLen = (d[q] & 0xFF) << 8 | (d[q + 1] & 0xFF);
        String extra = extraLen == 0 ? null : new String(d, q + 2, extraLen, StandardCharsets.US_ASCII);
        String name = utf8(b.segArray(g + 1), b.segOff[g + 1], b.segLen[g + 1], "metric name");

        TreeMap<String, String> labels = new TreeMap<>();
        attributes(b.segArray(g + 3), b.segOff[g + 3], b.segLen[g + 3], labels);
        TreeMap<String, String> resource = new TreeMap<>();
        resourceAttributes(b.segArray(g + 2), b.segOff[g + 2], b.segLen[g + 2], resource);
        String service = resource.get("service.name");
        String namespace = resource.get("service.namespace");
        if (service != null && !service.isEmpty()) {
            labels.put("job", namespace == null || namespace.isEmpty() ? service : namespace + "/" + service);
        }
        String instance = resource.get("service.instance.id");
        if (instance != null && !instance.isEmpty()) {
            labels.put("instance", instance);
        }
        String metricName = metricName(name, unit, kind, monotonic);
        switch (suffix) {
            case OtlpDecoder.SUFFIX_BUCKET -> metricName += "_bucket";
            case OtlpDecoder.SUFFIX_SUM -> metricName += "_sum";
            case OtlpDecoder.SUFFIX_COUNT -> metricName += "_count";
            default -> {
            }
        }
        labels.put("__name__", metricName);
        if (extra != null) {
            labels.put(kind == OtlpDecoder.HISTOGRAM ? "le" : "quantile", extra);
        }
        List<String> kv = new ArrayList<>(2 * labels.size());
        for (Map.Entry<String, String> e : labels.entrySet()) {
            if (!e.getValue().isEmpty()) {
                kv.add(e.getKey());
                kv.add(e.getValue());
            }
        }
        return kv.toArray(new String[0]);
    }

    static String metricName(String name, String unit, byte kind, boolean monotonic) {
        List<String> words = new ArrayList<>();
        for (String w : name.split("[^a-zA-Z0-9:]+")) {
            if (!w.isEmpty()) {
                words.add(w);
            }
        }
        String u = unit.replaceAll("\\{[^}]*\\}", "").trim();
        String unitWords = "";
        if (!u.isEmpty()) {
            int slash = u.indexOf('/');
            if (slash >= 0) {
                String main = UNITS.getOrDefault(u.substring(0, slash), u.substring(0, slash));
                String per = PER_UNITS.getOrDefault(u.substring(slash + 1), u.substring(slash + 1));
                unitWords = (main.isEmpty() ? "" : main + "_") + "per_" + per;
            } else if (!u.equals("1")) {
                unitWords = UNITS.getOrDefault(u, u);
            }
        } else if (unit.equals("1")) {
            unitWords = "";
        }
        if (u.equals("1") && kind == OtlpDecoder.GAUGE) {
            unitWords = "ratio";
        }
        for (String w : unitWords.split("[^a-zA-Z0-9:]+")) {
            if (!w.isEmpty() && !words.contains(w)) {
                words.add(w);
            }
        }
        if (kind == OtlpDecoder.SUM && monotonic) {
            if (!words.isEmpty() && words.get(words.size() - 1).equals("total")) {
                words.remove(words.size() - 1);
            }
            words.add("total");
        }
        String out = String.join("_", words);
        if (out.isEmpty()) {
            return "_";
        }
        return Character.isDigit(out.charAt(0)) ? "_" + out : out;
    }

    static String labelName(String key) {
        StringBuilder sb = new StringBuilder(key.length() + 4);
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            sb.append(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ? c : '_');
        }
        String n = sb.toString();
        if (n.isEmpty()) {
            return n;
        }
        if (Character.isDigit(n.charAt(0))) {
            return "key_" + n;
        }
        if (n.startsWith("_") && !n.startsWith("__")) {
            return "key" + n;
        }
        return n;
    }

    private static void resourceAttributes(byte[] b, int off, int len, Map<String, String> out) throws BadRequestException {
        ProtoReader r = new ProtoReader("Resource");
        r.reset(b, off, off + len);
        for (int end; (end = r.nextLen(1)) >= 0; r.pos = end) {
            keyValue(b, r.pos, end, out, false);
        }
    }

    /** Data-point attribute fields (any field number: the segment holds only them). */
    private static void attributes(byte[] b, int off, int len, TreeMap<String, String> out) throws BadRequestException {
        ProtoReader r = new ProtoReader("attributes");
        r.reset(b, off, off + len);
        TreeMap<String, String> raw = new TreeMap<>();
        while (r.hasMore()) {
            int tag = r.readTag();
            r.expect(tag, ProtoReader.LEN);
            int end = r.readLengthEnd();
            keyValue(b, r.pos, end, raw, true);
            r.pos = end;
        }
        for (Map.Entry<String, String> e : raw.entrySet()) {
            String name = labelName(e.getKey());
            if (name.isEmpty()) {
                throw new BadRequestException("an OTLP attribute has an empty key");
            }
            out.merge(name, e.getValue(), (a, c) -> a + ";" + c);
        }
    }

    private static void keyValue(byte[] b, int from, int to, Map<String, String> out, boolean strict)
        throws BadRequestException {
        ProtoReader r = new ProtoReader("KeyValue");
        r.reset(b, from, to);
        String key = null;
        String value = "";
        while (r.hasMore()) {
            int tag = r.readTag();
            if (tag >>> 3 == 1) {
                r.expect(tag, ProtoReader.LEN);
                int end = r.readLengthEnd();
                key = utf8(b, r.pos, end - r.pos, "attribute key");
                r.pos = end;
            } else if (tag >>> 3 == 2) {
                r.expect(tag, ProtoReader.LEN);
                int end = r.readLengthEnd();
                value = anyValue(b, r.pos, end, false);
                r.pos = end;
            } else {
                r.skip(tag);
            }
        }
        if (key == null) {
            if (strict) {
                throw new BadRequestException("an OTLP attribute has no key");
            }
            return;
        }
        out.put(key, value);
    }

    /** An AnyValue as label text; inside arrays and maps, as JSON. */
    private static String anyValue(byte[] b, int from, int to, boolean json) throws BadRequestException {
        ProtoReader r = new ProtoReader("AnyValue");
        r.reset(b, from, to);
        String v = json ? "null" : "";
        while (r.hasMore()) {
            int tag = r.readTag();
            switch (tag >>> 3) {
                case 1 -> {
                    r.expect(tag, ProtoReader.LEN);
                    int end = r.readLengthEnd();
                    String s = utf8(b, r.pos, end - r.pos, "attribute value");
                    v = json ? jsonString(s) : s;
                    r.pos = end;
                }
                case 2 -> {
                    r.expect(tag, ProtoReader.VARINT);
                    v = r.readVarint() != 0 ? "true" : "false";
                }
                case 3 -> {
                    r.expect(tag, ProtoReader.VARINT);
                    v = Long.toString(r.readVarint());
                }
                case 4 -> {
                    r.expect(tag, ProtoReader.FIXED64);
                    double d = Double.longBitsToDouble(r.readFixed64());
                    v = PromTime.value(d);
                }
                case 5 -> {
                    r.expect(tag, ProtoReader.LEN);
                    int end = r.readLengthEnd();
                    StringBuilder sb = new StringBuilder("[");
                    ProtoReader a = new ProtoReader("ArrayValue");
                    a.reset(b, r.pos, end);
                    for (int e; (e = a.nextLen(1)) >= 0; a.pos = e) {
                        if (sb.length() > 1) {
                            sb.append(',');
                        }
                        sb.append(anyValue(b, a.pos, e, true));
                    }
                    v = sb.append(']').toString();
                    r.pos = end;
                }
                case 6 -> {
                    r.expect(tag, ProtoReader.LEN);
                    int end = r.readLengthEnd();
                    TreeMap<String, String> m = new TreeMap<>();
                    ProtoReader a = new ProtoReader("KeyValueList");
                    a.reset(b, r.pos, end);
                    for (int e; (e = a.nextLen(1)) >= 0; a.pos = e) {
                        kvJson(b, a.pos, e, m);
                    }
                    StringBuilder sb = new StringBuilder("{");
                    for (Map.Entry<String, String> e : m.entrySet()) {
                        if (sb.length() > 1) {
                            sb.append(',');
                        }
                        sb.append(jsonString(e.getKey())).append(':').append(e.getValue());
                    }
                    v = sb.append('}').toString();
                    r.pos = end;
                }
                case 7 -> {
                    r.expect(tag, ProtoReader.LEN);
                    int end = r.readLengthEnd();
                    String s = Base64.getEncoder().encodeToString(java.util.Arrays.copyOfRange(b, r.pos, end));
                    v = json ? jsonString(s) : s;
                    r.pos = end;
                }
                default -> r.skip(tag);
            }
        }
        return v;
    }

    private static void kvJson(byte[] b, int from, int to, Map<String, String> out) throws BadRequestException {
        ProtoReader r = new ProtoReader("KeyValue");
        r.reset(b, from, to);
        String key = "";
        String value = "null";
        while (r.hasMore()) {
            int tag = r.readTag();
            if (tag >>> 3 == 1 || tag >>> 3 == 2) {
                r.expect(tag, ProtoReader.LEN);
                int end = r.readLengthEnd();
                if (tag >>> 3 == 1) {
                    key = utf8(b, r.pos, end - r.pos, "attribute key");
                } else {
                    value = anyValue(b, r.pos, end, true);
                }
                r.pos = end;
            } else {
                r.skip(tag);
            }
        }
        out.put(key, value);
    }

    private static String jsonString(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    private static String utf8(byte[] b, int off, int len, String what) throws BadRequestException {
        if (!ProtoReader.validUtf8(b, off, off + len)) {
            throw new BadRequestException("an OTLP " + what + " is not valid UTF-8");
        }
        return new String(b, off, len, StandardCharsets.UTF_8);
    }
}
