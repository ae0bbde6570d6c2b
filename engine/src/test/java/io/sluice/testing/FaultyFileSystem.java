package io.sluice.testing;

import io.sluice.wal.MappedWalFileSystem;
import io.sluice.wal.SegmentMapping;
import io.sluice.wal.WalFileSystem;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The real file system with switchable faults, after QuestDB's test FilesFacade: fail the next
 * preallocation (ENOSPC), every force, or every directory sync; block forces behind a gate; and
 * hook each force to look at what became durable.
 */
public class FaultyFileSystem implements WalFileSystem {
    private final WalFileSystem real = MappedWalFileSystem.INSTANCE;
    public volatile boolean failPreallocate;
    /** Fail only preallocations of files whose name ends with this (e.g. a checkpoint's ".ckpt.tmp"). */
    public volatile String failPreallocateSuffix;
    public volatile boolean failForce;
    public volatile boolean failDirectorySync;
    /** Fail mapping the files this accepts, as mmap does on ENOMEM or EMFILE. */
    public volatile java.util.function.Predicate<Path> failMap;
    public volatile Runnable beforeForce;
    public volatile ForceListener afterForce;
    public final AtomicInteger forces = new AtomicInteger();
    public final AtomicInteger preallocations = new AtomicInteger();

    /** Called after each successful force with the mapping that was forced. */
    public interface ForceListener {
        void forced(SegmentMapping mapping);
    }

    @Override
    public void createDirectories(Path dir) throws IOException {
        real.createDirectories(dir);
    }

    @Override
    public List<Path> list(Path dir) throws IOException {
        return real.list(dir);
    }

    @Override
    public long size(Path file) throws IOException {
        return real.size(file);
    }

    @Override
    public void preallocate(Path file, long size) throws IOException {
        String suffix = failPreallocateSuffix;
        if (failPreallocate || (suffix != null && file.getFileName().toString().endsWith(suffix))) {
            throw new IOException("No space left on device (injected) preallocating " + file);
        }
        real.preallocate(file, size);
        preallocations.incrementAndGet();
    }

    @Override
    public SegmentMapping map(Path file, long size) throws IOException {
        java.util.function.Predicate<Path> fail = failMap;
        if (fail != null && fail.test(file)) {
            throw new IOException("Cannot allocate memory (injected) mapping " + file);
        }
        return real.map(file, size);
    }

    @Override
    public void force(SegmentMapping mapping) throws IOException {
        beforeForcing();
        real.force(mapping);
        forces.incrementAndGet();
        ForceListener after = afterForce;
        if (after != null) {
            after.forced(mapping);
        }
    }

    /** What every force meets first: the {@link #beforeForce} hook, then an injected {@link #failForce}. */
    private void beforeForcing() throws IOException {
        Runnable before = beforeForce;
        if (before != null) {
            before.run();
        }
        if (failForce) {
            throw new IOException("Input/output error (injected fsync failure)");
        }
    }

    /** Every successful {@link #forceRange} call (they are not counted in {@link #forces}). */
    public final java.util.Queue<RangedForce> rangedForces = new java.util.concurrent.ConcurrentLinkedQueue<>();

    /** One {@link #forceRange} call. */
    public record RangedForce(SegmentMapping mapping, long from, long to) { }

    /**
     * Faults as {@link #force} does ({@link #beforeForce}, {@link #failForce}); {@link #afterForce}
     * is not called, since only the range became durable.
     */
    @Override
    public void forceRange(SegmentMapping mapping, long from, long to) throws IOException {
        beforeForcing();
        real.forceRange(mapping, from, to);
        rangedForces.add(new RangedForce(mapping, from, to));
    }

    /** Every {@link #writeBack} call: the file and its range. */
    public final java.util.Queue<WriteBack> writeBacks = new java.util.concurrent.ConcurrentLinkedQueue<>();

    /** One {@link #writeBack} call. */
    public record WriteBack(Path file, long from, long to, boolean started) { }

    @Override
    public boolean writeBack(SegmentMapping mapping, long from, long to) throws IOException {
        boolean started = real.writeBack(mapping, from, to);
        writeBacks.add(new WriteBack(mapping.file(), from, to, started));
        return started;
    }

    @Override
    public void syncDirectory(Path dir) throws IOException {
        if (failDirectorySync) {
            throw new IOException("Input/output error (injected directory sync failure) on " + dir);
        }
        real.syncDirectory(dir);
    }

    @Override
    public void rename(Path from, Path to) throws IOException {
        real.rename(from, to);
    }

    @Override
    public void delete(Path file) throws IOException {
        real.delete(file);
    }
}
