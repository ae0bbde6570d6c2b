package io.sluice.server;

import io.sluice.chunk.XorAppender;
import io.sluice.engine.Labels;
import io.sluice.engine.Matcher;
import io.sluice.engine.SeriesSet;
import io.sluice.engine.Sluice;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
import org.xerial.snappy.Snappy;

/**
 * Prometheus remote read ({@code POST /api/v1/read}), so that a Prometheus with {@code remote_read}
 * to Sluice runs full PromQL over Sluice's data.
 *
 * <pre>
 * ReadRequest  { repeated Query queries = 1; repeated ResponseType accepted_response_types = 2; }
 * Query        { int64 start_timestamp_ms = 1; int64 end_timestamp_ms = 2; repeated LabelMatcher matchers = 3; }
 * LabelMatcher { Type type = 1 (EQ, NEQ, RE, NRE); string name = 2; string value = 3; }
 * </pre>
 *
 * Answers with the first accepted type it serves: {@code SAMPLES} (a snappy-compressed
 * {@code ReadResponse} of every query's series and samples, Prometheus 2.42's client asks for this) or
 * {@code STREAMED_XOR_CHUNKS} (one {@code ChunkedReadResponse} frame per series, each framed as
 * uvarint length, CRC-32C of the message (big-endian), message; XOR chunks of at most 120 samples).
 * A request over {@link #SAMPLE_LIMIT} samples in all is refused, as Prometheus'
 * {@code --storage.remote.read-sample-limit} does.
 */
final class RemoteRead {
    static final long SAMPLE_LIMIT = 50_000_000;
    static final int SAMPLES = 0;
    static final int STREAMED_XOR_CHUNKS = 1;
    static final String STREAMED_CONTENT_TYPE = "application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse";

    private final Sluice engine;

    RemoteRead(Sluice engine) {
        this.engine = engine;
    }

    record Query(long start, long end, Matcher[] matchers) { }

    Reply handle(byte[] body) {
        try {
            byte[] plain;
            try {
                if (!Snappy.isValidCompressedBuffer(body)) {
                    throw new BadRequestException("bad snappy block: not a valid snappy-compressed buffer");
                }
                int n = Snappy.uncompressedLength(body);
                if (n < 0 || n > Ingestor.MAX_DECOMPRESSED) {
                    throw new BadRequestException(413, "decompressed read request over " + Ingestor.MAX_DECOMPRESSED
                        + " bytes");
                }
                plain = Snappy.uncompress(body);
            } catch (IOException | RuntimeException e) {
                throw new BadRequestException("bad snappy block: " + e.getMessage());
            }
            List<Integer> accepted = new ArrayList<>();
            List<Query> queries = decode(plain, accepted);
            int type = SAMPLES;
            for (int t : accepted) {
                if (t == SAMPLES || t == STREAMED_XOR_CHUNKS) {
                    type = t;
                    break;
                }
            }
            if (!accepted.isEmpty() && !accepted.contains(type)) {
                throw new BadRequestException("none of the accepted response types " + accepted
                    + " is served (SAMPLES=0, STREAMED_XOR_CHUNKS=1)");
            }
            return type == SAMPLES ? samples(queries) : streamed(queries);
        } catch (BadRequestException e) {
            return Reply.text(e.status(), e.getMessage());
        } catch (IllegalStateException e) {
            return Reply.text(503, "the engine is closed: " + e.getMessage());
        } catch (IOException | RuntimeException e) {
            return Reply.text(500, "remote read failed: " + e);
        }
    }

    static List<Query> decode(byte[] b, List<Integer> accepted) throws BadRequestException {
        ProtoReader r = new ProtoReader("ReadRequest");
        r.reset(b, 0, b.length);
        List<Query> out = new ArrayList<>();
        while (r.hasMore()) {
            int tag = r.readTag();
            switch (tag >>> 3) {
                case 1 -> {
                    r.expect(tag, ProtoReader.LEN);
                    int end = r.readLengthEnd();
                    out.add(query(b, r.pos, end));
                    r.pos = end;
                }
                case 2 -> {
                    if ((tag & 7) == ProtoReader.LEN) { // packed
                        int end = r.readLengthEnd();
                        while (r.pos < end) {
                            accepted.add((int) r.readVarint());
                        }
                    } else {
                        r.expect(tag, ProtoReader.VARINT);
                        accepted.add((int) r.readVarint());
                    }
                }
                default -> r.skip(tag);
            }
        }
        return out;
    }

