package io.sluice.bench;

import com.sun.management.GcInfo;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The heap in use after the JVM's most recent garbage collection: of the collectors' last-GC records
 * ({@code com.sun.management.GarbageCollectorMXBean.getLastGcInfo()}), the one that ended last, its
 * memory usage after the collection summed over the heap pools. That is live data plus whatever
 * garbage that collection left (a young collection leaves the old generation's), so across a run it
 * is the floor the heap returns to: if it climbs with the samples written, the heap grows with them.
 * Nothing here triggers a collection. Before the first collection (or on a JVM without the
 * {@code com.sun.management} beans) it reports the heap in use now, garbage included, and says so.
 *
 * <p>Threading: any thread; each {@link #read()} queries the beans afresh.
 */
final class HeapAfterGc {
    /** One reading. {@code afterGc} is false when no collection has happened yet. */
    record Reading(long bytes, boolean afterGc, long collections) {
        /** {@code 35.2 MiB}, or {@code 35.2 MiB (no GC yet)}. */
        String describe() {
            return Fmt.bytes(bytes) + (afterGc ? "" : " (no GC yet)");
        }
    }

    private final List<com.sun.management.GarbageCollectorMXBean> collectors = new ArrayList<>();
    private final List<GarbageCollectorMXBean> allCollectors = ManagementFactory.getGarbageCollectorMXBeans();
    private final Set<String> heapPools = new HashSet<>();

    HeapAfterGc() {
        for (GarbageCollectorMXBean gc : allCollectors) {
            if (gc instanceof com.sun.management.GarbageCollectorMXBean) {
                collectors.add((com.sun.management.GarbageCollectorMXBean) gc);
            }
        }
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                heapPools.add(pool.getName());
            }
        }
    }

    Reading read() {
        long collections = 0;
        for (GarbageCollectorMXBean gc : allCollectors) {
            collections += Math.max(0, gc.getCollectionCount());
        }
        GcInfo last = null;
        for (com.sun.management.GarbageCollectorMXBean gc : collectors) {
            GcInfo info = gc.getLastGcInfo();
            if (info != null && (last == null || info.getEndTime() > last.getEndTime())) {
                last = info;
            }
        }
        if (last == null) {
            return new Reading(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(), false, collections);
        }
        long bytes = 0;
        for (Map.Entry<String, MemoryUsage> e : last.getMemoryUsageAfterGc().entrySet()) {
            if (heapPools.contains(e.getKey())) {
                bytes += e.getValue().getUsed();
            }
        }
        return new Reading(bytes, true, collections);
    }
}
