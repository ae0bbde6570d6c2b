package io.sluice.store;

import io.sluice.engine.SampleConsumer;
import io.sluice.engine.SeriesRef;
import io.sluice.record.MixedRecord;
import io.sluice.record.SamplesRecord;
import io.sluice.wal.FrameDescriptor;
import io.sluice.wal.WalSegment;
import io.sluice.wal.WalSegments;
import org.agrona.DirectBuffer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The series store of one shard. Samples are not copied a second time: a series' chunks are its
 * SAMPLES records in the shard's memory-mapped WAL, and this store keeps, per series, the
 * positions of those records plus the newest sample for the out-of-order check. The page cache
 * holds the data once; the heap holds 8 bytes per record (docs/architecture.md).
 *
 * <p>Threading: the shard writer (handler or replay) creates states and appends; any thread may
 * read. States live in pages indexed by local id, published with release stores.
 */
public final class ShardStore {
    private static final VarHandle STATES = MethodHandles.arrayElementVarHandle(SeriesState[].class);
    private static final int PAGE_BITS = 12;
    private static final int PAGE_SIZE = 1 << PAGE_BITS;

    /**
     * Marks a stored position as a single MIXED entry (the position of the entry, not of a record
     * frame). Shard-log positions are far below 2^62, so the top bit is free.
     */
    static final long ENTRY = Long.MIN_VALUE;

    private final int shard;
    private final WalSegments segments;
    private volatile SeriesState[][] pages = new SeriesState[16][];
    private volatile int seriesWithState;
    private long totalSamples;

    public ShardStore(int shard, WalSegments segments) {
        this.shard = shard;
        this.segments = segments;
    }

    public int shard() {
        return shard;
    }

    /** The state of local id {@code id}, or null. Any thread. */
    public SeriesState get(int id) {
        SeriesState[][] p = pages;
        int page = id >>> PAGE_BITS;
        if (page >= p.length || p[page] == null) {
            return null;
        }
        return (SeriesState) STATES.getAcquire(p[page], id & (PAGE_SIZE - 1));
    }

    /** The state of local id {@code id}, created if absent. Writer only. */
    public SeriesState getOrCreate(int id) {
        SeriesState s = get(id);
        if (s != null) {
            return s;
        }
        int page = id >>> PAGE_BITS;
        SeriesState[][] p = pages;
        if (page >= p.length) {
            SeriesState[][] grown = new SeriesState[Math.max(page + 1, p.length * 2)][];
            System.arraycopy(p, 0, grown, 0, p.length);
            p = grown;
            pages = grown;
        }
        if (p[page] == null) {
            p[page] = new SeriesState[PAGE_SIZE];
            pages = p;
        }
        s = new SeriesState(SeriesRef.of(shard, id));
        STATES.setRelease(p[page], id & (PAGE_SIZE - 1), s);
        seriesWithState = seriesWithState + 1;
        return s;
    }

    /** Writer only: marks the series' SERIES record as written. */
    public void markLogged(SeriesState s) {
        s.logged = true;
    }

    public boolean isLogged(SeriesState s) {
        return s.logged;
    }

    /** Newest accepted timestamp (writer's view). */
    public long lastTimestamp(SeriesState s) {
        return s.lastTimestamp;
    }

    /** Writer only: sets the newest accepted timestamp (replay's validation of a record before applying it). */
    public void setLastTimestamp(SeriesState s, long ts) {
        s.lastTimestamp = ts;
    }

    /** Raw bits of the newest accepted value (writer's view). */
    public long lastValueBits(SeriesState s) {
        return s.lastValueBits;
    }

    /** Writer only: records an appended SAMPLES record of {@code count} samples. */
    public void append(SeriesState s, long position, long firstTs, long lastTs, long lastValueBits, int count) {
        s.lastTimestamp = lastTs;
        s.lastValueBits = lastValueBits;
        s.addRecord(position, firstTs, lastTs, count);
        totalSamples += count;
    }

    /**
     * Writer only: records one accepted entry of a MIXED record, at the shard-log position of the
     * entry itself ({@code entryPosition}), so that a read decodes it without scanning the record.
     * Replay uses this; the handler splits it into {@link #accept} and {@link #publishEntry}.
     */
    public void appendEntry(SeriesState s, long entryPosition, long ts, long valueBits) {
        accept(s, ts, valueBits);
        publishEntry(s, entryPosition, ts);
    }

    /**
     * Writer only: moves the writer's view of the series' newest sample (the out-of-order check)
     * without publishing anything to readers.
     */
    public void accept(SeriesState s, long ts, long valueBits) {
        s.lastTimestamp = ts;
        s.lastValueBits = valueBits;
    }

    /** Writer only: publishes a committed MIXED entry of an accepted sample to readers. */
    public void publishEntry(SeriesState s, long entryPosition, long ts) {
        s.addRecord(entryPosition | ENTRY, ts, ts, 1);
        totalSamples++;
    }

    /** Writer only: counts rejected samples against their series. */
    public void reject(SeriesState s, long outOfOrder, long duplicates) {
        s.reject(outOfOrder, duplicates);
    }

