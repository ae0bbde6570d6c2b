package io.sluice.testing;

import io.sluice.record.MixedRecord;
import io.sluice.record.RecordType;
import io.sluice.record.SamplesRecord;
import io.sluice.wal.FrameCrc;
import io.sluice.wal.FrameDescriptor;
import io.sluice.wal.SegmentDescriptor;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * An independent, deliberately simple reader of segment bytes for tests: it walks frames by their
 * length fields from the header on and stops at the first zero length. It shares only the
 * documented constants with the engine.
 */
public final class Frames {
    private Frames() {
    }

    /** One frame found in a segment. */
    public static final class Frame {
        public final int offset;
        public final int bodyLength;
        public final byte type;

        Frame(int offset, int bodyLength, byte type) {
            this.offset = offset;
            this.bodyLength = bodyLength;
            this.type = type;
        }

        public int end() {
            return offset + FrameDescriptor.framedLength(bodyLength);
        }

        @Override
        public String toString() {
            return RecordType.name(type) + "@" + offset + "+" + bodyLength;
        }
    }

    public static UnsafeBuffer wrap(byte[] bytes) {
        ByteBuffer bb = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        return new UnsafeBuffer(bb);
    }

    public static List<Frame> frames(byte[] segment) {
        UnsafeBuffer b = wrap(segment);
        List<Frame> out = new ArrayList<>();
        int off = SegmentDescriptor.HEADER_LENGTH;
        // In a recycled segment the bytes after the last frame are an old life whose words may read
        // as a plausible length: there, the chain also stops at the first checksum that fails.
        boolean recycled = segment.length >= SegmentDescriptor.HEADER_LENGTH && SegmentDescriptor.recycled(b);
        while (off + 8 <= segment.length) {
            int len = b.getInt(off);
            if (len <= 0 || off + 8 + len > segment.length) {
                break;
            }
            if (recycled && new FrameCrc().forFile(b).of(segment, off + 8, len) != b.getInt(off + 4)) {
                break;
            }
            out.add(new Frame(off, len, b.getByte(off + 8)));
            off += FrameDescriptor.framedLength(len);
        }
        return out;
    }

    public static List<Frame> frames(Path segment) throws IOException {
        return frames(Files.readAllBytes(segment));
    }

    /** Calls {@code sink} with (ref, timestamp) of every sample in the sample records of a segment image. */
    public static void samples(byte[] segment, BiConsumer<Long, Long> sink) {
        samples(segment, (ref, ts, bits) -> sink.accept(ref, ts));
    }

    /**
     * The entries of a COMPACT body in the segment image {@code b} (whose header names the shard):
     * {refs, timestamps, value bits}; fails on a malformed body.
     */
    public static long[][] compactEntries(org.agrona.DirectBuffer b, int body, int length) {
        int n = io.sluice.record.CompactRecord.count(b, body);
        long[][] e = {new long[n], new long[n], new long[n]};
        int shard = b.getInt(SegmentDescriptor.SHARD_OFFSET); // the segment's: the record does not store it
        String bad = io.sluice.record.CompactRecord.decode(b, body, length, shard, e[0], e[1], e[2]);
        if (bad != null) {
            throw new AssertionError(bad);
        }
        return e;
    }

    /** A sample as the log holds it. */
    public interface SampleSink {
        void sample(long ref, long timestamp, long valueBits);
    }

    /**
     * Calls {@code sink} with every sample of the SAMPLES, MIXED and COMPACT frames of a segment image, in log
     * order, up to the segment's end marker (bytes after it are not part of the log).
     */
    public static void samples(byte[] segment, SampleSink sink) {
        UnsafeBuffer b = wrap(segment);
        for (Frame f : frames(segment)) {
            if (f.type == FrameDescriptor.TYPE_END) {
                return;
            }
            int body = f.offset + FrameDescriptor.BODY_OFFSET;
            if (f.type == RecordType.SAMPLES) {
                int count = SamplesRecord.count(b, body);
                long ref = SamplesRecord.ref(b, body);
                for (int i = 0; i < count; i++) {
                    int at = SamplesRecord.sampleOffset(body, i);
                    sink.sample(ref, b.getLong(at), b.getLong(at + 8));
                }
            } else if (f.type == RecordType.MIXED) {
                int count = MixedRecord.count(b, body);
                for (int i = 0; i < count; i++) {
                    int e = MixedRecord.entryOffset(body, i);
                    sink.sample(b.getLong(e + MixedRecord.ENTRY_REF), b.getLong(e + MixedRecord.ENTRY_TIMESTAMP),
                        b.getLong(e + MixedRecord.ENTRY_VALUE));
                }
            } else if (f.type == RecordType.COMPACT) {
                long[][] e = compactEntries(b, body, f.bodyLength);
                for (int i = 0; i < e[0].length; i++) {
                    sink.sample(e[0][i], e[1][i], e[2][i]);
                }
            }
        }
    }

    /** The segment files of a shard directory, oldest first. */
    public static List<Path> segments(Path shardDir) throws IOException {
        List<Path> out = new ArrayList<>();
        try (var s = Files.list(shardDir)) {
            s.filter(p -> p.getFileName().toString().endsWith(SegmentDescriptor.SUFFIX)).sorted().forEach(out::add);
        }
        return out;
    }
}
