package io.sluice.engine;

import io.sluice.block.BlockCorruptionException;
import io.sluice.block.BlockMeta;
import io.sluice.block.BlockReader;
import io.sluice.block.BlockWriter;
import io.sluice.block.Ulid;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The blocks of a data directory ({@code <dir>/blocks/<ULID>/}, format/blocks.md) and the view
 * readers take of them: the open {@link BlockReader}s in time order, and the time from which the
 * head answers instead ({@link View#headFrom()}), published together so that a reader never counts
 * a compacted sample twice or misses it.
 *
 * <p>Threading: {@link #view()} from any thread; adding and removing blocks from the compactor (or
 * open), one at a time.
 */
final class BlockStore implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("io.sluice.engine");
    /** A block being deleted: renamed first, so a crash leaves it whole or marked for deletion. */
    static final String DELETE_SUFFIX = ".tmp-for-deletion";

    /** What readers see: the blocks, oldest first, and where the head takes over. Immutable. */
    static final class View {
        private final BlockReader[] blocks;
        private final long headFrom;

        View(BlockReader[] blocks, long headFrom) {
            this.blocks = blocks;
            this.headFrom = headFrom;
        }

        BlockReader[] blocks() {
            return blocks;
        }

        /** The head answers from this time on; the blocks before it. */
        long headFrom() {
            return headFrom;
        }
    }

    private final Path dir;
    private volatile View view = new View(new BlockReader[0], Long.MIN_VALUE);

    private BlockStore(Path dir) {
        this.dir = dir;
    }

    /**
     * Opens every block under {@code <dataDir>/blocks}, deleting what a crash left half-made
     * ({@code *.tmp-for-creation}) or half-deleted ({@code *.tmp-for-deletion}).
     *
     * @throws BlockCorruptionException naming the file and offset of a damaged block
     */
    static BlockStore open(Path dataDir) throws IOException {
        Path dir = dataDir.resolve("blocks");
        BlockStore store = new BlockStore(dir);
        if (!Files.isDirectory(dir)) {
            return store;
        }
        List<BlockReader> readers = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : (Iterable<Path>) s.sorted()::iterator) {
                String name = p.getFileName().toString();
                if (name.endsWith(BlockWriter.TMP_SUFFIX) || name.endsWith(DELETE_SUFFIX)) {
                    LOG.log(System.Logger.Level.INFO, "deleting {0}, left by an interrupted {1}", p,
                        name.endsWith(DELETE_SUFFIX) ? "deletion" : "compaction");
                    deleteTree(p);
                    continue;
                }
                if (!Files.isDirectory(p)) {
                    continue;
                }
                try {
                    Ulid.parse(name);
                } catch (IllegalArgumentException e) {
                    LOG.log(System.Logger.Level.WARNING, "ignoring {0}: not a block directory (its name is not a ULID)", p);
                    continue;
                }
                try {
                    readers.add(BlockReader.open(p));
                } catch (IOException | RuntimeException e) {
                    for (BlockReader r : readers) {
                        r.close();
                    }
                    throw e;
                }
            }
        }
        // A block that another names as its parent was merged into it: a crash came between the
        // merged block's rename and the parents' deletion. Finish the deletion (Prometheus does too).
        java.util.Set<Ulid> merged = new java.util.HashSet<>();
        for (BlockReader r : readers) {
            for (BlockMeta.BlockDesc d : r.meta().compactionParents()) {
                if (!d.ulid().equals(r.meta().ulid())) { // a block never replaces itself
                    merged.add(d.ulid());
                }
            }
        }
        for (java.util.Iterator<BlockReader> it = readers.iterator(); it.hasNext(); ) {
            BlockReader r = it.next();
            if (merged.contains(r.meta().ulid())) {
                LOG.log(System.Logger.Level.INFO, "deleting block {0}: a merged block holds its samples", r.meta().ulid());
                it.remove();
                r.close();
                store.delete(r.meta());
            }
        }
        readers.sort(Comparator.comparingLong((BlockReader r) -> r.meta().minTime()));
        long headFrom = Long.MIN_VALUE;
        for (BlockReader r : readers) {
            headFrom = Math.max(headFrom, r.meta().maxTime());
        }
        store.view = new View(readers.toArray(new BlockReader[0]), headFrom);
        return store;
    }

    /** The directory blocks live in. */
    Path dir() {
        return dir;
    }

    View view() {
        return view;
    }

    /** Makes a new block visible and moves the head's lower read bound to its end, in one step. */
    synchronized void add(BlockReader block) {
        View v = view;
        BlockReader[] blocks = Arrays.copyOf(v.blocks, v.blocks.length + 1);
        blocks[blocks.length - 1] = block;
        Arrays.sort(blocks, Comparator.comparingLong((BlockReader r) -> r.meta().minTime()));
        view = new View(blocks, Math.max(v.headFrom, block.meta().maxTime()));
    }

    /**
     * Puts {@code merged} (null if the merge found no series) in place of {@code parents}, in one
     * step; the head's read bound stays.
     */
    synchronized void replace(List<BlockReader> parents, BlockReader merged) {
        List<BlockReader> kept = new ArrayList<>();
        for (BlockReader b : view.blocks) {
            if (!parents.contains(b)) {
                kept.add(b);
            }
        }
        if (merged != null) {
            kept.add(merged);
        }
        kept.sort(Comparator.comparingLong((BlockReader r) -> r.meta().minTime()));
        view = new View(kept.toArray(new BlockReader[0]), view.headFrom);
    }

    /** Hides a block from new readers (the head's read bound stays). Returns false if it was not visible. */
    synchronized boolean hide(BlockReader block) {
        View v = view;
        BlockReader[] blocks = Arrays.stream(v.blocks).filter(b -> b != block).toArray(BlockReader[]::new);
        if (blocks.length == v.blocks.length) {
            return false;
        }
        view = new View(blocks, v.headFrom);
        return true;
    }

    /**
     * Deletes a hidden block's directory: renamed to {@code <ulid>.tmp-for-deletion} first (atomic),
     * then removed. The caller closed the reader once no reader was inside.
     */
    void delete(BlockMeta meta) throws IOException {
        Path block = dir.resolve(meta.ulid().toString());
        Path doomed = dir.resolve(meta.ulid() + DELETE_SUFFIX);
        Files.move(block, doomed, StandardCopyOption.ATOMIC_MOVE);
        deleteTree(doomed);
    }

    static void deleteTree(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Bytes of every file of the visible blocks. */
    long bytes() throws IOException {
        long total = 0;
        for (BlockReader r : view.blocks) {
            try (Stream<Path> walk = Files.walk(r.directory())) {
                total += walk.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
            }
        }
        return total;
    }

    /** Unmaps every block. Call once no reader can be inside. */
    @Override
    public synchronized void close() {
        for (BlockReader r : view.blocks) {
            r.close();
        }
        view = new View(new BlockReader[0], view.headFrom);
    }
}
