package io.sluice.chunk;

/**
 * A chunk's bytes are not a valid XOR chunk: a field runs past the end of the chunk, a varint
 * overflows 64 bits, or a value's leading-zero and significant-bit counts add up to more than 64.
 * It names the byte offset within the chunk (counted from the chunk's first header byte) where the
 * bad field starts, and the reason.
 *
 * <p>Unchecked, because chunks reach a decoder from Sluice's own writer or from a checksummed file:
 * a bad one is corruption or a bug, which a reader cannot repair in its loop, and a checked exception
 * would burden every {@code next()} of every query.
 */
public final class ChunkFormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int offset;
    private final String reason;

    public ChunkFormatException(int offset, String reason) {
        super("malformed XOR chunk at byte offset " + offset + ": " + reason);
        this.offset = offset;
        this.reason = reason;
    }

    /** Byte offset, within the chunk, of the field that is bad. */
    public int offset() {
        return offset;
    }

    /** What was wrong, without the location. */
    public String reason() {
        return reason;
    }
}
