package io.sluice.wal;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.zip.CRC32C;

import static io.sluice.wal.FrameDescriptor.BODY_OFFSET;
import static io.sluice.wal.FrameDescriptor.CRC_OFFSET;
import static io.sluice.wal.FrameDescriptor.END_BODY_LENGTH;
import static io.sluice.wal.FrameDescriptor.LENGTH_OFFSET;
import static io.sluice.wal.FrameDescriptor.TYPE_END;
import static io.sluice.wal.FrameDescriptor.framedLength;

/**
 * Series checkpoints (docs/format/wal.md, "Retention and checkpoints"). When retention deletes the
 * oldest segments of a shard, the SERIES records in them must survive, because later segments hold
 * samples of those series. Before any segment is deleted, the writer writes every series of the shard
 * into {@code <base>.ckpt}, where {@code base} is the position of the first segment kept; replay reads
 * it before that segment. The file has a segment header (same magic, version, fields) and SERIES frames
 * sealed by an END frame; it is created as {@code .ckpt.tmp}, forced, renamed and its directory forced,
 * so it is whole or absent.
 *
 * <p>Threading: static; called by the shard writer (and by replay to read).
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

    private static final long PAGE = 4096;

    private Checkpoints() {
    }

    /** The file name of the checkpoint for the log that continues at {@code basePosition}. */
    public static String fileName(long basePosition) {
        return String.format("%020d%s", basePosition, SUFFIX);
    }

    /** The base position a checkpoint file name encodes, or -1. */
    public static long parseFileName(String name) {
        if (!name.endsWith(SUFFIX)) {
            return -1;
        }
        return SegmentDescriptor.parseFileName(name.substring(0, name.length() - SUFFIX.length())
            + SegmentDescriptor.SUFFIX);
    }

    /**
     * Writes the checkpoint durably: tmp file, frames, force, rename, directory force.
     *
     * @return its path
     */
    static Path write(WalFileSystem fs, Path dir, int shard, int shardCount, long basePosition, SeriesBodies series)
        throws IOException {
        long size = SegmentDescriptor.HEADER_LENGTH + FrameDescriptor.END_FRAME_LENGTH;
        for (int i = 0; i < series.count(); i++) {
            size += framedLength(series.bodyLength(i));
        }
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
            CRC32C crc = new CRC32C();
            int off = SegmentDescriptor.HEADER_LENGTH;
            for (int i = 0; i < series.count(); i++) {
                int len = series.bodyLength(i);
                series.write(i, buf, off + BODY_OFFSET);
                off = frame(buf, crcView, crc, off, len);
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

    private static int frame(UnsafeBuffer buf, ByteBuffer crcView, CRC32C crc, int off, int len) {
        crcView.limit(off + BODY_OFFSET + len).position(off + BODY_OFFSET);
        crc.reset();
        crc.update(crcView);
        crcView.clear();
        buf.putInt(off + CRC_OFFSET, (int) crc.getValue());
        buf.putInt(off + LENGTH_OFFSET, len);
        return off + framedLength(len);
    }
}
