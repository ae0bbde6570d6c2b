package io.sluice.wal;

import org.agrona.DirectBuffer;

/**
 * Receives each valid frame during replay, in log order. It must check a frame fully before it
 * changes any state, and throw {@link RecordRejectedException} for a frame that is well formed
 * but wrong (a sample before its series record, say): replay then treats the frame as corrupt.
 *
 * <p>Threading: called on the replaying thread of one shard.
 */
public interface FrameVisitor {
    /**
     * @param type        the body's first byte
     * @param buffer      the segment's bytes
     * @param body        offset of the body in {@code buffer}
     * @param length      body length
     * @param segment     the segment
     * @param frameOffset offset of the frame in the segment
     */
    void onFrame(byte type, DirectBuffer buffer, int body, int length, WalSegment segment, int frameOffset)
        throws RecordRejectedException;

    /**
     * Receives each frame of a checkpoint (see {@link Checkpoints}), before the segments. Only
     * records that describe series belong there; anything else must be rejected.
     */
    default void onCheckpointFrame(byte type, DirectBuffer buffer, int body, int length)
        throws RecordRejectedException {
        throw new RecordRejectedException("unexpected checkpoint: this log's reader takes none");
    }

    /**
     * A cheap shape check used when replay searches past a bad frame for a valid one (to tell a torn
     * tail from corruption, and to count what repair drops). It runs before the checksum, so it
     * should reject what is obviously not a frame of a known type. Must not change state.
     */
    default boolean plausible(byte type, DirectBuffer buffer, int body, int length) {
        return true;
    }
}
