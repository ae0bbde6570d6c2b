package io.sluice.wal;

/**
 * Framing of one record inside a segment (docs/format/wal.md). The WAL knows only frames; what a
 * body means belongs to {@code io.sluice.record}.
 *
 * <pre>
 *  offset size field
 *   0     4    body length L in bytes (L &gt;= 1); written last, with a release store: the commit point
 *   4     4    CRC32C of the L body bytes
 *   8     L    body; its first byte is the record type
 *   8+L   pad  zero bytes up to the next multiple of 8
 * </pre>
 *
 * A length of zero means "no record here yet". Type {@link #TYPE_END} is the WAL's own: it seals a
 * segment that was rolled over. Threading: static, pure.
 */
public final class FrameDescriptor {
    public static final int LENGTH_OFFSET = 0;
    public static final int CRC_OFFSET = 4;
    public static final int BODY_OFFSET = 8;
    public static final int HEADER_LENGTH = 8;
    public static final int ALIGNMENT = 8;

    /** Type byte of the end-of-segment marker. */
    public static final byte TYPE_END = (byte) 0xFF;
    /**
     * Type byte of a checkpoint's state frame (version 3): the first frame of a checkpoint, carrying
     * one position its writer records (the head-chunk log's forced position: format/wal.md).
     */
    public static final byte TYPE_CHECKPOINT_STATE = (byte) 0xFE;
    /** Body length of the state frame: type byte, 7 zero bytes, a little-endian long. */
    public static final int STATE_BODY_LENGTH = 16;
    /** Offset of the state's value in its body. */
    public static final int STATE_VALUE_OFFSET = 8;
    /** Body length of the end marker: just its type byte. */
    public static final int END_BODY_LENGTH = 1;
    /** Bytes the end marker occupies; every segment keeps this much free for it. */
    public static final int END_FRAME_LENGTH = framedLength(END_BODY_LENGTH);

    private FrameDescriptor() {
    }

    /** Bytes a frame with a body of {@code bodyLength} occupies, padding included. */
    public static int framedLength(int bodyLength) {
        return (HEADER_LENGTH + bodyLength + ALIGNMENT - 1) & -ALIGNMENT;
    }
}
