package io.sluice.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.chunk.XorIterator;
import io.sluice.engine.Durability;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xerial.snappy.Snappy;

/** Remote read over HTTP, both response types, checked sample by sample. */
class RemoteReadTest {
    @TempDir
    Path dir;

    /** A ReadRequest: one query with an EQ matcher on __name__ and an RE matcher on job. */
    static byte[] readRequest(long start, long end, String name, String jobRegex, int... accepted) {
        ByteArrayOutputStream q = new ByteArrayOutputStream();
        RemoteWriteEncoder.tag(q, 1, 0);
        RemoteWriteEncoder.varint(q, start);
        RemoteWriteEncoder.tag(q, 2, 0);
        RemoteWriteEncoder.varint(q, end);
        RemoteWriteEncoder.bytesField(q, 3, matcher(0, "__name__", name));
        RemoteWriteEncoder.bytesField(q, 3, matcher(2, "job", jobRegex));
        ByteArrayOutputStream r = new ByteArrayOutputStream();
        RemoteWriteEncoder.bytesField(r, 1, q.toByteArray());
        for (int t : accepted) {
            RemoteWriteEncoder.tag(r, 2, 0);
            RemoteWriteEncoder.varint(r, t);
        }
        return r.toByteArray();
    }

    private static byte[] matcher(int type, String name, String value) {
        ByteArrayOutputStream m = new ByteArrayOutputStream();
        RemoteWriteEncoder.tag(m, 1, 0);
        RemoteWriteEncoder.varint(m, type);
        RemoteWriteEncoder.bytesField(m, 2, name.getBytes(StandardCharsets.UTF_8));
        RemoteWriteEncoder.bytesField(m, 3, value.getBytes(StandardCharsets.UTF_8));
        return m.toByteArray();
    }

