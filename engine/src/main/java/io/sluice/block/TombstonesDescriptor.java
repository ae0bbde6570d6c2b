package io.sluice.block;

/**
 * Layout of a block's {@code tombstones} file (docs/format/blocks.md, from Prometheus'
 * tsdb/docs/format/tombstones.md and tsdb/tombstones/tombstones.go):
 *
 * <pre>
 * magic 0x0130BA30 (4, big-endian) | version 1 (1)
 * | tombstones: uvarint series id | varint mint | varint maxt (repeated)
 * | CRC32C of the tombstones (4, big-endian; the version byte is not covered)
 * </pre>
 *
 * Sluice writes the empty file, {@link #EMPTY}: nine bytes. (The "last 8 bytes" offset that the
 * Markdown document mentions is not what Prometheus writes or reads.)
 *
 * <p>Threading: constants only.
 */
public final class TombstonesDescriptor {
    /** The file's name inside a block directory. */
    public static final String FILE_NAME = "tombstones";
    /** First four bytes. */
    public static final int MAGIC = 0x0130BA30;
    /** Format version. */
    public static final int VERSION = 1;
    /** Magic and version. */
    public static final int HEADER_SIZE = 5;
    /** Size of the trailing CRC32C. */
    public static final int CRC_SIZE = 4;

    /** The file with no tombstones: the header and the CRC32C of nothing, which is 0. */
    static final byte[] EMPTY = {0x01, 0x30, (byte) 0xBA, 0x30, 0x01, 0, 0, 0, 0};

    private TombstonesDescriptor() {
    }
}