    /**
     * Retention: drops every SAMPLES record before shard-log position {@code position} from every
     * series, adjusting sample counts and oldest timestamps. The segments below {@code position}
     * must still be mapped (their record headers are read). Writer only; O(series + dropped records).
     */
    public void dropBefore(long position) {
        SeriesState[][] p = pages;
        for (SeriesState[] page : p) {
            if (page == null) {
                continue;
            }
            for (SeriesState s : page) {
                if (s != null) {
                    dropBefore(s, position);
                }
            }
        }
    }

    private void dropBefore(SeriesState s, long position) {
        int records = s.recordCount();
        int first = s.firstRecord();
        int r = first;
        long dropped = 0;
        while (r < records && (s.position(r) & ~ENTRY) < position) {
            long pos = s.position(r);
            if (pos < 0) {
                dropped++; // one MIXED entry
            } else {
                WalSegment seg = segments.find(pos);
                if (seg != null) {
                    dropped += SamplesRecord.count(seg.mapping().buffer(), (int) (pos - seg.basePosition())
                        + FrameDescriptor.BODY_OFFSET);
                }
            }
            r++;
        }
        if (r == first) {
            return;
        }
        long firstTs = Long.MAX_VALUE;
        if (r < records) {
            long pos = s.position(r);
            WalSegment seg = segments.find(pos & ~ENTRY);
            if (seg != null) {
                firstTs = timestampAt(seg, pos, false);
            }
        }
        s.dropRecords(r, dropped, firstTs);
        totalSamples -= dropped;
    }

    /** Samples stored in this shard (writer's count). */
    public long totalSamples() {
        return totalSamples;
    }

    /** Series that have state (a SERIES record) in this shard. */
    public int seriesCount() {
        return seriesWithState;
    }

    /**
     * Reads the samples of local id {@code id} with {@code mint <= ts <= maxt}, in order. Any thread;
     * the caller must keep the segments mapped (the engine's reader gate does).
     *
     * @return samples delivered
     */
    public long read(int id, long mint, long maxt, SampleConsumer consumer) {
        // One snapshot of the live segments, taken before the series' counts: retention removes a
        // prefix of records before it removes their segments, and the caller's reader gate keeps
        // the snapshot's segments mapped, so every position below resolves the same way for the
        // whole read (the series as it was when the read started, never a hole in the middle).
        WalSegment[] snapshot = segments.snapshot();
        SeriesState s = get(id);
        if (s == null) {
            return 0;
        }
        int records = s.recordCount();
        long delivered = 0;
        int first = firstRecordReaching(snapshot, s, records, mint);
        for (int r = first; r < records; r++) {
            long pos = s.position(r);
            if (pos < 0) { // one MIXED entry
                long at = pos & ~ENTRY;
                WalSegment seg = WalSegments.find(snapshot, at);
                if (seg == null) {
                    continue; // dropped by retention before the read started
                }
                DirectBuffer buf = seg.mapping().buffer();
                int entry = (int) (at - seg.basePosition());
                long ts = buf.getLong(entry + MixedRecord.ENTRY_TIMESTAMP);
                if (ts > maxt) {
                    return delivered;
                }
                if (ts >= mint) {
                    consumer.accept(ts, buf.getDouble(entry + MixedRecord.ENTRY_VALUE));
                    delivered++;
                }
                continue;
            }
            WalSegment seg = WalSegments.find(snapshot, pos);
            if (seg == null) {
                continue; // dropped by retention before the read started
            }
            DirectBuffer buf = seg.mapping().buffer();
            int body = (int) (pos - seg.basePosition()) + FrameDescriptor.BODY_OFFSET;
            int count = SamplesRecord.count(buf, body);
            for (int i = 0; i < count; i++) {
                long ts = SamplesRecord.timestamp(buf, body, i);
                if (ts > maxt) {
                    return delivered;
                }
                if (ts >= mint) {
                    consumer.accept(ts, SamplesRecord.value(buf, body, i));
                    delivered++;
                }
            }
        }
        return delivered;
    }

    /**
     * The first or last timestamp stored at {@code pos} (a SAMPLES record, or a single MIXED entry
     * when the {@link #ENTRY} bit is set) in {@code seg}, the segment that holds it.
     */
    private static long timestampAt(WalSegment seg, long pos, boolean last) {
        DirectBuffer buf = seg.mapping().buffer();
        if (pos < 0) {
            return buf.getLong((int) ((pos & ~ENTRY) - seg.basePosition()) + MixedRecord.ENTRY_TIMESTAMP);
        }
        int body = (int) (pos - seg.basePosition()) + FrameDescriptor.BODY_OFFSET;
        return SamplesRecord.timestamp(buf, body, last ? SamplesRecord.count(buf, body) - 1 : 0);
    }

    /** Binary search for the first record (not dropped by retention) whose last sample is >= mint. */
    private static int firstRecordReaching(WalSegment[] snapshot, SeriesState s, int records, long mint) {
        int lo = s.firstRecord();
        int hi = records - 1;
        int answer = records;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            long pos = s.position(mid);
            WalSegment seg = WalSegments.find(snapshot, pos & ~ENTRY);
            if (seg == null) {
                lo = mid + 1;
                continue;
            }
            if (timestampAt(seg, pos, true) >= mint) {
                answer = mid;
                hi = mid - 1;
            } else {
                lo = mid + 1;
            }
        }
        return answer;
    }
}
