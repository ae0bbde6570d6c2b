package io.sluice.wal;

import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static io.sluice.wal.FrameDescriptor.BODY_OFFSET;
import static io.sluice.wal.FrameDescriptor.CRC_OFFSET;
import static io.sluice.wal.FrameDescriptor.END_BODY_LENGTH;
import static io.sluice.wal.FrameDescriptor.HEADER_LENGTH;
import static io.sluice.wal.FrameDescriptor.TYPE_END;
import static io.sluice.wal.FrameDescriptor.framedLength;

/**
 * Replays one shard's log: checks every segment header and every frame, hands valid frames to a
 * {@link FrameVisitor}, and decides what a bad frame means.
 *
 * <ul>
 *   <li>In the last segment, a bad or missing frame with no valid frame after it is a torn tail:
 *       the rest of the segment is zeroed (so stale bytes can never look like a frame later), the
 *       cut is logged and counted, and appending resumes there. In a recycled segment the bytes
 *       after the last frame are the file's earlier life (frames whose checksums cover another base
 *       position): appending resumes there without zeroing or counting them.</li>
 *   <li>Anything else (a bad frame in an earlier segment, a valid frame after a bad one, a bad
 *       header, a missing segment, an earlier segment without its end marker) is corruption:
 *       {@link WalCorruptionException} names the segment and offset, unless {@code repair} is set;
 *       then the log is cut there, later segments are deleted, and the outcome reports what was
 *       dropped.</li>
 * </ul>
 *
 * <p>Threading: one call per shard; calls for different shards may run in parallel.
 */
public final class ShardLogReader {
    private static final System.Logger LOG = System.getLogger("io.sluice.wal");

    private final WalFileSystem fs;
    private final Path dir;
    private final int shard;
    private final int shardCount;
    private final FrameVisitor visitor;
    private final boolean repair;
    private final FrameCrc crc = new FrameCrc();

    private final WalSegments kept;
    private Path checkpoint;
    private long startPosition;

    private ShardLogReader(WalFileSystem fs, Path dir, int shard, int shardCount, FrameVisitor visitor, boolean repair,
                           WalSegments kept) {
        this.kept = kept;
        this.fs = fs;
        this.dir = dir;
        this.shard = shard;
        this.shardCount = shardCount;
        this.visitor = visitor;
        this.repair = repair;
    }

    /**
     * Replays the shard log in {@code dir} (created if missing), adding the segments it keeps to
     * {@code segments}, which must be empty.
     *
     * @throws WalCorruptionException on corruption when {@code repair} is false
     */
    public static ReplayOutcome replay(WalFileSystem fs, Path dir, int shard, int shardCount, FrameVisitor visitor,
                                       boolean repair, WalSegments segments) throws IOException {
        if (segments.count() != 0) {
            throw new IllegalArgumentException("segments must be empty");
        }
        return new ShardLogReader(fs, dir, shard, shardCount, visitor, repair, segments).run();
    }

    private enum Stop { NONE, SEALED, ZERO, BAD_LENGTH, BAD_CRC, REJECTED }

