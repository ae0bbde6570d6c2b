package io.sluice.engine;

import io.sluice.chunk.XorChunkDescriptor;
import io.sluice.chunk.XorIterator;
import io.sluice.head.HeadChunkCorruptionException;
import io.sluice.head.HeadChunkDescriptor;
import io.sluice.head.HeadChunkLog;
import io.sluice.head.HeadSeries;
import io.sluice.head.ShardHead;
import io.sluice.index.PostingsShard;
import io.sluice.index.SeriesRegistry;
import io.sluice.record.CompactRecord;
import io.sluice.record.MixedRecord;
import io.sluice.record.RecordType;
import io.sluice.record.SamplesRecord;
import io.sluice.record.SeriesRecord;
import io.sluice.wal.FrameVisitor;
import io.sluice.wal.RecordRejectedException;
import io.sluice.wal.WalSegment;
import org.agrona.DirectBuffer;
import org.agrona.collections.Long2LongHashMap;

import java.io.IOException;
import java.util.Arrays;

/**
 * Rebuilds one shard's registry entries, index and head on open, in Prometheus' order: the
 * head-chunk log first (each series' chain of full chunks, see {@link #chunkVisitor()}), then the
 * checkpoint (series records and the samples of chunks that were still open), then the WAL tail.
 * A sample the chunk log already holds (at or before its series' newest chunk's max time) is
 * skipped; every other one is appended to the series' open chunk, which cuts chunks by the same
 * rule as the writer did.
 *
 * <p>It checks the invariants the writer keeps: a series record precedes its samples, refs belong
 * to the shard, and each series' timestamps strictly increase through checkpoint and WAL. A record
 * that breaks one is rejected whole, before any of it is applied, and replay reports it as
 * corruption at that record. A chunk of a series that no series record defines is corruption of the
 * chunk log.
 *
 * <p>Threading: the replaying thread of the shard.
 */
final class ShardRecovery implements FrameVisitor {
    private static final System.Logger LOG = System.getLogger("io.sluice.engine");
    private final int shard;
    private final SeriesRegistry registry;
    private final ShardHead head;
    private final PostingsShard index;
    private long seriesRecords;
    private long samplesRecords;
    private long samples;
    private long skippedSamples;

    // The chunk log's chains, by local id: newest chunk, count, newest max time, oldest chunk's position.
    private long[] chainLast = new long[0];
    private int[] chainCount = new int[0];
    private long[] chainMax = new long[0];
    private long[] chainFirst = new long[0];
    private final Long2LongHashMap relinks = new Long2LongHashMap(Long.MIN_VALUE);
    private long chunks;
    private long chunkSamples;
    private long oldest = Long.MAX_VALUE;
    private long newest = Long.MIN_VALUE;
    // Replay's own ordering check through checkpoint and WAL, by local id (the head may skip samples).
    private long[] replayLast = new long[0];
    /** Scratch for validating a MIXED record: each entry's series' newest timestamp before it. */
    private long[] savedLast = new long[256];
    /** Scratch: the decoded entries of the MIXED or COMPACT record being replayed. */
    private long[] entryRefs = new long[256];
    private long[] entryTimestamps = new long[256];
    private long[] entryBits = new long[256];

    ShardRecovery(int shard, SeriesRegistry registry, ShardHead head, PostingsShard index) {
        this.shard = shard;
        this.registry = registry;
        this.head = head;
        this.index = index;
    }

    private void ensureIds(int id) {
        if (id < chainLast.length) {
            return;
        }
        int n = Math.max(id + 1, Math.max(64, chainLast.length * 2));
        int old = chainLast.length;
        chainLast = Arrays.copyOf(chainLast, n);
        chainCount = Arrays.copyOf(chainCount, n);
        chainMax = Arrays.copyOf(chainMax, n);
        chainFirst = Arrays.copyOf(chainFirst, n);
        replayLast = Arrays.copyOf(replayLast, n);
        Arrays.fill(chainLast, old, n, HeadChunkDescriptor.NO_PREVIOUS);
        Arrays.fill(chainMax, old, n, Long.MIN_VALUE);
        Arrays.fill(chainFirst, old, n, -1);
        Arrays.fill(replayLast, old, n, Long.MIN_VALUE);
    }

