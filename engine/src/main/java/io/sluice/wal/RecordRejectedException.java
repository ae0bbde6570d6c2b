package io.sluice.wal;

/** A frame passed its checksum but its content is impossible; replay reports it as corruption. */
public final class RecordRejectedException extends Exception {
    private static final long serialVersionUID = 1L;

    public RecordRejectedException(String reason) {
        super(reason, null, false, false);
    }
}