    private static Query query(byte[] b, int from, int to) throws BadRequestException {
        ProtoReader r = new ProtoReader("Query");
        r.reset(b, from, to);
        long start = 0;
        long end = 0;
        List<Matcher> matchers = new ArrayList<>();
        while (r.hasMore()) {
            int tag = r.readTag();
            switch (tag >>> 3) {
                case 1 -> {
                    r.expect(tag, ProtoReader.VARINT);
                    start = r.readVarint();
                }
                case 2 -> {
                    r.expect(tag, ProtoReader.VARINT);
                    end = r.readVarint();
                }
                case 3 -> {
                    r.expect(tag, ProtoReader.LEN);
                    int e = r.readLengthEnd();
                    matchers.add(matcher(b, r.pos, e));
                    r.pos = e;
                }
                default -> r.skip(tag);
            }
        }
        if (matchers.isEmpty()) {
            throw new BadRequestException("a remote-read query has no matchers");
        }
        return new Query(start, end, matchers.toArray(new Matcher[0]));
    }

    private static Matcher matcher(byte[] b, int from, int to) throws BadRequestException {
        ProtoReader r = new ProtoReader("LabelMatcher");
        r.reset(b, from, to);
        int type = 0;
        String name = "";
        String value = "";
        while (r.hasMore()) {
            int tag = r.readTag();
            switch (tag >>> 3) {
                case 1 -> {
                    r.expect(tag, ProtoReader.VARINT);
                    type = (int) r.readVarint();
                }
                case 2, 3 -> {
                    r.expect(tag, ProtoReader.LEN);
                    int e = r.readLengthEnd();
                    if (!ProtoReader.validUtf8(b, r.pos, e)) {
                        throw new BadRequestException("a label matcher is not valid UTF-8");
                    }
                    String s = new String(b, r.pos, e - r.pos, StandardCharsets.UTF_8);
                    if (tag >>> 3 == 2) {
                        name = s;
                    } else {
                        value = s;
                    }
                    r.pos = e;
                }
                default -> r.skip(tag);
            }
        }
        try {
            return switch (type) {
                case 0 -> Matcher.eq(name, value);
                case 1 -> Matcher.neq(name, value);
                case 2 -> Matcher.re(name, value);
                case 3 -> Matcher.nre(name, value);
                default -> throw new BadRequestException("unknown label matcher type " + type);
            };
        } catch (IllegalArgumentException e) {
            throw new BadRequestException("invalid label matcher " + name + ": " + e.getMessage());
        }
    }

    private SeriesSet run(Query q) throws BadRequestException {
        if (q.end < q.start) {
            throw new BadRequestException("query end " + q.end + " is before its start " + q.start);
        }
        try {
            return engine.query(q.start, q.end, q.matchers);
        } catch (IllegalArgumentException e) {
            throw new BadRequestException("invalid query: " + e.getMessage());
        }
    }

