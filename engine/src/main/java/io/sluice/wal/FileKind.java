package io.sluice.wal;

import java.nio.charset.StandardCharsets;

/**
 * The kinds of preallocated, memory-mapped, position-named files a shard keeps. They share the
 * 64-byte header layout of {@link SegmentDescriptor} and differ in magic, name suffix and format
 * version: WAL segments (and checkpoints, which carry the segments' header) and head-chunk files
 * (docs/format/head-chunks.md).
 *
 * <p>Threading: immutable.
 */
public enum FileKind {
    /** A WAL segment: docs/format/wal.md. */
    WAL_SEGMENT("SLUICEWL", ".wal", ".wal.tmp", 1, 4, "a Sluice WAL segment"),
    /** A head-chunk file: docs/format/head-chunks.md. */
    HEAD_CHUNKS("SLUICEHC", ".chunks", ".chunks.tmp", 1, 1, "a Sluice head-chunk file");

    private final byte[] magic;
    private final String suffix;
    private final String tmpSuffix;
    private final int minReadVersion;
    private final int version;
    private final String description;

    FileKind(String magic, String suffix, String tmpSuffix, int minReadVersion, int version, String description) {
        this.magic = magic.getBytes(StandardCharsets.US_ASCII);
        this.suffix = suffix;
        this.tmpSuffix = tmpSuffix;
        this.minReadVersion = minReadVersion;
        this.version = version;
        this.description = description;
    }

    /** The 8 magic bytes at offset 0. */
    public byte[] magic() {
        return magic.clone();
    }

    byte magicByte(int i) {
        return magic[i];
    }

    /** File name suffix, after the 20-digit base position. */
    public String suffix() {
        return suffix;
    }

    /** Suffix of a file being created; such files are deleted on open. */
    public String tmpSuffix() {
        return tmpSuffix;
    }

    /** The format version this build writes. */
    public int version() {
        return version;
    }

    /** The oldest format version this build reads. */
    public int minReadVersion() {
        return minReadVersion;
    }

    String description() {
        return description;
    }

    /** The file name of the file whose first byte is at {@code basePosition}: 20 zero-padded digits and the suffix. */
    public String fileName(long basePosition) {
        return String.format("%020d%s", basePosition, suffix);
    }

    /** The base position a file name of this kind encodes, or -1. */
    public long parseFileName(String name) {
        if (name.length() != 20 + suffix.length() || !name.endsWith(suffix)) {
            return -1;
        }
        long v = 0;
        for (int i = 0; i < 20; i++) {
            char c = name.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
            if (v < 0) {
                return -1;
            }
        }
        return v;
    }
}
