package io.sluice.chunk;

/**
 * The XOR chunk layout (Prometheus {@code tsdb/docs/format/chunks.md}, "XOR chunk data"), as the
 * constants the appender and the iterator share. Bits are written most significant first.
 *
 * <pre>
 *  field                 form
 *  num_samples           uint16, big-endian (bytes 0..1)
 *  ts_0                  varint (zig-zag), 1..10 bytes, byte-aligned
 *  v_0                   64 raw IEEE-754 bits
 *  ts_1 - ts_0           uvarint, 1..10 bytes, byte-aligned
 *  v_1                   value XOR (below)
 *  ts_n dod (n &gt;= 2)     '0'                         dod == 0
 *                        '10'   + 14 bits            -8191 &lt;= dod &lt;= 8192
 *                        '110'  + 17 bits            -65535 &lt;= dod &lt;= 65536
 *                        '1110' + 20 bits            -524287 &lt;= dod &lt;= 524288
 *                        '1111' + 64 bits            anything else
 *  v_n                   '0'                                           same bits as v_n-1
 *                        '10' + sig bits                               XOR fits the previous window
 *                        '11' + leading (5) + sig (6, 64 as 0) + sig bits   new window
 *  padding               zero bits to the byte; plus one whole zero byte when the chunk's last
 *                        field was a whole number of bytes (Prometheus' bstream always appends the
 *                        next byte after writing a byte)
 * </pre>
 *
 * Threading: constants only.
 */
public final class XorChunkDescriptor {
    /** The encoding byte of an XOR chunk in block and head chunk files ({@code chunkenc.EncXOR}). */
    public static final int ENCODING_XOR = 1;
    /** Bytes of the sample-count header. */
    public static final int HEADER_LENGTH = 2;
    /** The header is a uint16: a chunk holds at most this many samples. */
    public static final int MAX_SAMPLES = 0xFFFF;

    /** Inclusive bounds of the 14-, 17- and 20-bit dod buckets: {@code -(2^(n-1) - 1) .. 2^(n-1)}. */
    static final long DOD14_MIN = -8191;
    static final long DOD14_MAX = 8192;
    static final long DOD17_MIN = -65535;
    static final long DOD17_MAX = 65536;
    static final long DOD20_MIN = -524287;
    static final long DOD20_MAX = 524288;

    /** The appender's leading-zero state before the chunk's first value change. */
    static final int NO_LEADING = 0xFF;
    /** Leading zeros of a value XOR are clamped to this, so that they fit the 5-bit field. */
    static final int MAX_LEADING = 31;

    private XorChunkDescriptor() {
    }
}
