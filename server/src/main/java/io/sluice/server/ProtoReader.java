package io.sluice.server;

/**
 * A bounds-checked protocol-buffers wire reader over a byte array: varints, fixed64, length-delimited
 * fields and skipping. No objects per field; every malformed input is a {@link BadRequestException}
 * that names the byte offset.
 */
final class ProtoReader {
    static final int VARINT = 0;
    static final int FIXED64 = 1;
    static final int LEN = 2;
    static final int START_GROUP = 3;
    static final int END_GROUP = 4;
    static final int FIXED32 = 5;

    private final String what;
    byte[] buf;
    int pos;
    int limit;

    ProtoReader(String what) {
        this.what = what;
    }

    void reset(byte[] buf, int from, int to) {
        this.buf = buf;
        this.pos = from;
        this.limit = to;
    }

    boolean hasMore() {
        return pos < limit;
    }

    /** Reads a tag; returns it ({@code field << 3 | wireType}). */
    int readTag() throws BadRequestException {
        long tag = readVarint();
        if (tag <= 0 || tag > Integer.MAX_VALUE || (tag >>> 3) == 0) {
            throw bad("invalid field tag " + tag);
        }
        return (int) tag;
    }

    long readVarint() throws BadRequestException {
        if (pos < limit && buf[pos] >= 0) {
            return buf[pos++]; // one byte: tags and short lengths
        }
        long result = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos >= limit) {
                throw bad("truncated varint");
            }
            byte b = buf[pos++];
            result |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                return result;
            }
        }
        throw bad("varint longer than 10 bytes");
    }

    long readFixed64() throws BadRequestException {
        if (limit - pos < 8) {
            throw bad("truncated fixed64");
        }
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = (v << 8) | (buf[pos + i] & 0xFFL);
        }
        pos += 8;
        return v;
    }

    int readFixed32() throws BadRequestException {
        if (limit - pos < 4) {
            throw bad("truncated fixed32");
        }
        int v = (buf[pos] & 0xFF) | (buf[pos + 1] & 0xFF) << 8 | (buf[pos + 2] & 0xFF) << 16 | (buf[pos + 3] & 0xFF) << 24;
        pos += 4;
        return v;
    }

    /** Reads a length prefix and checks that the field fits; returns the field's end offset (pos is at its start). */
    int readLengthEnd() throws BadRequestException {
        long len = readVarint();
        if (len < 0 || len > limit - pos) {
            throw bad("length " + len + " runs past the end of its message (" + (limit - pos) + " bytes left)");
        }
        return pos + (int) len;
    }

    /**
     * Moves to the next occurrence of length-delimited field {@code field}, checking and skipping the
     * fields before it; returns that field's end, with {@link #pos} at its start, or -1 at the end of
     * the message. Loop: {@code for (int end; (end = r.nextLen(f)) >= 0; r.pos = end)}.
     */
    int nextLen(int field) throws BadRequestException {
        while (pos < limit) {
            int tag = readTag();
            if (tag >>> 3 == field) {
                expect(tag, LEN);
                return readLengthEnd();
            }
            skip(tag);
        }
        return -1;
    }

    void expect(int tag, int wireType) throws BadRequestException {
        if ((tag & 7) != wireType) {
            throw bad("field " + (tag >>> 3) + " has wire type " + (tag & 7) + ", expected " + wireType);
        }
    }

    void skip(int tag) throws BadRequestException {
        switch (tag & 7) {
            case VARINT -> readVarint();
            case FIXED64 -> {
                if (limit - pos < 8) {
                    throw bad("truncated fixed64");
                }
                pos += 8;
            }
            case LEN -> pos = readLengthEnd();
            case FIXED32 -> {
                if (limit - pos < 4) {
                    throw bad("truncated fixed32");
                }
                pos += 4;
            }
            default -> throw bad("unsupported wire type " + (tag & 7) + " (groups are not accepted)");
        }
    }

    BadRequestException bad(String message) {
        return new BadRequestException("bad protobuf " + what + " at byte " + pos + ": " + message);
    }

    /** Strict UTF-8 check of {@code buf[from, to)}: no overlongs, no surrogates, nothing above U+10FFFF. */
    static boolean validUtf8(byte[] b, int from, int to) {
        int i = from;
        while (i < to) {
            int c = b[i] & 0xFF;
            if (c < 0x80) {
                i++;
                continue;
            }
            int n;
            int min;
            if ((c & 0xE0) == 0xC0) {
                n = 1;
                min = 0x80;
                c &= 0x1F;
            } else if ((c & 0xF0) == 0xE0) {
                n = 2;
                min = 0x800;
                c &= 0x0F;
            } else if ((c & 0xF8) == 0xF0) {
                n = 3;
                min = 0x10000;
                c &= 0x07;
            } else {
                return false;
            }
            if (to - i <= n) {
                return false;
            }
            for (int k = 1; k <= n; k++) {
                int cc = b[i + k] & 0xFF;
                if ((cc & 0xC0) != 0x80) {
                    return false;
                }
                c = (c << 6) | (cc & 0x3F);
            }
            if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
                return false;
            }
            i += n + 1;
        }
        return true;
    }
}