    /**
     * Collects the chunk log's chains. A chunk must be an XOR chunk of this shard whose times follow
     * its series' previous chunk; one whose {@code previous} field points elsewhere (repair padded
     * the chunk it pointed to) is relinked to the series' previous valid chunk.
     */
    HeadChunkLog.ChunkVisitor chunkVisitor() {
        return (position, ref, minTime, maxTime, previous, n, buffer, dataOffset, dataLength) -> {
            if (ref < 0 || SeriesRef.shard(ref) != shard || buffer.getByte(dataOffset - HeadChunkDescriptor.DATA_OFFSET
                + HeadChunkDescriptor.ENCODING_OFFSET) != XorChunkDescriptor.ENCODING_XOR || minTime > maxTime
                || n < 1 || dataLength < XorChunkDescriptor.HEADER_LENGTH) {
                return false;
            }
            int id = SeriesRef.localId(ref);
            ensureIds(id);
            if (chainCount[id] > 0 && minTime <= chainMax[id]) {
                return false;
            }
            if (chainCount[id] > 0 && previous != chainLast[id]) {
                relinks.put(position, chainLast[id]);
            }
            if (chainCount[id] == 0) {
                chainFirst[id] = position;
            }
            chainLast[id] = position;
            chainCount[id]++;
            chainMax[id] = maxTime;
            if (maxTime >= head.bounds().readMinValid()) {
                oldest = Math.min(oldest, minTime);
                newest = Math.max(newest, maxTime);
            }
            chunks++;
            chunkSamples += n;
            return true;
        };
    }

    /** The relinks the chunk log needs (none unless repair padded a chunk). */
    Long2LongHashMap relinks() {
        return relinks;
    }

    @Override
    public void onFrame(byte type, DirectBuffer buf, int body, int length, WalSegment segment, int frameOffset)
        throws RecordRejectedException {
        onRecord(type, buf, body, length);
    }

    @Override
    public void onCheckpointFrame(byte type, DirectBuffer buf, int body, int length) throws RecordRejectedException {
        onRecord(type, buf, body, length);
    }

    private void onRecord(byte type, DirectBuffer buf, int body, int length) throws RecordRejectedException {
        try {
            switch (type) {
                case RecordType.SERIES:
                    onSeries(buf, body, length);
                    break;
                case RecordType.SAMPLES:
                    onSamples(buf, body, length);
                    break;
                case RecordType.MIXED:
                    onMixed(buf, body, length);
                    break;
                case RecordType.COMPACT:
                    onCompact(buf, body, length);
                    break;
                default:
                    throw new RecordRejectedException("unknown record type " + RecordType.name(type));
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e); // the chunk log failed: an I/O error, not corruption
        }
    }

    private void onSeries(DirectBuffer buf, int body, int length) throws RecordRejectedException {
        if (length < SeriesRecord.LABELS_OFFSET) {
            throw new RecordRejectedException("series record of " + length + " bytes is too short");
        }
        long ref = SeriesRecord.ref(buf, body);
        checkShard(ref);
        Labels labels;
        try {
            labels = SeriesRecord.labels(buf, body, length);
        } catch (IllegalArgumentException e) {
            throw new RecordRejectedException("series record " + SeriesRef.toString(ref) + " has invalid labels: "
                + e.getMessage());
        }
        int id = SeriesRef.localId(ref);
        if (!registry.restore(shard, id, labels)) {
            throw new RecordRejectedException("series record " + SeriesRef.toString(ref) + " " + labels
                + " conflicts with an earlier series record or hashes to another shard");
        }
        HeadSeries s = head.getOrCreate(id);
        if (seriesRecords == 0) {
            index.bindWriter(Thread.currentThread());
        }
        if (!s.isLogged()) { // a checkpoint and a later segment may both hold the record
            s.markLogged();
            index.add(id, labels);
            ensureIds(id);
            if (chainCount[id] > 0) {
                head.restoreChunks(s, chainLast[id], chainCount[id], chainMax[id]);
            }
        }
        seriesRecords++;
    }

    private void onSamples(DirectBuffer buf, int body, int length) throws RecordRejectedException, IOException {
        if (length < SamplesRecord.bodyLength(1)) {
            throw new RecordRejectedException("samples record of " + length + " bytes is too short");
        }
        int count = SamplesRecord.count(buf, body);
        if (count < 1 || length != SamplesRecord.bodyLength(count)) {
            throw new RecordRejectedException("samples record of " + length + " bytes claims " + count + " samples");
        }
        long ref = SamplesRecord.ref(buf, body);
        checkShard(ref);
        HeadSeries s = loggedSeries(ref, "samples", -1);
        int id = SeriesRef.localId(ref);
        long last = replayLast[id];
        for (int i = 0; i < count; i++) {
            long ts = SamplesRecord.timestamp(buf, body, i);
            if (ts <= last) {
                throw new RecordRejectedException("series " + SeriesRef.toString(ref) + ": timestamp " + ts
                    + " of sample " + i + " is not after " + last);
            }
            last = ts;
        }
        replayLast[id] = last;
        for (int i = 0; i < count; i++) {
            appendToHead(s, SamplesRecord.timestamp(buf, body, i), buf.getLong(SamplesRecord.sampleOffset(body, i) + 8));
        }
        samplesRecords++;
        samples += count;
    }