    @Test
    void samplesAndStreamedXorChunksGiveWhatWasWritten() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        try (SluiceServer server = SluiceServer.start(SluiceServer.Options.defaults().grpcListen(new InetSocketAddress("127.0.0.1", 0)).dir(dir)
            .listen(new InetSocketAddress("127.0.0.1", 0)).durability(Durability.NONE))) {
            String base = "http://127.0.0.1:" + server.httpAddress().getPort();
            TreeMap<String, TreeMap<Long, Double>> written = new TreeMap<>();
            RemoteWriteEncoder e = new RemoteWriteEncoder();
            for (String job : new String[] {"a", "b", "c"}) {
                long[] ts = new long[300];
                double[] vs = new double[300];
                TreeMap<Long, Double> m = new TreeMap<>();
                for (int i = 0; i < ts.length; i++) {
                    ts[i] = 1_000_000 + 15_000L * i;
                    vs[i] = job.charAt(0) * 1000 + i * 0.5;
                    m.put(ts[i], vs[i]);
                }
                written.put(job, m);
                e.series(new String[] {"__name__", "rr", "job", job}, ts, vs);
            }
            HttpResponse<String> w = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/write"))
                .header("Content-Type", "application/x-protobuf").POST(HttpRequest.BodyPublishers.ofByteArray(e.body()))
                .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(204, w.statusCode(), w.body());
            long start = 1_000_000 + 15_000L * 10;
            long end = 1_000_000 + 15_000L * 250;
            TreeMap<String, TreeMap<Long, Double>> expected = new TreeMap<>();
            for (String job : new String[] {"a", "b"}) {
                expected.put(job, new TreeMap<>(written.get(job).subMap(start, true, end, true)));
            }

            // SAMPLES
            HttpResponse<byte[]> r = post(http, base, readRequest(start, end, "rr", "a|b", 0));
            assertEquals(200, r.statusCode());
            assertEquals("snappy", r.headers().firstValue("Content-Encoding").orElse(""));
            byte[] plain = Snappy.uncompress(r.body());
            ProtoReader top = new ProtoReader("ReadResponse");
            top.reset(plain, 0, plain.length);
            int tag = top.readTag();
            int qEnd = top.readLengthEnd();
            byte[] queryResult = java.util.Arrays.copyOfRange(plain, top.pos, qEnd);
            WriteBatch b = new WriteBatch();
            new RemoteWriteDecoder().decode(queryResult, queryResult.length, b);
            TreeMap<String, TreeMap<Long, Double>> got = new TreeMap<>();
            for (int s = 0; s < b.series; s++) {
                String[] kv = b.parseLabels(s, new ProtoReader("L"));
                TreeMap<Long, Double> m = new TreeMap<>();
                for (int i = b.sampleFrom[s]; i < b.sampleFrom[s] + b.sampleCount[s]; i++) {
                    m.put(b.timestamps[i], Double.longBitsToDouble(b.valueBits[i]));
                }
                got.put(kv[3], m);
            }
            assertEquals(1 << 3 | 2, tag);
            assertEquals(expected, got);

            // STREAMED_XOR_CHUNKS (preferred first)
            HttpResponse<byte[]> s = post(http, base, readRequest(start, end, "rr", "a|b", 1, 0));
            assertEquals(200, s.statusCode());
            assertEquals(RemoteRead.STREAMED_CONTENT_TYPE, s.headers().firstValue("Content-Type").orElse(""));
            assertEquals(expected, frames(s.body()));

            // Bad requests
            assertEquals(400, postRaw(http, base, "junk".getBytes(StandardCharsets.UTF_8)).statusCode());
            assertEquals(400, post(http, base, new byte[] {0x0a, 0x05, 0x1a}).statusCode());
            assertEquals(400, post(http, base, readRequest(end, start, "rr", "a", 0)).statusCode());
        }
    }

    /** Posts a ReadRequest, snappy-compressed. */
    private static HttpResponse<byte[]> post(HttpClient http, String base, byte[] plain) throws Exception {
        return postRaw(http, base, Snappy.compress(plain));
    }

    private static HttpResponse<byte[]> postRaw(HttpClient http, String base, byte[] body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/read"))
            .header("Content-Type", "application/x-protobuf").header("Content-Encoding", "snappy")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** Decodes a streamed response: every frame's CRC-32C, labels and XOR chunks. */
    static TreeMap<String, TreeMap<Long, Double>> frames(byte[] body) throws Exception {
        TreeMap<String, TreeMap<Long, Double>> out = new TreeMap<>();
        ProtoReader r = new ProtoReader("frames");
        r.reset(body, 0, body.length);
        XorIterator it = new XorIterator();
        while (r.hasMore()) {
            int len = (int) r.readVarint();
            int crc = (body[r.pos] & 0xFF) << 24 | (body[r.pos + 1] & 0xFF) << 16 | (body[r.pos + 2] & 0xFF) << 8
                | (body[r.pos + 3] & 0xFF);
            int from = r.pos + 4;
            CRC32C c = new CRC32C();
            c.update(body, from, len);
            assertEquals(crc, (int) c.getValue(), "frame CRC");
            ProtoReader m = new ProtoReader("ChunkedReadResponse");
            m.reset(body, from, from + len);
            while (m.hasMore()) {
                int tag = m.readTag();
                if (tag >>> 3 != 1) {
                    m.skip(tag);
                    continue;
                }
                int seriesEnd = m.readLengthEnd();
                ProtoReader cs = new ProtoReader("ChunkedSeries");
                cs.reset(body, m.pos, seriesEnd);
                String job = null;
                List<byte[]> chunks = new ArrayList<>();
                while (cs.hasMore()) {
                    int t = cs.readTag();
                    int e = cs.readLengthEnd();
                    if (t >>> 3 == 1) {
                        String label = new String(body, cs.pos, e - cs.pos, StandardCharsets.UTF_8);
                        if (label.contains("job")) {
                            job = label.substring(label.length() - 1);
                        }
                    } else {
                        ProtoReader ch = new ProtoReader("Chunk");
                        ch.reset(body, cs.pos, e);
                        while (ch.hasMore()) {
                            int ct = ch.readTag();
                            if (ct >>> 3 == 4) {
                                int de = ch.readLengthEnd();
                                chunks.add(java.util.Arrays.copyOfRange(body, ch.pos, de));
                                ch.pos = de;
                            } else if (ct >>> 3 == 3) {
                                assertEquals(1, ch.readVarint(), "XOR encoding");
                            } else {
                                ch.skip(ct);
                            }
                        }
                    }
                    cs.pos = e;
                }
                TreeMap<Long, Double> samples = new TreeMap<>();
                for (byte[] chunk : chunks) {
                    it.reset(chunk, 0, chunk.length);
                    assertTrue(it.numSamples() <= 120);
                    while (it.next()) {
                        samples.put(it.timestamp(), it.value());
                    }
                }
                out.put(job, samples);
                m.pos = seriesEnd;
            }
            r.pos = from + len;
        }
        return out;
    }
}
