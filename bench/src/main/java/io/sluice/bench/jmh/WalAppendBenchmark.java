package io.sluice.bench.jmh;

import io.sluice.record.SamplesRecord;
import io.sluice.wal.FrameDescriptor;
import io.sluice.wal.MappedWalFileSystem;
import io.sluice.wal.ReplayOutcome;
import io.sluice.wal.ShardLogReader;
import io.sluice.wal.ShardWal;
import io.sluice.wal.WalSegments;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The WAL alone, on the calling thread: reserve a SAMPLES frame in the mapped segment, write
 * {@code samplesPerRecord} samples into it, checksum and commit. One operation is one sample. This
 * is the shard handler's per-sample cost without the ring, and the ceiling for one shard.
 * Durability none (no force); 64 MiB segments roll over as they fill; a fresh directory per iteration.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class WalAppendBenchmark {
    /** Divides 100: the operation always appends 100 samples, in records of this many. */
    @Param({"1", "10", "100"})
    int samplesPerRecord;

    private Path dir;
    private ShardWal wal;
    private long ts;

    @Setup(Level.Iteration)
    public void open() throws IOException {
        dir = Files.createTempDirectory("sluice-jmh-wal-");
        ReplayOutcome none = ShardLogReader.replay(MappedWalFileSystem.INSTANCE, dir, 0, 1, (t, b, o, l, s, f) -> { },
            false, new WalSegments());
        wal = ShardWal.resume(MappedWalFileSystem.INSTANCE, dir, 0, 1, 64L << 20, false, none);
    }

    @TearDown(Level.Iteration)
    public void close() throws IOException {
        wal.close(false);
        JmhFiles.delete(dir);
    }

    private long appendRecord() throws IOException {
        int n = samplesPerRecord;
        int frame = wal.reserve(SamplesRecord.bodyLength(n));
        UnsafeBuffer buf = wal.buffer();
        int body = frame + FrameDescriptor.BODY_OFFSET;
        int out = SamplesRecord.sampleOffset(body, 0);
        long t = ts;
        for (int i = 0; i < n; i++) {
            buf.putLong(out, t + i);
            buf.putLong(out + 8, Double.doubleToRawLongBits(t + i));
            out += SamplesRecord.SAMPLE_LENGTH;
        }
        ts = t + n;
        SamplesRecord.writeHeader(buf, body, 0, n);
        return wal.commit(frame, SamplesRecord.bodyLength(n));
    }

    /** 100 samples, in records of {@code samplesPerRecord}: the score is samples/s. */
    @Benchmark
    @OperationsPerInvocation(100)
    public long appendHundredSamples() throws IOException {
        long r = 0;
        int n = samplesPerRecord;
        for (int k = 0; k < 100 / n; k++) {
            r += appendRecord();
        }
        return r;
    }
}