    private void onMixed(DirectBuffer buf, int body, int length) throws RecordRejectedException, IOException {
        if (length < MixedRecord.bodyLength(1)) {
            throw new RecordRejectedException("mixed record of " + length + " bytes is too short");
        }
        int count = MixedRecord.count(buf, body);
        if (count < 1 || length != MixedRecord.bodyLength(count)) {
            throw new RecordRejectedException("mixed record of " + length + " bytes claims " + count + " entries");
        }
        ensureEntries(count);
        for (int i = 0; i < count; i++) {
            int entry = MixedRecord.entryOffset(body, i);
            entryRefs[i] = buf.getLong(entry + MixedRecord.ENTRY_REF);
            entryTimestamps[i] = buf.getLong(entry + MixedRecord.ENTRY_TIMESTAMP);
            entryBits[i] = buf.getLong(entry + MixedRecord.ENTRY_VALUE);
        }
        onEntries("mixed", count);
    }

    private void onCompact(DirectBuffer buf, int body, int length) throws RecordRejectedException, IOException {
        if (!CompactRecord.plausible(buf, body, length)) {
            throw new RecordRejectedException("compact record of " + length + " bytes claims "
                + CompactRecord.count(buf, body) + " entries");
        }
        int count = CompactRecord.count(buf, body);
        ensureEntries(count);
        String bad = CompactRecord.decode(buf, body, length, shard, entryRefs, entryTimestamps, entryBits);
        if (bad != null) {
            throw new RecordRejectedException(bad);
        }
        onEntries("compact", count);
    }

    private void ensureEntries(int count) {
        if (entryRefs.length < count) {
            int n = Math.max(count, entryRefs.length * 2);
            entryRefs = new long[n];
            entryTimestamps = new long[n];
            entryBits = new long[n];
            savedLast = new long[n];
        }
    }

    /**
     * The decoded entries of a MIXED or COMPACT record: the whole record is validated before any of
     * it is applied (under repair a rejected record is wiped from the log, so nothing of it may stay
     * behind).
     */
    private void onEntries(String kind, int count) throws RecordRejectedException, IOException {
        int checked = 0;
        try {
            for (int i = 0; i < count; i++, checked++) {
                long ref = entryRefs[i];
                checkShard(ref);
                loggedSeries(ref, kind + " entry", i);
                int id = SeriesRef.localId(ref);
                long ts = entryTimestamps[i];
                long last = replayLast[id];
                if (ts <= last) {
                    throw new RecordRejectedException("series " + SeriesRef.toString(ref) + ": timestamp " + ts
                        + " of " + kind + " entry " + i + " is not after " + last);
                }
                savedLast[i] = last;
                replayLast[id] = ts; // a later entry of the same series must follow this one
            }
        } catch (RecordRejectedException e) {
            for (int i = checked - 1; i >= 0; i--) {
                replayLast[SeriesRef.localId(entryRefs[i])] = savedLast[i];
            }
            throw e;
        }
        for (int i = 0; i < count; i++) {
            appendToHead(head.get(SeriesRef.localId(entryRefs[i])), entryTimestamps[i], entryBits[i]);
        }
        samplesRecords++;
        samples += count;
    }

    /** A sample the chunk log already holds is skipped; others go to the open chunk. */
    private void appendToHead(HeadSeries s, long ts, long bits) throws IOException {
        if (ts <= s.persistedMaxTime() || ts < head.bounds().readMinValid()) {
            skippedSamples++; // in a head chunk already, or in a block
            return;
        }
        head.append(s, ts, bits);
        oldest = Math.min(oldest, ts);
        newest = Math.max(newest, ts);
    }

    /** The oldest sample the head holds after replay (a lower bound), or {@link Long#MAX_VALUE}. */
    long oldest() {
        return oldest;
    }

    /** The newest sample the head holds after replay, or {@link Long#MIN_VALUE}. */
    long newest() {
        return newest;
    }

    /** The series of {@code ref}, whose SERIES record must already have been replayed (invariant 2). */
    private HeadSeries loggedSeries(long ref, String what, int entry) throws RecordRejectedException {
        HeadSeries s = head.get(SeriesRef.localId(ref));
        if (s == null || !s.isLogged()) {
            throw new RecordRejectedException(what + (entry >= 0 ? " " + entry : "") + " for series "
                + SeriesRef.toString(ref) + " before its series record");
        }
        return s;
    }

    private void checkShard(long ref) throws RecordRejectedException {
        if (SeriesRef.shard(ref) != shard || ref < 0 || SeriesRef.localId(ref) < 0) {
            throw new RecordRejectedException("series ref " + ref + " does not belong to shard " + shard);
        }
    }