    private ReplayOutcome run() throws IOException {
        fs.createDirectories(dir);
        List<Path> files = new ArrayList<>();
        TreeMap<Long, Path> byBase = new TreeMap<>();
        TreeMap<Long, Path> checkpoints = new TreeMap<>();
        for (Path f : fs.list(dir)) {
            String name = f.getFileName().toString();
            if (name.endsWith(Checkpoints.TMP_SUFFIX)) {
                LOG.log(System.Logger.Level.INFO, "shard {0}: deleting unfinished checkpoint {1}", shard, f);
                fs.delete(f);
            } else if (name.endsWith(Checkpoints.SUFFIX)) {
                long base = Checkpoints.parseFileName(name);
                if (base < 0) {
                    throw new WalCorruptionException(shard, f, 0, "unexpected file name: a checkpoint is named by"
                        + " its base position, 20 digits and .ckpt");
                }
                checkpoints.put(base, f);
            } else if (name.endsWith(SegmentDescriptor.TMP_SUFFIX)) {
                LOG.log(System.Logger.Level.INFO, "shard {0}: deleting unfinished segment {1}", shard, f);
                fs.delete(f);
            } else if (name.endsWith(SegmentDescriptor.SUFFIX)) {
                long base = SegmentDescriptor.parseFileName(name);
                if (base < 0) {
                    throw new WalCorruptionException(shard, f, 0, "unexpected file name: a segment is named by its"
                        + " base position, 20 digits and .wal");
                }
                byBase.put(base, f);
            }
        }
        long checkpointBase = -1;
        if (!checkpoints.isEmpty()) {
            // Retention writes the checkpoint first, then deletes segments and the previous checkpoint:
            // a crash in between leaves files the newest checkpoint makes redundant.
            checkpointBase = checkpoints.lastKey();
            checkpoint = checkpoints.get(checkpointBase);
            for (Path old : checkpoints.headMap(checkpointBase).values()) {
                LOG.log(System.Logger.Level.INFO, "shard {0}: deleting superseded checkpoint {1}", shard, old);
                fs.delete(old);
            }
            for (Path old : new ArrayList<>(byBase.headMap(checkpointBase).values())) {
                LOG.log(System.Logger.Level.INFO, "shard {0}: deleting segment {1}, retired before checkpoint {2}",
                    shard, old, checkpoint.getFileName());
                fs.delete(old);
            }
            byBase.headMap(checkpointBase).clear();
        }
        files.addAll(byBase.values());
        long[] bases = byBase.keySet().stream().mapToLong(Long::longValue).toArray();
        // A log may start after position 0 (retention deleted its oldest segments); with a checkpoint,
        // it starts exactly at the checkpoint's position.
        startPosition = bases.length > 0 ? bases[0] : Math.max(0, checkpointBase);

        long frames = 0;
        long frameBytes = 0;
        long truncated = 0;
        int resume = -1;
        long expectedBase = checkpoint != null ? checkpointBase : bases.length > 0 ? bases[0] : 0;
        try {
            if (checkpoint != null) {
                long[] read = readCheckpoint(checkpoint, checkpointBase);
                frames += read[0];
                frameBytes += read[1];
            }
            for (int k = 0; k < files.size(); k++) {
                Path file = files.get(k);
                boolean last = k == files.size() - 1;
                if (bases[k] != expectedBase) {
                    return corrupt(kept, files, k, null, 0, new WalCorruptionException(shard, file, 0,
                        "expected the next segment to start at position " + expectedBase + " but it starts at "
                            + bases[k] + ": a segment is missing"), frames, frameBytes);
                }
                long fileSize = fs.size(file);
                if (fileSize < SegmentDescriptor.HEADER_LENGTH || fileSize > Integer.MAX_VALUE) {
                    return corrupt(kept, files, k, null, 0, new WalCorruptionException(shard, file, Math.min(fileSize,
                        SegmentDescriptor.HEADER_LENGTH), "file is " + fileSize + " bytes, not a segment"),
                        frames, frameBytes);
                }
                SegmentMapping mapping = fs.map(file, fileSize);
                WalSegment segment = new WalSegment(shard, file, bases[k], mapping);
                UnsafeBuffer buf = mapping.buffer();
                ByteBuffer crcView = mapping.byteBuffer();
                WalCorruptionException headerError = SegmentDescriptor.verify(buf, crcView, shard, shardCount,
                    bases[k], fileSize, file);
                if (headerError != null) {
                    return corrupt(kept, files, k, segment, 0, headerError, frames, frameBytes);
                }
                long declared = SegmentDescriptor.declaredSize(buf);
                boolean recycled = SegmentDescriptor.recycled(buf);
                boolean truncatedFile = declared != fileSize;
                expectedBase = bases[k] + declared;

                int limit = (int) fileSize;
                int off = SegmentDescriptor.HEADER_LENGTH;
                Stop stop = Stop.NONE;
                String detail = null;
                while (stop == Stop.NONE) {
                    if (off + HEADER_LENGTH > limit) {
                        stop = Stop.BAD_LENGTH;
                        detail = "no room for a frame header before the end of the file";
                        break;
                    }
                    int len = buf.getIntVolatile(off);
                    if (len == 0) {
                        stop = Stop.ZERO;
                        break;
                    }
                    if (len < 0 || (long) off + HEADER_LENGTH + len > limit) {
                        stop = Stop.BAD_LENGTH;
                        detail = "frame length " + (len & 0xFFFFFFFFL) + " runs past the end of the segment";
                        break;
                    }
                    int stored = buf.getInt(off + CRC_OFFSET);
                    int computed = crc(buf, crcView, off + BODY_OFFSET, len);
                    if (stored != computed) {
                        stop = Stop.BAD_CRC;
                        detail = String.format("checksum mismatch (stored 0x%08x, computed 0x%08x) in a frame of %d bytes",
                            stored, computed, len);
                        break;
                    }
                    byte type = buf.getByte(off + BODY_OFFSET);
                    if (type == TYPE_END) {
                        if (len != END_BODY_LENGTH) {
                            stop = Stop.REJECTED;
                            detail = "end marker with a body of " + len + " bytes";
                            break;
                        }
                        frames++;
                        frameBytes += framedLength(len);
                        off += framedLength(len);
                        stop = Stop.SEALED;
                        break;
                    }
                    try {
                        visitor.onFrame(type, buf, off + BODY_OFFSET, len, segment, off);
                    } catch (RecordRejectedException e) {
                        stop = Stop.REJECTED;
                        detail = e.getMessage();
                        break;
                    }
                    frames++;
                    frameBytes += framedLength(len);
                    off += framedLength(len);
                }

                if (truncatedFile) {
                    return corrupt(kept, files, k, segment, off, new WalCorruptionException(shard, file, off,
                        "segment truncated: the file has " + fileSize + " bytes but its header says " + declared
                            + (stop == Stop.SEALED || stop == Stop.ZERO ? "" : "; " + detail)), frames, frameBytes);
                }
                if (stop == Stop.SEALED) {
                    kept.add(segment);
                    resume = -1;
                    continue;
                }
                if (!last) {
                    boolean unused;
                    try {
                        unused = laterSegmentsAreUnused(files, bases, k, segment.endPosition());
                    } catch (IOException e) {
                        segment.mapping().close();
                        throw e;
                    }
                    if (unused) {
                        // The writer's background preparer had created the next segment(s), and the
                        // writer stopped before sealing this one: this segment is the log's end.
                        for (int j = files.size() - 1; j > k; j--) {
                            LOG.log(System.Logger.Level.INFO, "shard {0}: deleting unused segment {1}", shard,
                                files.get(j));
                            fs.delete(files.get(j));
                        }
                        files.subList(k + 1, files.size()).clear();
                        last = true;
                    } else {
                        String reason = stop == Stop.ZERO
                            ? "segment ends without an end marker, but later segments hold frames" : detail;
                        return corrupt(kept, files, k, segment, off, new WalCorruptionException(shard, file, off,
                            reason), frames, frameBytes);
                    }
                }
                if (stop == Stop.REJECTED) {
                    return corrupt(kept, files, k, segment, off, new WalCorruptionException(shard, file, off, detail),
                        frames, frameBytes);
                }
                // Last segment, and the chain of frames stops at `off`: a torn tail, unless a valid frame follows.
                long[] scan = scanForward(buf, crcView, off, off + HEADER_LENGTH, limit);
                if (scan[0] >= 0) {
                    String what = stop == Stop.ZERO ? "an empty frame slot" : detail;
                    return corrupt(kept, files, k, segment, off, new WalCorruptionException(shard, file, off,
                        what + ", yet a valid frame follows at offset " + scan[0]), frames, frameBytes);
                }
                long highWater = Math.max(scan[1], off);
                if (recycled) {
                    // The bytes after the chain are the file's earlier life, not a torn write: they are
                    // overwritten as the writer appends, never read as frames (their checksums cover the
                    // file's old base position).
                    highWater = off;
                }
                if (highWater > off) {
                    buf.setMemory(off, (int) (highWater - off), (byte) 0);
                    fs.force(mapping);
                    truncated = highWater - off;
                    LOG.log(System.Logger.Level.WARNING, "shard {0}: truncated a torn tail of {1} bytes at offset {2}"
                        + " of {3} ({4})", shard, truncated, off, file, stop == Stop.ZERO ? "partial frame" : detail);
                }
                kept.add(segment);
                resume = off;
            }
        } catch (IOException | RuntimeException e) {
            kept.closeAll();
            throw e;
        }
        return new ReplayOutcome(kept, resume, frames, frameBytes, truncated, null).start(startPosition, checkpoint);
    }

