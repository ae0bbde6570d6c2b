package io.sluice.wal;

import org.agrona.DirectBuffer;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The checksum of a frame (docs/format/wal.md, "Frames"). From format version 4 it is the CRC32C of
 * the file's base position (8 bytes, little-endian) followed by the body, so that a frame is valid
 * only in the file life it was written in: a recycled segment keeps the frames of its old life in
 * place, and none of them matches under the new base position. Versions 1 to 3 checksum the body
 * alone.
 *
 * <p>Threading: one instance per thread (it holds the CRC state and the seed bytes); no allocation
 * per frame.
 */
public final class FrameCrc {
    private final CRC32C crc = new CRC32C();
    private final byte[] seed = new byte[8];
    private boolean seeded;

    /** Whether frames of a file of {@code version} checksum its base position first. */
    public static boolean seeded(int version) {
        return version >= 4;
    }

    /** Checksums frames of a file of format {@code version} whose base position is {@code basePosition}. */
    public FrameCrc forFile(int version, long basePosition) {
        seeded = seeded(version);
        for (int i = 0; i < 8; i++) {
            seed[i] = (byte) (basePosition >>> (8 * i));
        }
        return this;
    }

    /** Checksums frames of the file whose (verified) header is at offset 0 of {@code header}. */
    public FrameCrc forFile(DirectBuffer header) {
        return forFile(header.getInt(SegmentDescriptor.VERSION_OFFSET),
            header.getLong(SegmentDescriptor.BASE_POSITION_OFFSET));
    }

    /**
     * The checksum of the {@code length} body bytes at {@code offset} of {@code view}; the view's
     * position and limit are restored to the whole buffer.
     */
    public int of(ByteBuffer view, int offset, int length) {
        crc.reset();
        if (seeded) {
            crc.update(seed, 0, 8);
        }
        view.limit(offset + length).position(offset);
        crc.update(view);
        view.clear();
        return (int) crc.getValue();
    }

    /** The checksum of {@code length} body bytes at {@code offset} of a byte array (tools and tests). */
    public int of(byte[] image, int offset, int length) {
        crc.reset();
        if (seeded) {
            crc.update(seed, 0, 8);
        }
        crc.update(image, offset, length);
        return (int) crc.getValue();
    }
}
