package io.sluice.block;

/**
 * Layout of a block's chunk segment files {@code chunks/000001}, {@code chunks/000002}, ...
 * (docs/format/blocks.md, from Prometheus' tsdb/docs/format/chunks.md):
 *
 * <pre>
 * header  magic 0x85BD40DD (4, big-endian) | version 1 (1) | padding 0 (3)
 * chunk   uvarint data length | encoding (1) | data | CRC32C of encoding and data (4, big-endian)
 * </pre>
 *
 * A chunk reference is {@code (segment index << 32) | offset in the file}, the segment index
 * counting from 0 for {@code 000001}. The data of every encoding begins with its sample count,
 * a big-endian uint16.
 *
 * <p>Threading: constants only.
 */
public final class ChunkSegmentDescriptor {
    /** The directory of segment files inside a block directory. */
    public static final String DIRECTORY = "chunks";
    /** First four bytes of a segment file. */
    public static final int MAGIC = 0x85BD40DD;
    /** The chunk segment format version. */
    public static final int VERSION = 1;
    /** Magic, version and three bytes of padding. */
    public static final int HEADER_SIZE = 8;
    /** Prometheus' default (and Sluice's) maximum segment file size: 512 MiB. */
    public static final long DEFAULT_SEGMENT_SIZE = 512L * 1024 * 1024;
    /** The length field is read as a uvarint of at most this many bytes (Prometheus: MaxVarintLen32). */
    public static final int MAX_LENGTH_FIELD = 5;
    /** Size of a chunk's CRC32C. */
    public static final int CRC_SIZE = 4;
    /** Prometheus' {@code EncXOR}: float samples, Gorilla-style. */
    public static final byte ENCODING_XOR = 1;
    /** Prometheus' {@code EncHistogram}: native histograms. */
    public static final byte ENCODING_HISTOGRAM = 2;
    /** Prometheus' {@code EncFloatHistogram} (read only). */
    public static final byte ENCODING_FLOAT_HISTOGRAM = 3;

    private ChunkSegmentDescriptor() {
    }

    /** The file name of the segment with 0-based index {@code segmentIndex}: {@code 000001} for 0. */
    public static String fileName(int segmentIndex) {
        return String.format("%06d", segmentIndex + 1);
    }

    /** The chunk reference of a chunk at {@code offset} in segment {@code segmentIndex}. */
    public static long ref(int segmentIndex, long offset) {
        return (long) segmentIndex << 32 | offset;
    }

    /** The 0-based segment index of a chunk reference. */
    public static int segmentIndex(long ref) {
        return (int) (ref >>> 32);
    }

    /** The offset inside its segment file of a chunk reference. */
    public static long offset(long ref) {
        return ref & 0xFFFF_FFFFL;
    }
}