    /**
     * Replays a checkpoint's SERIES frames. Any flaw is corruption, with or without repair: cutting a
     * checkpoint would orphan the samples of the series it drops.
     *
     * @return {frames, bytes}
     */
    private long[] readCheckpoint(Path file, long base) throws IOException {
        long size = fs.size(file);
        if (size < SegmentDescriptor.HEADER_LENGTH + FrameDescriptor.END_FRAME_LENGTH || size > Integer.MAX_VALUE) {
            throw new WalCorruptionException(shard, file, Math.min(size, SegmentDescriptor.HEADER_LENGTH), "checkpoint"
                + " file is " + size + " bytes, too short for a header and an end marker");
        }
        try (SegmentMapping mapping = fs.map(file, size)) {
            UnsafeBuffer buf = mapping.buffer();
            ByteBuffer crcView = mapping.byteBuffer();
            WalCorruptionException headerError = SegmentDescriptor.verify(buf, crcView, shard, shardCount, base, size,
                file);
            if (headerError != null) {
                throw headerError;
            }
            int limit = (int) size;
            int off = SegmentDescriptor.HEADER_LENGTH;
            long n = 0;
            while (true) {
                int len = off + HEADER_LENGTH <= limit ? buf.getInt(off) : -1;
                if (len <= 0 || (long) off + HEADER_LENGTH + len > limit) {
                    throw new WalCorruptionException(shard, file, off, "checkpoint frame length " + len
                        + " is impossible here; a checkpoint ends with an end marker");
                }
                int stored = buf.getInt(off + CRC_OFFSET);
                int computed = crc(buf, crcView, off + BODY_OFFSET, len);
                if (stored != computed) {
                    throw new WalCorruptionException(shard, file, off, String.format("checkpoint checksum mismatch"
                        + " (stored 0x%08x, computed 0x%08x) in a frame of %d bytes", stored, computed, len));
                }
                byte type = buf.getByte(off + BODY_OFFSET);
                n++;
                if (type == TYPE_END) {
                    return new long[] {n, off + framedLength(len) - SegmentDescriptor.HEADER_LENGTH};
                }
                if (type == FrameDescriptor.TYPE_CHECKPOINT_STATE) {
                    off += framedLength(len); // read before replay by Checkpoints.state
                    continue;
                }
                try {
                    visitor.onCheckpointFrame(type, buf, off + BODY_OFFSET, len);
                } catch (RecordRejectedException e) {
                    throw new WalCorruptionException(shard, file, off, e.getMessage());
                }
                off += framedLength(len);
            }
        }
    }

