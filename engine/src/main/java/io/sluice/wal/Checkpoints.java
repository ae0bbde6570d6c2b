package io.sluice.wal;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.TreeMap;

import static io.sluice.wal.FrameDescriptor.BODY_OFFSET;
import static io.sluice.wal.FrameDescriptor.CRC_OFFSET;
import static io.sluice.wal.FrameDescriptor.END_BODY_LENGTH;
import static io.sluice.wal.FrameDescriptor.LENGTH_OFFSET;
import static io.sluice.wal.FrameDescriptor.STATE_BODY_LENGTH;
import static io.sluice.wal.FrameDescriptor.STATE_VALUE_OFFSET;
import static io.sluice.wal.FrameDescriptor.TYPE_CHECKPOINT_STATE;
import static io.sluice.wal.FrameDescriptor.TYPE_END;
import static io.sluice.wal.FrameDescriptor.framedLength;

/**
 * WAL checkpoints (docs/format/wal.md, "Truncation and checkpoints"). Before the oldest segments
 * of a shard are deleted, what the head still needs from them goes into {@code <base>.ckpt}, where
 * {@code base} is the position of the first segment kept: a state frame (the head-chunk log
 * position the head forced first), the series records, and the samples the head has not yet put
 * into forced chunks. Replay reads it before that segment. The file has a segment header (same
 * magic and fields) and frames sealed by an END frame; it is written as {@code .ckpt.tmp}, forced,
 * renamed and its directory forced, so it is whole or absent. The WAL does not know what the frames
 * mean: the caller supplies them ({@link Content}).
 *
 * <p>Threading: static; called by the retention thread (writing) and replay (reading).
 */
public final class Checkpoints {
    /** File name suffix of a checkpoint. */
    public static final String SUFFIX = ".ckpt";
    /** Suffix of a checkpoint being written; deleted on open. */
    public static final String TMP_SUFFIX = ".ckpt.tmp";

    /** The series a checkpoint holds: SERIES record bodies, written into the file by index. */
    public interface SeriesBodies {
        int count();

        int bodyLength(int i);

        /** Writes body {@code i} (type byte first) at {@code offset}. */
        void write(int i, MutableDirectBuffer buffer, int offset);
    }

    /** A checkpoint's frames after its state frame, written in two passes: sizing, then writing. */
    public interface Content {
        /** Bytes the frames take, framing and padding included (see {@link FrameDescriptor#framedLength}). */
        long framedBytes() throws IOException;

        /** Appends the frames. */
        void write(FrameWriter out) throws IOException;
    }

    /** Appends frames to a checkpoint being written. */
    public static final class FrameWriter {
        private final UnsafeBuffer buf;
        private final ByteBuffer crcView;
        private final FrameCrc crc;
        private final int limit;
        private int offset;
        private int reservedLength = -1;

        FrameWriter(UnsafeBuffer buf, ByteBuffer crcView, FrameCrc crc, int offset, int limit) {
            this.crc = crc;
            this.buf = buf;
            this.crcView = crcView;
            this.offset = offset;
            this.limit = limit;
        }

        /**
         * Room for a body of {@code bodyLength} bytes.
         *
         * @return the body's offset in {@link #buffer()}
         * @throws IOException if the content writes more than it sized
         */
        public int reserve(int bodyLength) throws IOException {
            if ((long) offset + framedLength(bodyLength) + FrameDescriptor.END_FRAME_LENGTH > limit) {
                throw new IOException("checkpoint content is larger than it sized itself (" + limit + " bytes)");
            }
            reservedLength = bodyLength;
            return offset + BODY_OFFSET;
        }

        /** The checkpoint's bytes. */
        public MutableDirectBuffer buffer() {
            return buf;
        }

        /** Checksums and publishes the reserved frame. */
        public void commit() {
            offset = frame(buf, crcView, crc, offset, reservedLength);
            reservedLength = -1;
        }

        int offset() {
            return offset;
        }
    }

    /** Receives a checkpoint's or a segment's frames in order. */
    public interface FrameReader {
        void frame(byte type, DirectBuffer buffer, int body, int length) throws IOException;
    }

    private static final long PAGE = 4096;

    private Checkpoints() {
    }

    /** The file name of the checkpoint for the log that continues at {@code basePosition}. */
    public static String fileName(long basePosition) {
        return String.format("%020d%s", basePosition, SUFFIX);
    }

    /** The base position a checkpoint file name encodes, or -1. */
    public static long parseFileName(String name) {
        return SegmentDescriptor.parseFileName(name, SUFFIX);
    }

