package io.sluice.server;

/**
 * The bytes of one repeated length-delimited field of a message (a remote-write series' {@code Label}
 * fields, an OTLP data point's attributes), found while the message's other fields are read in the
 * same pass: contiguous in the body, as every client writes them, or, where other fields come
 * between them, gathered into the batch's side buffer by a second pass. Either way they become one
 * key segment, with its XXH3 hash. Reused; one per decoder.
 */
final class FieldRun {
    private int first;
    private int last;
    private boolean split;
    boolean inSide;
    int off;
    int len;
    long hash;

    void reset() {
        first = -1;
        split = false;
    }

    /**
     * One occurrence of the field, whose tag {@code r} has just read (the tag started at {@code
     * fieldStart}): checks that it is length-delimited and moves {@code r} past it.
     */
    void see(ProtoReader r, int fieldStart, int tag) throws BadRequestException {
        r.expect(tag, ProtoReader.LEN);
        int end = r.readLengthEnd();
        see(fieldStart, end);
        r.pos = end;
    }

    /** One occurrence of the field, from its tag to its end. */
    private void see(int fieldStart, int fieldEnd) {
        if (first < 0) {
            first = fieldStart;
        } else if (last != fieldStart) {
            split = true;
        }
        last = fieldEnd;
    }

    boolean isEmpty() {
        return first < 0;
    }

    /**
     * Settles where the run lies in message {@code b[from, to)} (empty: a zero-length run at
     * {@code from}); if it was split, copies the occurrences of {@code field} together into the side
     * buffer, reading the message again with {@code r}. Then hashes it.
     */
    void settle(WriteBatch into, byte[] b, int from, int to, int field, ProtoReader r) throws BadRequestException {
        if (first < 0) {
            inSide = false;
            off = from;
            len = 0;
        } else if (!split) {
            inSide = false;
            off = first;
            len = last - first;
        } else {
            r.reset(b, from, to);
            int sideFrom = -1;
            while (r.hasMore()) {
                int start = r.pos;
                int tag = r.readTag();
                if (tag >>> 3 == field) {
                    int end = r.readLengthEnd();
                    int at = into.toSide(b, start, end - start);
                    if (sideFrom < 0) {
                        sideFrom = at;
                    }
                    r.pos = end;
                } else {
                    r.skip(tag);
                }
            }
            inSide = true;
            off = sideFrom;
            len = into.sideLen - sideFrom;
        }
        hash = SeriesCache.hash(inSide ? into.side : b, off, len);
    }
}