    /**
     * True if every segment after {@code k} is a well-formed, contiguous segment of this shard that
     * holds no frame at all: segments the preparer created ahead of the writer.
     */
    private boolean laterSegmentsAreUnused(List<Path> files, long[] bases, int k, long expectedBase)
        throws IOException {
        long base = expectedBase;
        for (int j = k + 1; j < files.size(); j++) {
            Path f = files.get(j);
            if (bases[j] != base) {
                return false;
            }
            // An I/O error here (EMFILE, ENOMEM, EACCES) is not evidence about the log: it fails the open.
            long size = fs.size(f);
            if (size < SegmentDescriptor.HEADER_LENGTH || size > Integer.MAX_VALUE) {
                return false;
            }
            try (SegmentMapping m = fs.map(f, size)) {
                if (SegmentDescriptor.verify(m.buffer(), m.byteBuffer(), shard, shardCount, bases[j], size, f)
                    != null) {
                    return false;
                }
                long[] scan = scanForward(m.buffer(), m.byteBuffer(), SegmentDescriptor.HEADER_LENGTH,
                    SegmentDescriptor.HEADER_LENGTH, (int) size);
                if (scan[0] >= 0 || (scan[1] >= 0 && !SegmentDescriptor.recycled(m.buffer()))) {
                    return false; // a frame, or any non-zero byte of a new file: this segment was written to
                }
                base += SegmentDescriptor.declaredSize(m.buffer());
            }
        }
        return true;
    }

