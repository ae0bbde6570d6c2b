package io.sluice.wal;

import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * Layout of the 64-byte header at the start of every segment file and every checkpoint file
 * (docs/format/wal.md).
 * All integers are little-endian.
 *
 * <pre>
 *  offset size field
 *   0     8    magic "SLUICEWL"
 *   8     4    format version (4; this build reads 1 to 4)
 *  12     4    shard id
 *  16     4    shard count of the directory
 *  20     4    header length (64)
 *  24     8    base position: the shard-log position of byte 0 of this file
 *  32     8    segment size in bytes (the file's length)
 *  40     8    creation time, epoch milliseconds (informational)
 *  48     4    flags: bit 0 {@link #FLAG_RECYCLED}; other bits zero
 *  52     8    reserved, zero
 *  60     4    CRC32C of bytes 0..59
 * </pre>
 *
 * Frames start at {@link #HEADER_LENGTH}. Threading: static, pure.
 */
public final class SegmentDescriptor {
    public static final byte[] MAGIC = "SLUICEWL".getBytes(StandardCharsets.US_ASCII);
    /**
     * The WAL version this build writes: 2 added the MIXED record, 3 the checkpoint's HEAD_STATE and
     * sample records, 4 the header's flags word and recycled segments (docs/format/wal.md,
     * "Versioning").
     */
    public static final int VERSION = 4;
    /** The oldest version this build reads. */
    public static final int MIN_READ_VERSION = 1;

    public static final int MAGIC_OFFSET = 0;
    public static final int VERSION_OFFSET = 8;
    public static final int SHARD_OFFSET = 12;
    public static final int SHARD_COUNT_OFFSET = 16;
    public static final int HEADER_LENGTH_OFFSET = 20;
    public static final int BASE_POSITION_OFFSET = 24;
    public static final int SEGMENT_SIZE_OFFSET = 32;
    public static final int CREATED_MILLIS_OFFSET = 40;
    public static final int FLAGS_OFFSET = 48;
    /**
     * Flag: the file is a recycled segment. The bytes after its last frame are not zeros but what an
     * earlier life of the file held, frames whose checksums cover another base position ({@link
     * FrameCrc}; format/wal.md, "Recycled segments"): replay resumes after the last valid frame
     * without zeroing or reporting a torn tail.
     */
    public static final int FLAG_RECYCLED = 1;
    public static final int HEADER_CRC_OFFSET = 60;
    public static final int HEADER_LENGTH = 64;

    /** File name suffix of a segment. */
    public static final String SUFFIX = ".wal";
    /** Suffix of a segment being created; such files are deleted on open. */
    public static final String TMP_SUFFIX = ".wal.tmp";

    private SegmentDescriptor() {
    }

    /** Writes a complete WAL segment header. */
    public static void writeHeader(UnsafeBuffer buf, ByteBuffer crcView, int shard, int shardCount, long basePosition,
                                   long segmentSize, long createdMillis) {
        writeHeader(buf, crcView, FileKind.WAL_SEGMENT, shard, shardCount, basePosition, segmentSize, createdMillis);
    }

    /** Writes a complete header of a file of {@code kind}, with the version this build writes for it. */
    public static void writeHeader(UnsafeBuffer buf, ByteBuffer crcView, FileKind kind, int shard, int shardCount,
                                   long basePosition, long segmentSize, long createdMillis) {
        writeHeader(buf, crcView, kind, shard, shardCount, basePosition, segmentSize, createdMillis, 0);
    }

    /** Writes a complete header with {@code flags} (0, or {@link #FLAG_RECYCLED} for a WAL segment). */
    static void writeHeader(UnsafeBuffer buf, ByteBuffer crcView, FileKind kind, int shard, int shardCount,
                            long basePosition, long segmentSize, long createdMillis, int flags) {
        buf.setMemory(0, HEADER_LENGTH, (byte) 0);
        buf.putInt(FLAGS_OFFSET, flags);
        buf.putBytes(MAGIC_OFFSET, kind.magic());
        buf.putInt(VERSION_OFFSET, kind.version());
        buf.putInt(SHARD_OFFSET, shard);
        buf.putInt(SHARD_COUNT_OFFSET, shardCount);
        buf.putInt(HEADER_LENGTH_OFFSET, HEADER_LENGTH);
        buf.putLong(BASE_POSITION_OFFSET, basePosition);
        buf.putLong(SEGMENT_SIZE_OFFSET, segmentSize);
        buf.putLong(CREATED_MILLIS_OFFSET, createdMillis);
        buf.putInt(HEADER_CRC_OFFSET, headerCrc(crcView));
    }

    static int headerCrc(ByteBuffer crcView) {
        CRC32C crc = new CRC32C();
        crcView.limit(HEADER_CRC_OFFSET).position(0);
        crc.update(crcView);
        crcView.clear();
        return (int) crc.getValue();
    }

    /** True if the header (already verified) marks a recycled segment. */
    public static boolean recycled(UnsafeBuffer buf) {
        return (buf.getInt(FLAGS_OFFSET) & FLAG_RECYCLED) != 0;
    }

    /** The segment size the header declares. A file shorter than this was truncated. */
    public static long declaredSize(UnsafeBuffer buf) {
        return buf.getLong(SEGMENT_SIZE_OFFSET);
    }

    /** Repair of a truncated segment: make the header declare the file's real size. */
    static void rewriteSize(UnsafeBuffer buf, ByteBuffer crcView, long size) {
        buf.putLong(SEGMENT_SIZE_OFFSET, size);
        buf.putInt(HEADER_CRC_OFFSET, headerCrc(crcView));
    }

    /**
     * Checks a header against what the directory says it should be. A file shorter than the size
     * the header declares passes here; the reader reports it once it knows where the frames stop.
     *
     * @return null if valid, else a {@link WalCorruptionException} naming the first bad field
     */
    static WalCorruptionException verify(UnsafeBuffer buf, ByteBuffer crcView, int shard, int shardCount,
                                         long expectedBase, long fileSize, java.nio.file.Path file) {
        return verify(buf, crcView, FileKind.WAL_SEGMENT, shard, shardCount, expectedBase, fileSize, file);
    }

    /**
     * Checks the header of a file of {@code kind}; see {@link #verify(UnsafeBuffer, ByteBuffer, int, int, long, long,
     * java.nio.file.Path)}.
     */
    public static WalCorruptionException verify(UnsafeBuffer buf, ByteBuffer crcView, FileKind kind, int shard,
                                                int shardCount, long expectedBase, long fileSize,
                                                java.nio.file.Path file) {
        for (int i = 0; i < 8; i++) {
            if (buf.getByte(MAGIC_OFFSET + i) != kind.magicByte(i)) {
                return new WalCorruptionException(shard, file, MAGIC_OFFSET + i, "bad magic: not "
                    + kind.description());
            }
        }
        int version = buf.getInt(VERSION_OFFSET);
        if (version < kind.minReadVersion() || version > kind.version()) {
            return new WalCorruptionException(shard, file, VERSION_OFFSET, "unsupported format version " + version
                + " (this build reads versions " + kind.minReadVersion() + " to " + kind.version() + ")");
        }
        int storedCrc = buf.getInt(HEADER_CRC_OFFSET);
        int crc = headerCrc(crcView);
        if (storedCrc != crc) {
            return new WalCorruptionException(shard, file, HEADER_CRC_OFFSET, String.format(
                "header checksum mismatch (stored 0x%08x, computed 0x%08x)", storedCrc, crc));
        }
        int flags = buf.getInt(FLAGS_OFFSET);
        int allowed = kind == FileKind.WAL_SEGMENT && version >= 4 ? FLAG_RECYCLED : 0; // reserved zeros before
        if ((flags & ~allowed) != 0) {
            return new WalCorruptionException(shard, file, FLAGS_OFFSET, String.format("unknown header flags 0x%08x",
                flags));
        }
        int headerShard = buf.getInt(SHARD_OFFSET);
        if (headerShard != shard) {
            return new WalCorruptionException(shard, file, SHARD_OFFSET, "segment belongs to shard " + headerShard
                + ", found in the directory of shard " + shard);
        }
        int headerShardCount = buf.getInt(SHARD_COUNT_OFFSET);
        if (headerShardCount != shardCount) {
            return new WalCorruptionException(shard, file, SHARD_COUNT_OFFSET, "segment was written for "
                + headerShardCount + " shards, the directory has " + shardCount);
        }
        int headerLength = buf.getInt(HEADER_LENGTH_OFFSET);
        if (headerLength != HEADER_LENGTH) {
            return new WalCorruptionException(shard, file, HEADER_LENGTH_OFFSET, "header length " + headerLength
                + ", expected " + HEADER_LENGTH);
        }
        long base = buf.getLong(BASE_POSITION_OFFSET);
        if (base != expectedBase) {
            return new WalCorruptionException(shard, file, BASE_POSITION_OFFSET, "header base position " + base
                + " does not match the file name's " + expectedBase);
        }
        long size = buf.getLong(SEGMENT_SIZE_OFFSET);
        if (size < fileSize || size > Integer.MAX_VALUE) {
            return new WalCorruptionException(shard, file, SEGMENT_SIZE_OFFSET, "header segment size " + size
                + " but the file has " + fileSize + " bytes");
        }
        return null;
    }

    /** The file name of the segment whose first byte is at {@code basePosition}: 20 zero-padded digits. */
    public static String fileName(long basePosition) {
        return String.format("%020d%s", basePosition, SUFFIX);
    }

    /** The base position a segment file name encodes, or -1 if the name is not a segment name. */
    public static long parseFileName(String name) {
        return parseFileName(name, SUFFIX);
    }

    /**
     * The base position a file name of 20 decimal digits and {@code suffix} encodes (segments,
     * checkpoints, spares), or -1 if the name is not of that form.
     */
    static long parseFileName(String name, String suffix) {
        if (name.length() != 20 + suffix.length() || !name.endsWith(suffix)) {
            return -1;
        }
        long v = 0;
        for (int i = 0; i < 20; i++) {
            char c = name.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
            if (v < 0) {
                return -1;
            }
        }
        return v;
    }
}
