package io.sluice.engine;

import io.sluice.index.PostingsShard;
import io.sluice.index.SeriesRegistry;
import io.sluice.record.MixedRecord;
import io.sluice.record.RecordType;
import io.sluice.record.SamplesRecord;
import io.sluice.record.SeriesRecord;
import io.sluice.store.SeriesState;
import io.sluice.store.ShardStore;
import io.sluice.wal.FrameDescriptor;
import io.sluice.wal.FrameVisitor;
import io.sluice.wal.RecordRejectedException;
import io.sluice.wal.WalSegment;
import org.agrona.DirectBuffer;

/**
 * Rebuilds one shard's registry entries and store from its WAL, and checks the invariants the
 * writer keeps: a series record precedes its samples, refs belong to the shard, and each series'
 * timestamps strictly increase. A record that breaks one is rejected, and replay reports it as
 * corruption at that record.
 *
 * <p>Threading: the replaying thread of the shard.
 */
final class ShardRecovery implements FrameVisitor {
    private final int shard;
    private final SeriesRegistry registry;
    private final ShardStore store;
    private final PostingsShard index;
    private long seriesRecords;
    private long samplesRecords;
    private long samples;
    /** Scratch for validating a MIXED record: each entry's series' newest timestamp before it. */
    private long[] savedLast = new long[256];

    ShardRecovery(int shard, SeriesRegistry registry, ShardStore store, PostingsShard index) {
        this.shard = shard;
        this.registry = registry;
        this.store = store;
        this.index = index;
    }

    @Override
    public void onFrame(byte type, DirectBuffer buf, int body, int length, WalSegment segment, int frameOffset)
        throws RecordRejectedException {
        switch (type) {
            case RecordType.SERIES:
                onSeries(buf, body, length);
                break;
            case RecordType.SAMPLES:
                onSamples(buf, body, length, segment, segment.basePosition() + frameOffset);
                break;
            case RecordType.MIXED:
                onMixed(buf, body, length, segment.basePosition() + frameOffset, segment);
                break;
            default:
                throw new RecordRejectedException("unknown record type " + RecordType.name(type));
        }
    }

    @Override
    public void onCheckpointFrame(byte type, DirectBuffer buf, int body, int length) throws RecordRejectedException {
        if (type != RecordType.SERIES) {
            throw new RecordRejectedException("a checkpoint holds only series records, found "
                + RecordType.name(type));
        }
        onSeries(buf, body, length);
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
        if (!registry.restore(shard, SeriesRef.localId(ref), labels)) {
            throw new RecordRejectedException("series record " + SeriesRef.toString(ref) + " " + labels
                + " conflicts with an earlier series record or hashes to another shard");
        }
        SeriesState state = store.getOrCreate(SeriesRef.localId(ref));
        if (seriesRecords == 0) {
            index.bindWriter(Thread.currentThread());
        }
        if (!store.isLogged(state)) { // a checkpoint and a later segment may both hold the record
            store.markLogged(state);
            index.add(SeriesRef.localId(ref), labels);
        }
        seriesRecords++;
    }

    private void onSamples(DirectBuffer buf, int body, int length, WalSegment segment, long position)
        throws RecordRejectedException {
        if (length < SamplesRecord.bodyLength(1)) {
            throw new RecordRejectedException("samples record of " + length + " bytes is too short");
        }
        int count = SamplesRecord.count(buf, body);
        if (count < 1 || length != SamplesRecord.bodyLength(count)) {
            throw new RecordRejectedException("samples record of " + length + " bytes claims " + count + " samples");
        }
        long ref = SamplesRecord.ref(buf, body);
        checkShard(ref);
        SeriesState state = loggedState(ref, "samples", -1);
        long last = store.lastTimestamp(state);
        long first = SamplesRecord.timestamp(buf, body, 0);
        for (int i = 0; i < count; i++) {
            long ts = SamplesRecord.timestamp(buf, body, i);
            if (ts <= last) {
                throw new RecordRejectedException("series " + SeriesRef.toString(ref) + ": timestamp " + ts
                    + " of sample " + i + " is not after " + last);
            }
            last = ts;
        }
        long lastBits = Double.doubleToRawLongBits(SamplesRecord.value(buf, body, count - 1));
        store.append(state, position, first, last, lastBits, count);
        segment.noteTimestamp(last);
        samplesRecords++;
        samples += count;
    }

    private void onMixed(DirectBuffer buf, int body, int length, long framePosition, WalSegment segment)
        throws RecordRejectedException {
        if (length < MixedRecord.bodyLength(1)) {
            throw new RecordRejectedException("mixed record of " + length + " bytes is too short");
        }
        int count = MixedRecord.count(buf, body);
        if (count < 1 || length != MixedRecord.bodyLength(count)) {
            throw new RecordRejectedException("mixed record of " + length + " bytes claims " + count + " entries");
        }
        // Validate the whole record before applying any of it: under repair a rejected record is
        // wiped from the log, so the store must not keep anything of it.
        if (savedLast.length < count) {
            savedLast = new long[Math.max(count, savedLast.length * 2)];
        }
        int checked = 0;
        try {
            for (int i = 0; i < count; i++, checked++) {
                long ref = MixedRecord.ref(buf, body, i);
                checkShard(ref);
                SeriesState state = loggedState(ref, "mixed entry", i);
                long ts = MixedRecord.timestamp(buf, body, i);
                long last = store.lastTimestamp(state);
                if (ts <= last) {
                    throw new RecordRejectedException("series " + SeriesRef.toString(ref) + ": timestamp " + ts
                        + " of mixed entry " + i + " is not after " + last);
                }
                savedLast[i] = last;
                store.setLastTimestamp(state, ts); // a later entry of the same series must follow this one
            }
        } finally {
            for (int i = checked - 1; i >= 0; i--) {
                store.setLastTimestamp(store.get(SeriesRef.localId(MixedRecord.ref(buf, body, i))), savedLast[i]);
            }
        }
        for (int i = 0; i < count; i++) {
            SeriesState state = store.get(SeriesRef.localId(MixedRecord.ref(buf, body, i)));
            long ts = MixedRecord.timestamp(buf, body, i);
            int entry = MixedRecord.entryOffset(body, i);
            long entryPosition = framePosition + (entry - (body - FrameDescriptor.BODY_OFFSET));
            store.appendEntry(state, entryPosition, ts, buf.getLong(entry + MixedRecord.ENTRY_VALUE));
            segment.noteTimestamp(ts);
        }
        samplesRecords++;
        samples += count;
    }

    /** The state of {@code ref}, whose SERIES record must already have been replayed (invariant 2). */
    private SeriesState loggedState(long ref, String what, int entry) throws RecordRejectedException {
        SeriesState state = store.get(SeriesRef.localId(ref));
        if (state == null || !store.isLogged(state)) {
            throw new RecordRejectedException(what + (entry >= 0 ? " " + entry : "") + " for series "
                + SeriesRef.toString(ref)
                + " before its series record");
        }
        return state;
    }

    private void checkShard(long ref) throws RecordRejectedException {
        if (SeriesRef.shard(ref) != shard || ref < 0 || SeriesRef.localId(ref) < 0) {
            throw new RecordRejectedException("series ref " + ref + " does not belong to shard " + shard);
        }
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

    long samples() {
        return samples;
    }
}
