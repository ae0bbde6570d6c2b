package io.sluice.block;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes and reads {@code meta.json}. Writing reproduces Go's {@code json.MarshalIndent(meta, "",
 * "\t")} of Prometheus' {@code BlockMeta} byte for byte (tabs, {@code "key": value}, zero
 * {@code stats} fields left out as their {@code omitempty} tags say, no trailing newline), so a
 * block Sluice writes is the block Prometheus would write. Reading uses jackson-core's strict
 * streaming parser: malformed JSON, duplicate keys, trailing content, a missing or mistyped field or
 * a version other than 1 is a {@link BlockCorruptionException} at the byte offset the parser
 * reports; unknown fields are skipped, as Go's decoder does.
 *
 * <p>Threading: stateless, thread-safe.
 */
final class MetaJson {
    private static final JsonFactory JSON = JsonFactory.builder()
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .build();

    private MetaJson() {
    }

    static byte[] write(BlockMeta m) {
        StringBuilder sb = new StringBuilder(320);
        sb.append("{\n");
        sb.append("\t\"ulid\": \"").append(m.ulid()).append("\",\n");
        sb.append("\t\"minTime\": ").append(m.minTime()).append(",\n");
        sb.append("\t\"maxTime\": ").append(m.maxTime()).append(",\n");
        List<String> stats = new ArrayList<>(4);
        addNonZero(stats, "numSamples", m.numSamples());
        addNonZero(stats, "numSeries", m.numSeries());
        addNonZero(stats, "numChunks", m.numChunks());
        addNonZero(stats, "numTombstones", m.numTombstones());
        if (stats.isEmpty()) {
            sb.append("\t\"stats\": {},\n");
        } else {
            sb.append("\t\"stats\": {\n");
            for (int i = 0; i < stats.size(); i++) {
                sb.append("\t\t").append(stats.get(i)).append(i + 1 < stats.size() ? ",\n" : "\n");
            }
            sb.append("\t},\n");
        }
        sb.append("\t\"compaction\": {\n");
        sb.append("\t\t\"level\": ").append(m.compactionLevel());
        List<Ulid> sources = m.compactionSources();
        if (!sources.isEmpty()) {
            sb.append(",\n\t\t\"sources\": [\n");
            for (int i = 0; i < sources.size(); i++) {
                sb.append("\t\t\t\"").append(sources.get(i)).append('"').append(i + 1 < sources.size() ? ",\n" : "\n");
            }
            sb.append("\t\t]");
        }
        List<BlockMeta.BlockDesc> parents = m.compactionParents();
        if (!parents.isEmpty()) {
            sb.append(",\n\t\t\"parents\": [\n");
            for (int i = 0; i < parents.size(); i++) {
                BlockMeta.BlockDesc d = parents.get(i);
                sb.append("\t\t\t{\n");
                sb.append("\t\t\t\t\"ulid\": \"").append(d.ulid()).append("\",\n");
                sb.append("\t\t\t\t\"minTime\": ").append(d.minTime()).append(",\n");
                sb.append("\t\t\t\t\"maxTime\": ").append(d.maxTime()).append('\n');
                sb.append("\t\t\t}").append(i + 1 < parents.size() ? ",\n" : "\n");
            }
            sb.append("\t\t]");
        }
        sb.append("\n\t},\n");
        sb.append("\t\"version\": ").append(m.version()).append('\n');
        sb.append('}');
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void addNonZero(List<String> out, String name, long value) {
        if (value != 0) {
            out.add('"' + name + "\": " + Long.toUnsignedString(value));
        }
    }

    static BlockMeta read(Path file, byte[] json) throws BlockCorruptionException {
        try (JsonParser p = JSON.createParser(json)) {
            return parse(file, p);
        } catch (BlockCorruptionException e) {
            throw e;
        } catch (JsonProcessingException e) {
            long at = e.getLocation() == null ? 0 : Math.max(0, e.getLocation().getByteOffset());
            throw new BlockCorruptionException(file, at, "meta.json does not parse: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new BlockCorruptionException(file, 0, "meta.json does not parse: " + e.getMessage());
        }
    }

    private static BlockMeta parse(Path file, JsonParser p) throws IOException {
        expect(file, p, p.nextToken(), JsonToken.START_OBJECT, "the document");
        Ulid ulid = null;
        Long minTime = null;
        Long maxTime = null;
        Integer version = null;
        long[] stats = new long[4];
        int level = 0;
        List<Ulid> sources = new ArrayList<>();
        List<BlockMeta.BlockDesc> parents = new ArrayList<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken t = p.nextToken();
            switch (field) {
                case "ulid":
                    ulid = ulid(file, p, t);
                    break;
                case "minTime":
                    minTime = longValue(file, p, t, field);
                    break;
                case "maxTime":
                    maxTime = longValue(file, p, t, field);
                    break;
                case "version":
                    version = (int) longValue(file, p, t, field);
                    if (version != BlockMeta.VERSION) {
                        throw corrupt(file, p, "unexpected meta.json version " + version + " (only " + BlockMeta.VERSION
                            + " is known)");
                    }
                    break;
                case "stats":
                    expect(file, p, t, JsonToken.START_OBJECT, "stats");
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String s = p.currentName();
                        JsonToken v = p.nextToken();
                        int i = s.equals("numSamples") ? 0 : s.equals("numSeries") ? 1 : s.equals("numChunks") ? 2
                            : s.equals("numTombstones") ? 3 : -1;
                        if (i < 0) {
                            p.skipChildren();
                        } else {
                            stats[i] = longValue(file, p, v, "stats." + s);
                            if (stats[i] < 0) {
                                throw corrupt(file, p, "stats." + s + " is negative");
                            }
                        }
                    }
                    break;
                case "compaction":
                    expect(file, p, t, JsonToken.START_OBJECT, "compaction");
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String s = p.currentName();
                        JsonToken v = p.nextToken();
                        if (s.equals("level")) {
                            level = (int) longValue(file, p, v, "compaction.level");
                        } else if (s.equals("sources")) {
                            expect(file, p, v, JsonToken.START_ARRAY, "compaction.sources");
                            JsonToken e;
                            while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
                                sources.add(ulid(file, p, e));
                            }
                        } else if (s.equals("parents")) {
                            expect(file, p, v, JsonToken.START_ARRAY, "compaction.parents");
                            JsonToken e;
                            while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
                                parents.add(parent(file, p, e));
                            }
                        } else {
                            p.skipChildren();
                        }
                    }
                    break;
                default:
                    p.skipChildren(); // Go's decoder ignores unknown fields (e.g. Thanos' "thanos" section)
            }
        }
        if (p.currentToken() != JsonToken.END_OBJECT) {
            throw corrupt(file, p, "expected a field name or '}'");
        }
        long end = p.currentLocation().getByteOffset();
        if (p.nextToken() != null) {
            throw corrupt(file, p, "trailing content after the JSON object");
        }
        if (ulid == null || minTime == null || maxTime == null || version == null) {
            throw new BlockCorruptionException(file, end, "meta.json lacks "
                + (ulid == null ? "ulid" : minTime == null ? "minTime" : maxTime == null ? "maxTime" : "version"));
        }
        return new BlockMeta(ulid, minTime, maxTime, stats[0], stats[1], stats[2], stats[3], level, sources, parents,
            version);
    }

    private static BlockMeta.BlockDesc parent(Path file, JsonParser p, JsonToken t) throws IOException {
        expect(file, p, t, JsonToken.START_OBJECT, "a compaction parent");
        Ulid ulid = null;
        Long minTime = null;
        Long maxTime = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String s = p.currentName();
            JsonToken v = p.nextToken();
            switch (s) {
                case "ulid" -> ulid = ulid(file, p, v);
                case "minTime" -> minTime = longValue(file, p, v, "parent minTime");
                case "maxTime" -> maxTime = longValue(file, p, v, "parent maxTime");
                default -> p.skipChildren();
            }
        }
        if (ulid == null) {
            throw corrupt(file, p, "a compaction parent lacks its ulid");
        }
        // Go's decoder leaves a missing number 0; only the ULID matters to Sluice.
        return new BlockMeta.BlockDesc(ulid, minTime == null ? 0 : minTime, maxTime == null ? 0 : maxTime);
    }

    private static void expect(Path file, JsonParser p, JsonToken actual, JsonToken expected, String what)
        throws BlockCorruptionException {
        if (actual != expected) {
            throw corrupt(file, p, what + " must be " + (expected == JsonToken.START_OBJECT ? "an object" : "an array")
                + ", got " + actual);
        }
    }

    private static Ulid ulid(Path file, JsonParser p, JsonToken t) throws IOException {
        if (t != JsonToken.VALUE_STRING) {
            throw corrupt(file, p, "a ULID must be a string, got " + t);
        }
        try {
            return Ulid.parse(p.getText());
        } catch (IllegalArgumentException e) {
            throw corrupt(file, p, e.getMessage());
        }
    }

    private static long longValue(Path file, JsonParser p, JsonToken t, String field) throws IOException {
        if (t != JsonToken.VALUE_NUMBER_INT) {
            throw corrupt(file, p, field + " must be an integer, got " + t);
        }
        if (p.getNumberType() != JsonParser.NumberType.INT && p.getNumberType() != JsonParser.NumberType.LONG) {
            throw corrupt(file, p, field + " does not fit in 64 bits: " + p.getText());
        }
        return p.getLongValue();
    }

    private static BlockCorruptionException corrupt(Path file, JsonParser p, String reason) {
        return new BlockCorruptionException(file, Math.max(0, p.currentTokenLocation().getByteOffset()), reason);
    }
}