    /**
     * Corruption at {@code offset} of segment {@code k}: throw, or with repair cut there, delete later
     * segments and count what is dropped.
     */
    private ReplayOutcome corrupt(WalSegments kept, List<Path> files, int k, WalSegment segment, int offset,
                                  WalCorruptionException error, long frames, long frameBytes) throws IOException {
        if (!repair) {
            if (segment != null) {
                segment.mapping().close();
            }
            kept.closeAll();
            throw error;
        }
        long droppedRecords = 0;
        long droppedBytes = 0;
        // Count the later segments before changing anything: an I/O error while reading them (EMFILE,
        // ENOMEM, EACCES) fails the open as an I/O error, with nothing zeroed or deleted.
        for (int j = k + 1; j < files.size(); j++) {
            long[] counted;
            try {
                counted = countFramesInFile(files.get(j));
            } catch (IOException e) {
                if (segment != null) {
                    segment.mapping().close();
                }
                throw e;
            }
            droppedRecords += counted[0];
            droppedBytes += counted[1];
        }
        int deleted = 0;
        int resume = -1;
        boolean keepSegment = segment != null && offset >= SegmentDescriptor.HEADER_LENGTH;
        if (segment != null) {
            UnsafeBuffer buf = segment.mapping().buffer();
            int from = Math.max(offset, SegmentDescriptor.HEADER_LENGTH);
            long[] counted = countFrames(buf, segment.mapping().byteBuffer(), from, (int) segment.size(),
                keepSegment && SegmentDescriptor.recycled(buf));
            droppedRecords += counted[0];
            long highWater = Math.max(counted[1], from);
            droppedBytes += highWater - offset;
            if (keepSegment) {
                if (highWater > offset) {
                    buf.setMemory(offset, (int) (highWater - offset), (byte) 0);
                }
                if (SegmentDescriptor.declaredSize(buf) != segment.size()) {
                    SegmentDescriptor.rewriteSize(buf, segment.mapping().byteBuffer(), segment.size());
                }
                fs.force(segment.mapping());
                kept.add(segment);
                resume = offset;
            } else {
                segment.mapping().close();
            }
        }
        int firstDeleted = keepSegment ? k + 1 : k;
        for (int j = firstDeleted; j < files.size(); j++) {
            fs.delete(files.get(j));
            deleted++;
        }
        if (deleted > 0) {
            fs.syncDirectory(dir);
        }
        LOG.log(System.Logger.Level.WARNING, "repair: {0}; cut there, dropped {1} records ({2} bytes) and {3}"
            + " segment file(s)", error.getMessage(), droppedRecords, droppedBytes, deleted);
        return new ReplayOutcome(kept, resume, frames, frameBytes, 0, new RepairAction(error.segment(), error.offset(),
            error.reason(), droppedRecords, droppedBytes, deleted)).start(startPosition, checkpoint);
    }