    private Reply samples(List<Query> queries) throws BadRequestException, IOException {
        ByteArrayOutputStream resp = new ByteArrayOutputStream(1 << 16);
        ByteArrayOutputStream result = new ByteArrayOutputStream(1 << 16);
        ByteArrayOutputStream ts = new ByteArrayOutputStream(1024);
        ByteArrayOutputStream item = new ByteArrayOutputStream(64);
        long total = 0;
        for (Query q : queries) {
            result.reset();
            try (SeriesSet set = run(q)) {
                while (set.next()) {
                    total += set.sampleCount();
                    if (total > SAMPLE_LIMIT) {
                        throw new BadRequestException(422, "exceeded sample limit (" + SAMPLE_LIMIT + ")");
                    }
                    ts.reset();
                    labels(ts, set.labels(), item);
                    for (int i = 0; i < set.sampleCount(); i++) {
                        item.reset();
                        RemoteWriteEncoder.tag(item, 1, 1);
                        RemoteWriteEncoder.fixed64(item, Double.doubleToRawLongBits(set.value(i)));
                        RemoteWriteEncoder.tag(item, 2, 0);
                        RemoteWriteEncoder.varint(item, set.timestamp(i));
                        RemoteWriteEncoder.bytesField(ts, 2, item.toByteArray());
                    }
                    RemoteWriteEncoder.bytesField(result, 1, ts.toByteArray());
                }
            }
            RemoteWriteEncoder.bytesField(resp, 1, result.toByteArray());
        }
        return new Reply(200, "application/x-protobuf", Snappy.compress(resp.toByteArray()), null, "snappy");
    }

    private Reply streamed(List<Query> queries) throws BadRequestException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(1 << 16);
        ByteArrayOutputStream msg = new ByteArrayOutputStream(1 << 12);
        ByteArrayOutputStream series = new ByteArrayOutputStream(1 << 12);
        ByteArrayOutputStream item = new ByteArrayOutputStream(256);
        XorAppender chunk = new XorAppender(256);
        CRC32C crc = new CRC32C();
        long total = 0;
        for (int qi = 0; qi < queries.size(); qi++) {
            try (SeriesSet set = run(queries.get(qi))) {
                while (set.next()) {
                    int n = (int) set.sampleCount();
                    total += n;
                    if (total > SAMPLE_LIMIT) {
                        throw new BadRequestException(422, "exceeded sample limit (" + SAMPLE_LIMIT + ")");
                    }
                    series.reset();
                    labels(series, set.labels(), item);
                    for (int from = 0; from < n; from += 120) {
                        int to = Math.min(n, from + 120);
                        chunk.reset();
                        for (int i = from; i < to; i++) {
                            chunk.append(set.timestamp(i), Double.doubleToRawLongBits(set.value(i)));
                        }
                        item.reset();
                        RemoteWriteEncoder.tag(item, 1, 0);
                        RemoteWriteEncoder.varint(item, set.timestamp(from));
                        RemoteWriteEncoder.tag(item, 2, 0);
                        RemoteWriteEncoder.varint(item, set.timestamp(to - 1));
                        RemoteWriteEncoder.tag(item, 3, 0);
                        RemoteWriteEncoder.varint(item, 1); // XOR
                        RemoteWriteEncoder.bytesField(item, 4, chunk.bytes());
                        RemoteWriteEncoder.bytesField(series, 2, item.toByteArray());
                    }
                    msg.reset();
                    RemoteWriteEncoder.bytesField(msg, 1, series.toByteArray());
                    if (qi > 0) {
                        RemoteWriteEncoder.tag(msg, 2, 0);
                        RemoteWriteEncoder.varint(msg, qi);
                    }
                    byte[] m = msg.toByteArray();
                    RemoteWriteEncoder.varint(out, m.length);
                    crc.reset();
                    crc.update(m);
                    int c = (int) crc.getValue();
                    out.write(c >>> 24);
                    out.write(c >>> 16);
                    out.write(c >>> 8);
                    out.write(c);
                    out.write(m, 0, m.length);
                }
            }
        }
        return new Reply(200, STREAMED_CONTENT_TYPE, out.toByteArray(), null, null);
    }

    private static void labels(ByteArrayOutputStream into, Labels l, ByteArrayOutputStream item) {
        for (int i = 0; i < l.size(); i++) {
            item.reset();
            RemoteWriteEncoder.bytesField(item, 1, l.name(i).getBytes(StandardCharsets.UTF_8));
            RemoteWriteEncoder.bytesField(item, 2, l.value(i).getBytes(StandardCharsets.UTF_8));
            RemoteWriteEncoder.bytesField(into, 1, item.toByteArray());
        }
    }
}
