package io.sluice.testing;

import io.sluice.engine.Labels;
import io.sluice.record.MixedRecord;
import io.sluice.record.SamplesRecord;
import io.sluice.record.SeriesRecord;
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

/**
 * Crafts one WAL segment byte by byte, records in any order, with valid framing and checksums, so
 * that a test reaches replay's content checks (the invariants of docs/format/wal.md) and nothing
 * else. Records are written with the engine's own record encoders; the framing is written here.
 */
public final class WalBuilder {
    private final int shard;
    private final int shardCount;
    private final long segmentSize;
    private final ByteBuffer bytes;
    private final UnsafeBuffer buf;
    private final List<Integer> frameOffsets = new ArrayList<>();
    private int offset = SegmentDescriptor.HEADER_LENGTH;

    public WalBuilder(int shard, int shardCount, long segmentSize) {
        this.shard = shard;
        this.shardCount = shardCount;
        this.segmentSize = segmentSize;
        this.bytes = ByteBuffer.allocateDirect((int) segmentSize).order(ByteOrder.LITTLE_ENDIAN);
        this.buf = new UnsafeBuffer(bytes);
        SegmentDescriptor.writeHeader(buf, bytes, shard, shardCount, 0, segmentSize, 0);
    }

    /** The byte offset in the segment of frame {@code i} (in the order they were added). */
    public int frameOffset(int i) {
        return frameOffsets.get(i);
    }

    public WalBuilder series(long ref, Labels labels) {
        int len = SeriesRecord.bodyLength(labels);
        SeriesRecord.write(buf, offset + FrameDescriptor.BODY_OFFSET, ref, labels);
        return frame(len);
    }

    /** A SAMPLES record of one series: {@code tsAndValues} = t0, v0, t1, v1, ... */
    public WalBuilder samples(long ref, double... tsAndValues) {
        int n = tsAndValues.length / 2;
        int body = offset + FrameDescriptor.BODY_OFFSET;
        SamplesRecord.writeHeader(buf, body, ref, n);
        for (int i = 0; i < n; i++) {
            int at = SamplesRecord.sampleOffset(body, i);
            buf.putLong(at, (long) tsAndValues[2 * i]);
            buf.putDouble(at + 8, tsAndValues[2 * i + 1]);
        }
        return frame(SamplesRecord.bodyLength(n));
    }

    /** A MIXED record: {@code entries} = ref0, t0, v0, ref1, t1, v1, ... */
    public WalBuilder mixed(double... entries) {
        int n = entries.length / 3;
        int body = offset + FrameDescriptor.BODY_OFFSET;
        MixedRecord.writeHeader(buf, body, n);
        for (int i = 0; i < n; i++) {
            int e = MixedRecord.entryOffset(body, i);
            buf.putLong(e + MixedRecord.ENTRY_REF, (long) entries[3 * i]);
            buf.putLong(e + MixedRecord.ENTRY_TIMESTAMP, (long) entries[3 * i + 1]);
            buf.putDouble(e + MixedRecord.ENTRY_VALUE, entries[3 * i + 2]);
        }
        return frame(MixedRecord.bodyLength(n));
    }

    /**
     * A COMPACT record: {@code entries} = ref0, t0, v0, ref1, t1, v1, ...; only the local ids of the
     * refs are stored (the record's shard is the log's).
     */
    public WalBuilder compact(double... entries) {
        int n = entries.length / 3;
        long[] refs = new long[n];
        long[] ts = new long[n];
        long[] bits = new long[n];
        for (int i = 0; i < n; i++) {
            refs[i] = (long) entries[3 * i];
            ts[i] = (long) entries[3 * i + 1];
            bits[i] = Double.doubleToRawLongBits(entries[3 * i + 2]);
        }
        return frame(io.sluice.record.CompactRecord.write(buf, offset + FrameDescriptor.BODY_OFFSET, refs, ts, bits, n));
    }

    private WalBuilder frame(int bodyLength) {
        int crc = new io.sluice.wal.FrameCrc().forFile(buf).of(bytes.duplicate(), offset + FrameDescriptor.BODY_OFFSET,
            bodyLength);
        buf.putInt(offset + FrameDescriptor.CRC_OFFSET, crc);
        buf.putInt(offset + FrameDescriptor.LENGTH_OFFSET, bodyLength);
        frameOffsets.add(offset);
        offset += FrameDescriptor.framedLength(bodyLength);
        if (offset + FrameDescriptor.END_FRAME_LENGTH > segmentSize) {
            throw new IllegalStateException("segment full");
        }
        return this;
    }

    /** Writes the segment as the first (and only) segment of its shard under data directory {@code dir}. */
    public Path writeTo(Path dir) throws IOException {
        Path shardDir = TestDirs.shard(dir, shard);
        Files.createDirectories(shardDir);
        for (int s = 0; s < shardCount; s++) {
            Files.createDirectories(TestDirs.shard(dir, s));
        }
        Path file = shardDir.resolve(SegmentDescriptor.fileName(0));
        byte[] image = new byte[(int) segmentSize];
        buf.getBytes(0, image);
        Files.write(file, image);
        return file;
    }
}