    private long[] countFramesInFile(Path f) throws IOException {
        long size = fs.size(f);
        if (size < SegmentDescriptor.HEADER_LENGTH || size > Integer.MAX_VALUE) {
            return new long[] {0, size};
        }
        try (SegmentMapping m = fs.map(f, size)) {
            long[] counted = countFrames(m.buffer(), m.byteBuffer(), SegmentDescriptor.HEADER_LENGTH, (int) size,
                SegmentDescriptor.recycled(m.buffer()));
            return new long[] {counted[0], counted[1]};
        }
    }

    /**
     * Walks frames where it can and resynchronises on 8-byte boundaries where it cannot. Returns
     * {frames, highWater}: the end of the last frame or, unless {@code stale} (a recycled segment,
     * whose old bytes are not writes of this log), of the last non-zero word.
     */
    private long[] countFrames(UnsafeBuffer buf, ByteBuffer crcView, int from, int limit, boolean stale) {
        long n = 0;
        long highWater = from;
        int p = from;
        while (p + HEADER_LENGTH <= limit) {
            if (!stale && buf.getLong(p) != 0) {
                highWater = p + 8;
            }
            int framed = validFrameAt(buf, crcView, p, limit);
            if (framed > 0) {
                n++;
                highWater = Math.max(highWater, p + framed);
                p += framed;
            } else {
                p += 8;
            }
        }
        return new long[] {n, highWater};
    }

    /**
     * Scans the 8-byte words of [from, limit): returns {offset of the first valid frame at or after
     * {@code validFrom}, or -1; offset just past the last non-zero word}.
     */
    private long[] scanForward(UnsafeBuffer buf, ByteBuffer crcView, int from, int validFrom, int limit) {
        long highWater = -1;
        for (int p = from; p + 8 <= limit; p += 8) {
            if (buf.getLong(p) == 0) {
                continue;
            }
            highWater = p + 8;
            if (p >= validFrom && validFrameAt(buf, crcView, p, limit) > 0) {
                return new long[] {p, highWater};
            }
        }
        return new long[] {-1, highWater};
    }

    /** The framed length of a valid frame at {@code p}, or 0. */
    private int validFrameAt(UnsafeBuffer buf, ByteBuffer crcView, int p, int limit) {
        if (p + HEADER_LENGTH > limit) {
            return 0;
        }
        int len = buf.getInt(p);
        if (len <= 0 || (long) p + HEADER_LENGTH + len > limit) {
            return 0;
        }
        byte type = buf.getByte(p + BODY_OFFSET);
        if (type == TYPE_END) {
            if (len != END_BODY_LENGTH) {
                return 0;
            }
        } else if (!visitor.plausible(type, buf, p + BODY_OFFSET, len)) {
            return 0;
        }
        if (buf.getInt(p + CRC_OFFSET) != crc(buf, crcView, p + BODY_OFFSET, len)) {
            return 0;
        }
        return framedLength(len);
    }

    /** The checksum of a body in the file mapped at {@code buf}, by the rule of its header's version. */
    private int crc(UnsafeBuffer buf, ByteBuffer view, int offset, int length) {
        return crc.forFile(buf).of(view, offset, length);
    }

    /** For tests and tools: the base positions and paths of the segment files in a shard directory. */
    public static Map<Long, Path> segmentFiles(WalFileSystem fs, Path dir) throws IOException {
        TreeMap<Long, Path> byBase = new TreeMap<>();
        for (Path f : fs.list(dir)) {
            long base = SegmentDescriptor.parseFileName(f.getFileName().toString());
            if (base >= 0) {
                byBase.put(base, f);
            }
        }
        return byBase;
    }
}