    /**
     * After replay: a chunk chain no series record claims is corruption (or, with repair, dropped);
     * each series' out-of-order check starts from its newest sample, from its open chunk or, when
     * that is empty, from the last sample of its newest chunk.
     */
    void finish(boolean repair) throws IOException {
        for (int id = 0; id < chainLast.length; id++) {
            if (chainCount[id] == 0) {
                continue;
            }
            HeadSeries s = head.get(id);
            if (s == null || !s.isLogged()) {
                if (!repair) {
                    long pos = chainFirst[id];
                    WalSegment f = io.sluice.wal.WalSegments.find(head.chunkLog().files(), pos);
                    throw new HeadChunkCorruptionException(shard, f == null ? null : f.path(),
                        f == null ? pos : pos - f.basePosition(), chainCount[id] + " chunk(s) of series "
                        + SeriesRef.toString(SeriesRef.of(shard, id)) + ", which no series record defines");
                }
                // Repair cut this series' record from the WAL: its chunks go too, padded so the next
                // open does not find them again.
                long pos = chainLast[id];
                int left = chainCount[id];
                while (left-- > 0 && pos != HeadChunkDescriptor.NO_PREVIOUS) {
                    long previous = previousOf(pos);
                    chunkSamples -= head.chunkLog().padChunk(pos);
                    pos = previous;
                }
                chunks -= chainCount[id];
                LOG.log(System.Logger.Level.WARNING, "repair: shard {0}: dropped {1} head chunk(s) of series {2},"
                    + " whose series record was cut from the WAL", shard, chainCount[id],
                    SeriesRef.toString(SeriesRef.of(shard, id)));
            }
        }
        XorIterator it = new XorIterator();
        for (int id = 0; id < registry.idLimit(shard); id++) {
            HeadSeries s = head.get(id);
            if (s == null || !s.isLogged()) {
                continue;
            }
            if (s.numSamples() > 0) {
                s.accept(s.lastTimestamp(), s.lastValueBits());
            } else if (id < chainLast.length && chainCount[id] > 0) {
                long pos = chainLast[id];
                WalSegment f = io.sluice.wal.WalSegments.find(head.chunkLog().files(), pos);
                if (f == null) {
                    continue;
                }
                DirectBuffer b = f.mapping().buffer();
                int frame = (int) (pos - f.basePosition());
                int body = frame + io.sluice.wal.FrameDescriptor.BODY_OFFSET;
                it.reset(b, body + HeadChunkDescriptor.DATA_OFFSET, b.getInt(frame) - HeadChunkDescriptor.DATA_OFFSET);
                long ts = Long.MIN_VALUE;
                long bits = 0;
                while (it.next()) {
                    ts = it.timestamp();
                    bits = it.valueBits();
                }
                s.accept(ts, bits);
            }
        }
    }

    /** The chain's previous chunk of the chunk at {@code pos}, relinks applied. */
    private long previousOf(long pos) {
        long relinked = relinks.get(pos);
        if (relinked != relinks.missingValue()) {
            return relinked;
        }
        WalSegment f = io.sluice.wal.WalSegments.find(head.chunkLog().files(), pos);
        if (f == null) {
            return HeadChunkDescriptor.NO_PREVIOUS;
        }
        int body = (int) (pos - f.basePosition()) + io.sluice.wal.FrameDescriptor.BODY_OFFSET;
        return f.mapping().buffer().getLong(body + HeadChunkDescriptor.PREVIOUS_OFFSET);
    }

    @Override
    public boolean plausible(byte type, DirectBuffer buf, int body, int length) {
        if (type == RecordType.SAMPLES) {
            if (length < SamplesRecord.bodyLength(1)) {
                return false;
            }
            int count = SamplesRecord.count(buf, body);
            return count >= 1 && length == SamplesRecord.bodyLength(count);
        }
        if (type == RecordType.COMPACT) {
            return CompactRecord.plausible(buf, body, length);
        }
        if (type == RecordType.MIXED) {
            if (length < MixedRecord.bodyLength(1)) {
                return false;
            }
            int count = MixedRecord.count(buf, body);
            return count >= 1 && length == MixedRecord.bodyLength(count);
        }
        if (type == RecordType.SERIES) {
            if (length < SeriesRecord.LABELS_OFFSET + 4) {
                return false;
            }
            int labels = buf.getShort(body + SeriesRecord.LABEL_COUNT_OFFSET) & 0xFFFF;
            return labels >= 1 && labels <= Labels.MAX_LABELS;
        }
        return false;
    }

    long seriesRecords() {
        return seriesRecords;
    }

    long samplesRecords() {
        return samplesRecords;
    }

    /** Samples in the checkpoint and WAL records replayed. */
    long samples() {
        return samples;
    }

    /** Of {@link #samples()}, those the chunk log already held. */
    long skippedSamples() {
        return skippedSamples;
    }

    /** Chunks read from the chunk log (and attached to a series). */
    long chunks() {
        return chunks;
    }

    /** Samples in the chunks read from the chunk log. */
    long chunkSamples() {
        return chunkSamples;
    }
}
