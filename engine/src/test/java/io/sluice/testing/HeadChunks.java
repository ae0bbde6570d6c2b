package io.sluice.testing;

import io.sluice.head.HeadChunkDescriptor;
import io.sluice.wal.FrameDescriptor;
import io.sluice.wal.SegmentDescriptor;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * An independent reader of head-chunk files for tests (docs/format/head-chunks.md): walks chunk
 * frames by their length fields and stops at the first empty slot or end marker. It shares only the
 * documented constants with the engine.
 */
public final class HeadChunks {
    private HeadChunks() {
    }

    /** One chunk frame. */
    public static final class Chunk {
        public final Path file;
        public final int offset;
        public final long ref;
        public final long minTime;
        public final long maxTime;
        public final long previous;
        public final int samples;
        public final byte[] data;

        Chunk(Path file, int offset, long ref, long minTime, long maxTime, long previous, int samples, byte[] data) {
            this.file = file;
            this.offset = offset;
            this.ref = ref;
            this.minTime = minTime;
            this.maxTime = maxTime;
            this.previous = previous;
            this.samples = samples;
            this.data = data;
        }
    }

    /** The head-chunk files of a shard directory, oldest first. */
    public static List<Path> files(Path shardDir) throws IOException {
        Path dir = shardDir.resolve(HeadChunkDescriptor.DIRECTORY);
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (Stream<Path> s = Files.list(dir)) {
            s.filter(p -> p.getFileName().toString().endsWith(".chunks")).sorted().forEach(out::add);
        }
        return out;
    }

    /** Every chunk frame of a shard, in log order. */
    public static List<Chunk> chunks(Path shardDir) throws IOException {
        List<Chunk> out = new ArrayList<>();
        for (Path f : files(shardDir)) {
            byte[] image = Files.readAllBytes(f);
            UnsafeBuffer b = Frames.wrap(image);
            int off = SegmentDescriptor.HEADER_LENGTH;
            while (off + 8 <= image.length) {
                int len = b.getInt(off);
                if (len <= 0 || off + 8 + len > image.length) {
                    break;
                }
                int body = off + FrameDescriptor.BODY_OFFSET;
                byte type = b.getByte(body);
                if (type == FrameDescriptor.TYPE_END) {
                    break;
                }
                if (type == HeadChunkDescriptor.TYPE_CHUNK) {
                    byte[] data = new byte[len - HeadChunkDescriptor.DATA_OFFSET];
                    b.getBytes(body + HeadChunkDescriptor.DATA_OFFSET, data);
                    out.add(new Chunk(f, off, b.getLong(body + HeadChunkDescriptor.SERIES_REF_OFFSET),
                        b.getLong(body + HeadChunkDescriptor.MIN_TIME_OFFSET),
                        b.getLong(body + HeadChunkDescriptor.MAX_TIME_OFFSET),
                        b.getLong(body + HeadChunkDescriptor.PREVIOUS_OFFSET),
                        b.getShort(body + HeadChunkDescriptor.SAMPLES_OFFSET) & 0xFFFF, data));
                }
                off += FrameDescriptor.framedLength(len);
            }
        }
        return out;
    }

    /** Samples per series ref in a shard's chunk log. */
    public static Map<Long, Long> samplesPerSeries(Path shardDir) throws IOException {
        Map<Long, Long> out = new HashMap<>();
        for (Chunk c : chunks(shardDir)) {
            out.merge(c.ref, (long) c.samples, Long::sum);
        }
        return out;
    }
}