    /**
     * Writes the checkpoint durably: tmp file, state frame, series frames, content frames, end
     * marker, force, rename, directory force.
     *
     * @return its path
     */
    public static Path write(WalFileSystem fs, Path dir, int shard, int shardCount, long basePosition, long state,
                             SeriesBodies series, Content content) throws IOException {
        long size = SegmentDescriptor.HEADER_LENGTH + framedLength(STATE_BODY_LENGTH) + FrameDescriptor.END_FRAME_LENGTH;
        for (int i = 0; i < series.count(); i++) {
            size += framedLength(series.bodyLength(i));
        }
        size += content == null ? 0 : content.framedBytes();
        size = (size + PAGE - 1) / PAGE * PAGE; // whole pages: a mapping extends the file to one anyway
        if (size > Integer.MAX_VALUE) {
            throw new IOException("shard " + shard + ": a checkpoint of " + series.count() + " series would take "
                + size + " bytes, more than 2 GiB");
        }
        String name = fileName(basePosition);
        Path tmp = dir.resolve(name.substring(0, name.length() - SUFFIX.length()) + TMP_SUFFIX);
        Path path = dir.resolve(name);
        fs.delete(tmp);
        SegmentMapping mapping = null;
        try {
            fs.preallocate(tmp, size);
            mapping = fs.map(tmp, size);
            UnsafeBuffer buf = mapping.buffer();
            ByteBuffer crcView = mapping.byteBuffer();
            SegmentDescriptor.writeHeader(buf, crcView, shard, shardCount, basePosition, size,
                System.currentTimeMillis());
            FrameCrc crc = new FrameCrc().forFile(buf);
            int off = SegmentDescriptor.HEADER_LENGTH;
            buf.putByte(off + BODY_OFFSET, TYPE_CHECKPOINT_STATE);
            buf.putLong(off + BODY_OFFSET + STATE_VALUE_OFFSET, state);
            off = frame(buf, crcView, crc, off, STATE_BODY_LENGTH);
            for (int i = 0; i < series.count(); i++) {
                int len = series.bodyLength(i);
                series.write(i, buf, off + BODY_OFFSET);
                off = frame(buf, crcView, crc, off, len);
            }
            if (content != null) {
                FrameWriter out = new FrameWriter(buf, crcView, crc, off, (int) size);
                content.write(out);
                off = out.offset();
            }
            buf.putByte(off + BODY_OFFSET, TYPE_END);
            frame(buf, crcView, crc, off, END_BODY_LENGTH);
            fs.force(mapping);
            mapping.close();
            mapping = null;
            fs.rename(tmp, path);
            fs.syncDirectory(dir);
            return path;
        } catch (IOException | RuntimeException e) {
            SegmentFiles.discard(fs, tmp, mapping, e);
            throw e;
        }
    }

    private static int frame(UnsafeBuffer buf, ByteBuffer crcView, FrameCrc crc, int off, int len) {
        buf.putInt(off + CRC_OFFSET, crc.of(crcView, off + BODY_OFFSET, len));
        buf.putIntRelease(off + LENGTH_OFFSET, len);
        return off + framedLength(len);
    }

    /**
     * The state value of the newest checkpoint in a shard directory, or 0 when there is none (or it
     * has no state frame: version 2). Reads only what it needs; replay validates the whole file later.
     */
    public static long state(WalFileSystem fs, Path dir, int shard, int shardCount) throws IOException {
        fs.createDirectories(dir);
        TreeMap<Long, Path> found = new TreeMap<>();
        for (Path f : fs.list(dir)) {
            long base = parseFileName(f.getFileName().toString());
            if (base >= 0) {
                found.put(base, f);
            }
        }
        if (found.isEmpty()) {
            return 0;
        }
        Path file = found.lastEntry().getValue();
        long size = fs.size(file);
        if (size < SegmentDescriptor.HEADER_LENGTH + framedLength(STATE_BODY_LENGTH) || size > Integer.MAX_VALUE) {
            return 0;
        }
        try (SegmentMapping m = fs.map(file, size)) {
            if (SegmentDescriptor.verify(m.buffer(), m.byteBuffer(), shard, shardCount, found.lastKey(), size, file)
                != null) {
                return 0;
            }
            int off = SegmentDescriptor.HEADER_LENGTH;
            UnsafeBuffer b = m.buffer();
            if (b.getInt(off + LENGTH_OFFSET) == STATE_BODY_LENGTH && b.getByte(off + BODY_OFFSET) == TYPE_CHECKPOINT_STATE) {
                return b.getLong(off + BODY_OFFSET + STATE_VALUE_OFFSET);
            }
            return 0;
        }
    }

    /**
     * Calls {@code reader} with every frame of a checkpoint or sealed segment file, from its first
     * frame to its end marker (or the first empty slot). The file was validated by replay or written
     * by this engine, so frames are trusted; the state frame and the end marker are not passed on.
     */
    public static void forEachFrame(DirectBuffer buf, int limit, FrameReader reader) throws IOException {
        forEachFrame(buf, limit, 0, reader);
    }

    /**
     * As {@link #forEachFrame(DirectBuffer, int, FrameReader)}, for the frames at offset {@code from}
     * or after only: the ones before are stepped over by their length, never handed to {@code
     * reader}.
     */
    public static void forEachFrame(DirectBuffer buf, int limit, int from, FrameReader reader) throws IOException {
        int off = SegmentDescriptor.HEADER_LENGTH;
        while (off + FrameDescriptor.HEADER_LENGTH <= limit) {
            int len = buf.getInt(off + LENGTH_OFFSET);
            if (len <= 0 || (long) off + FrameDescriptor.HEADER_LENGTH + len > limit) {
                return;
            }
            byte type = buf.getByte(off + BODY_OFFSET);
            if (type == TYPE_END) {
                return;
            }
            if (type != TYPE_CHECKPOINT_STATE && off >= from) {
                reader.frame(type, buf, off + BODY_OFFSET, len);
            }
            off += framedLength(len);
        }
    }

    /** Calls {@code reader} with every frame of a checkpoint file (see {@link #forEachFrame(DirectBuffer, int, FrameReader)}). */
    public static void forEachFrame(WalFileSystem fs, Path file, FrameReader reader) throws IOException {
        long size = fs.size(file);
        try (SegmentMapping m = fs.map(file, size)) {
            forEachFrame(m.buffer(), (int) size, reader);
        }
    }
}
