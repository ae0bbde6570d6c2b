package io.sluice.record;

/**
 * The type byte that opens every record body. Values are part of the on-disk format
 * (docs/format/wal.md); 0xFF is reserved by the WAL for its end-of-segment marker.
 */
public final class RecordType {
    /** A series definition: ref and labels. */
    public static final byte SERIES = 1;
    /** A run of samples of one series. */
    public static final byte SAMPLES = 2;
    /** Samples of many series, one (ref, timestamp, value) entry each (format version 2). */
    public static final byte MIXED = 3;
    /** Samples of many series with varint deltas from the first entry (format version 4). */
    public static final byte COMPACT = 4;

    private RecordType() {
    }

    /** A name for messages. */
    public static String name(byte type) {
        switch (type) {
            case SERIES:
                return "SERIES";
            case SAMPLES:
                return "SAMPLES";
            case MIXED:
                return "MIXED";
            case COMPACT:
                return "COMPACT";
            case (byte) 0xFF:
                return "END";
            default:
                return "unknown(0x" + Integer.toHexString(type & 0xFF) + ")";
        }
    }
}
