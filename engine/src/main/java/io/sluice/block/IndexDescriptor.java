package io.sluice.block;

/**
 * Layout of a block's {@code index} file, format version 2 (docs/format/blocks.md, from Prometheus'
 * tsdb/docs/format/index.md). All fixed-width integers are big-endian; varints are Go's
 * ({@code encoding/binary}: unsigned LEB128, signed ones zig-zag first). Every section is framed as
 * {@code len | body | CRC32C(body)}, where {@code len} counts the body only.
 *
 * <pre>
 * header     magic 0xBAAAD700 (4) | version 2 (1)
 * symbols    len (4) | count (4) | count × (uvarint len | UTF-8 bytes) | CRC (4)
 * series     each aligned to 16 bytes, id = offset / 16:
 *            uvarint len | uvarint #labels | #labels × (uvarint name sym | uvarint value sym)
 *            | uvarint #chunks | chunk metas (varint mint, uvarint maxt-mint, uvarint ref; then
 *            uvarint mint-prev maxt, uvarint maxt-mint, varint ref-prev ref) | CRC (4)
 * label idx  each aligned to 4: len (4) | #names = 1 (4) | #values (4) | #values × value sym (4) | CRC
 * postings   each aligned to 4: len (4) | #refs (4) | #refs × series id (4) | CRC (4)
 * label offset table     len (4) | #entries (4) | entries (1 | uvarint len name | uvarint offset) | CRC
 * postings offset table  len (4) | #entries (4) | entries (2 | name | value | uvarint offset) | CRC
 * TOC        symbols, series, label indices, label offset table, postings, postings offset table (8 each) | CRC
 * </pre>
 *
 * <p>Threading: constants only.
 */
public final class IndexDescriptor {
    /** The index file's name inside a block directory. */
    public static final String FILE_NAME = "index";
    /** First four bytes of the file. */
    public static final int MAGIC = 0xBAAAD700;
    /** The index format version Sluice writes and reads. */
    public static final int VERSION = 2;
    /** Magic and version. */
    public static final int HEADER_LENGTH = 5;
    /** Six 8-byte section offsets and a CRC, at the very end of the file. */
    public static final int TOC_LENGTH = 6 * 8 + 4;
    /** Series entries start at multiples of this; a series' id is its offset divided by it. */
    public static final int SERIES_ALIGNMENT = 16;
    /** Postings lists and label indices start at multiples of this. */
    public static final int LIST_ALIGNMENT = 4;
    /** A series entry's length is a uvarint of at most this many bytes (Prometheus: MaxVarintLen32). */
    public static final int MAX_SERIES_LENGTH_BYTES = 5;
    /** Size of a section CRC32C. */
    public static final int CRC_LENGTH = 4;
    /** Key count of a postings offset table entry (name and value). */
    public static final int POSTINGS_TABLE_KEYS = 2;
    /** Key count of a label offset table entry (one name). */
    public static final int LABEL_TABLE_KEYS = 1;

    private IndexDescriptor() {
    }
}
