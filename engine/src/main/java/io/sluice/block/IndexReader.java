package io.sluice.block;

import io.sluice.engine.Labels;
import io.sluice.engine.Matcher;
import org.agrona.collections.Int2ObjectHashMap;
import org.roaringbitmap.FastAggregation;
import org.roaringbitmap.RoaringBitmap;
import org.roaringbitmap.RoaringBitmapWriter;

import java.io.Closeable;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a mapped {@code index} file (format 2) in place. Opening checks the header, the TOC, and the
 * CRC and framing of the symbol table, the postings offset table, the label offset table and every
 * label index, and keeps in memory only an int per symbol and two ints per postings table entry
 * (where its value and its postings list start). A series entry or a postings list has its own CRC
 * checked each time it is read; {@link #verifySeriesAndPostings} checks them all at once.
 *
 * <p>Threading: immutable after construction; any number of threads may read at once.
 */
final class IndexReader implements Closeable {
    private static final String[] NO_STRINGS = new String[0];

    private final ReadOnlyMapping m;
    private final Path file;
    private final int tocStart;
    private final long tocSymbols;
    private final long tocSeries;
    private final long tocLabelIndices;
    private final long tocLabelTable;
    private final long tocPostings;
    private final long tocPostingsTable;
    private final int seriesEnd;

    /** Offset of each symbol's uvarint length. */
    private final int[] symbolOffsets;
    /** Symbols that are label names, decoded once. */
    private final Int2ObjectHashMap<String> nameSymbols = new Int2ObjectHashMap<>();

    // The postings offset table, grouped by label name (sorted; "" first, for the all-series list).
    private final String[] names;
    private final int[] nameFirst;
    private final int[] nameCount;
    private final Map<String, Integer> nameIndex = new HashMap<>();
    private final int[] valueOffsets;
    private final int[] postingOffsets;
    private final int allPostingsOffset;
    /** Where each label index starts, from the label offset table. */
    private final int[] labelIndexOffsets;
    private volatile RoaringBitmap allSeries;

    IndexReader(ReadOnlyMapping m) throws BlockCorruptionException {
        this.m = m;
        this.file = m.path();
        int size = m.size();
        if (size < IndexDescriptor.HEADER_LENGTH + IndexDescriptor.TOC_LENGTH) {
            throw new BlockCorruptionException(file, 0, "index is " + size + " bytes, too short for a header and a TOC");
        }
        Cursor c = new Cursor(m, 0, size);
        int magic = c.be32("magic");
        if (magic != IndexDescriptor.MAGIC) {
            throw new BlockCorruptionException(file, 0, String.format("bad magic number 0x%08X (expected 0x%08X)",
                magic, IndexDescriptor.MAGIC));
        }
        int version = c.u8("version");
        if (version != IndexDescriptor.VERSION) {
            throw new BlockCorruptionException(file, 4, "index format version " + version + " is not supported (only "
                + IndexDescriptor.VERSION + ")");
        }

        tocStart = size - IndexDescriptor.TOC_LENGTH;
        int tocCrc = m.buffer().getInt(tocStart + 48, ByteOrder.BIG_ENDIAN);
        if (m.crc32c(tocStart, 48) != tocCrc) {
            throw new BlockCorruptionException(file, tocStart, "TOC CRC mismatch (a damaged or truncated index)");
        }
        c.position(tocStart);
        tocSymbols = tocEntry(c, "symbols");
        tocSeries = tocEntry(c, "series");
        tocLabelIndices = tocEntry(c, "label indices");
        tocLabelTable = tocEntry(c, "label offset table");
        tocPostings = tocEntry(c, "postings");
        tocPostingsTable = tocEntry(c, "postings offset table");
        if (tocSymbols == 0 || tocPostingsTable == 0) {
            throw new BlockCorruptionException(file, tocStart, "TOC lacks the symbol table or the postings offset table");
        }
        long end = tocStart;
        for (long s : new long[] {tocLabelIndices, tocPostings, tocLabelTable, tocPostingsTable}) {
            if (s > tocSeries && s < end) {
                end = s;
            }
        }
        seriesEnd = (int) end;

        symbolOffsets = readSymbols();
        int[][] tables = readPostingsTable();
        valueOffsets = tables[0];
        postingOffsets = tables[1];
        int groups = tables[2].length;
        nameFirst = tables[2];
        nameCount = tables[3];
        names = new String[groups];
        for (int g = 0; g < groups; g++) {
            names[g] = new Cursor(m, tables[4][g], tocStart).uvarintString("label name");
            nameIndex.put(names[g], g);
        }
        if (groups == 0 || !names[0].isEmpty() || nameCount[0] != 1 || valueLength(valueOffsets[0]) != 0) {
            throw new BlockCorruptionException(file, tocPostingsTable, "postings offset table lacks the all-series"
                + " entry (empty name and value)");
        }
        allPostingsOffset = postingOffsets[0];
        for (int g = 1; g < groups; g++) {
            int sym = findSymbol(names[g]);
            if (sym >= 0) {
                nameSymbols.put(sym, names[g]);
            }
        }
        labelIndexOffsets = tocLabelTable != 0 ? checkLabelIndices() : new int[0];
    }

    private long tocEntry(Cursor c, String what) throws BlockCorruptionException {
        int at = c.position();
        long v = c.be64("TOC");
        if (v != 0 && (v < IndexDescriptor.HEADER_LENGTH || v >= tocStart)) {
            throw c.corruptAt(at, "TOC entry for the " + what + " points to " + v + ", outside [5, " + tocStart + ")");
        }
        return v;
    }

    /** Opens a {@code len | body | CRC} section: checks bounds and CRC, returns a cursor over the body. */
    private Cursor section(long offset, String what) throws BlockCorruptionException {
        Cursor c = new Cursor(m, (int) offset, tocStart);
        int len = c.be32(what + " length");
        long bodyEnd = (long) c.position() + Integer.toUnsignedLong(len);
        if (bodyEnd + 4 > tocStart) {
            throw c.corruptAt(offset, what + " of " + Integer.toUnsignedLong(len) + " bytes runs past the end of the data at "
                + tocStart);
        }
        int body = c.position();
        int crc = m.buffer().getInt((int) bodyEnd, ByteOrder.BIG_ENDIAN);
        if (m.crc32c(body, len) != crc) {
            throw c.corruptAt(offset, what + " CRC mismatch");
        }
        c.limit((int) bodyEnd);
        return c;
    }

    private int[] readSymbols() throws BlockCorruptionException {
        Cursor c = section(tocSymbols, "symbol table");
        int count = c.be32("symbol count");
        if (count < 0 || count > c.remaining()) {
            throw c.corruptAt(tocSymbols + 4, "symbol count " + Integer.toUnsignedLong(count) + " cannot fit in "
                + c.remaining() + " bytes");
        }
        int[] offsets = new int[count];
        for (int i = 0; i < count; i++) {
            offsets[i] = c.position();
            c.uvarintBytes("symbol " + i);
        }
        if (c.remaining() != 0) {
            throw c.corrupt(c.remaining() + " bytes after the last of " + count + " symbols");
        }
        return offsets;
    }

    /** Returns {valueOffsets, postingOffsets, groupFirst, groupCount, groupNameOffset}. */
    private int[][] readPostingsTable() throws BlockCorruptionException {
        Cursor c = section(tocPostingsTable, "postings offset table");
        int count = c.be32("postings offset table entry count");
        if (count < 0 || count > c.remaining() / 4) {
            throw c.corruptAt(tocPostingsTable + 4, "entry count " + Integer.toUnsignedLong(count) + " cannot fit in "
                + c.remaining() + " bytes");
        }
        int[] values = new int[count];
        int[] postings = new int[count];
        int[] first = new int[16];
        int[] counts = new int[16];
        int[] nameAt = new int[16];
        int groups = 0;
        int prevName = -1;
        int prevValue = -1;
        for (int i = 0; i < count; i++) {
            int entry = c.position();
            long keys = c.uvarint("key count");
            if (keys != IndexDescriptor.POSTINGS_TABLE_KEYS) {
                throw c.corruptAt(entry, "postings offset table entry has " + keys + " keys, expected 2");
            }
            int name = c.position();
            c.uvarintBytes("label name");
            int value = c.position();
            c.uvarintBytes("label value");
            int postingsAt = c.position();
            long off = c.uvarint("postings offset");
            if (off < IndexDescriptor.HEADER_LENGTH || off >= tocStart) {
                throw c.corruptAt(postingsAt, "postings offset " + Long.toUnsignedString(off) + " is outside [5, "
                    + tocStart + ")");
            }
            int cmp = prevName < 0 ? 1 : compareEncoded(name, prevName);
            if (cmp < 0 || (cmp == 0 && compareEncoded(value, prevValue) <= 0)) {
                throw c.corruptAt(entry, "postings offset table is not sorted by name and value");
            }
            if (cmp > 0) {
                if (groups == first.length) {
                    first = java.util.Arrays.copyOf(first, 2 * groups);
                    counts = java.util.Arrays.copyOf(counts, 2 * groups);
                    nameAt = java.util.Arrays.copyOf(nameAt, 2 * groups);
                }
                nameAt[groups] = name;
                first[groups++] = i;
            }
            counts[groups - 1]++;
            values[i] = value;
            postings[i] = (int) off;
            prevName = name;
            prevValue = value;
        }
        if (c.remaining() != 0) {
            throw c.corrupt(c.remaining() + " bytes after the last of " + count + " postings offset table entries");
        }
        return new int[][] {values, postings, java.util.Arrays.copyOf(first, groups), java.util.Arrays.copyOf(counts, groups),
            java.util.Arrays.copyOf(nameAt, groups)};
    }

    /** Byte-wise comparison of two uvarint-length-prefixed strings in the file. */
    private int compareEncoded(int a, int b) {
        int la = valueLength(a);
        int lb = valueLength(b);
        int sa = a + varintSize(a);
        int sb = b + varintSize(b);
        int n = Math.min(la, lb);
        for (int i = 0; i < n; i++) {
            int x = m.buffer().getByte(sa + i) & 0xFF;
            int y = m.buffer().getByte(sb + i) & 0xFF;
            if (x != y) {
                return x - y;
            }
        }
        return la - lb;
    }

    /** Byte-wise comparison of a uvarint-length-prefixed string in the file with {@code q}. */
    private int compareEncoded(int a, byte[] q) {
        int la = valueLength(a);
        int sa = a + varintSize(a);
        int n = Math.min(la, q.length);
        for (int i = 0; i < n; i++) {
            int x = m.buffer().getByte(sa + i) & 0xFF;
            int y = q[i] & 0xFF;
            if (x != y) {
                return x - y;
            }
        }
        return la - q.length;
    }

    /** The length of a uvarint-prefixed string already validated at open. */
    private int valueLength(int at) {
        long x = 0;
        int shift = 0;
        for (int i = at; ; i++) {
            int c = m.buffer().getByte(i) & 0xFF;
            x |= (long) (c & 0x7F) << shift;
            if (c < 0x80) {
                return (int) x;
            }
            shift += 7;
        }
    }

    private int varintSize(int at) {
        int i = at;
        while ((m.buffer().getByte(i) & 0x80) != 0) {
            i++;
        }
        return i - at + 1;
    }

    private String decodeValue(int at) throws BlockCorruptionException {
        return new Cursor(m, at, tocStart).uvarintString("label value");
    }

    /** The number of the symbol equal to {@code s} (binary search: symbols are sorted), or -1. */
    private int findSymbol(String s) {
        byte[] q = s.getBytes(StandardCharsets.UTF_8);
        int lo = 0;
        int hi = symbolOffsets.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int cmp = compareEncoded(symbolOffsets[mid], q);
            if (cmp < 0) {
                lo = mid + 1;
            } else if (cmp > 0) {
                hi = mid - 1;
            } else {
                return mid;
            }
        }
        return -1;
    }

    /** Checks the label offset table and every label index; returns where each label index starts. */
    private int[] checkLabelIndices() throws BlockCorruptionException {
        Cursor c = section(tocLabelTable, "label offset table");
        int count = c.be32("label offset table entry count");
        if (count < 0 || count > c.remaining() / 3) {
            throw c.corruptAt(tocLabelTable + 4, "entry count " + Integer.toUnsignedLong(count) + " cannot fit in "
                + c.remaining() + " bytes");
        }
        int[] offsets = new int[count];
        for (int i = 0; i < count; i++) {
            int entry = c.position();
            long keys = c.uvarint("key count");
            if (keys < 1) {
                throw c.corruptAt(entry, "label offset table entry has no key");
            }
            for (long k = 0; k < keys; k++) {
                c.uvarintBytes("label name");
            }
            int at = c.position();
            long off = c.uvarint("label index offset");
            if (off < IndexDescriptor.HEADER_LENGTH || off >= tocStart) {
                throw c.corruptAt(at, "label index offset " + Long.toUnsignedString(off) + " is outside [5, " + tocStart + ")");
            }
            offsets[i] = (int) off;
            Cursor li = section(off, "label index");
            int nNames = li.be32("label index name count");
            int nEntries = li.be32("label index entry count");
            if (nNames < 1 || nEntries < 0 || (long) li.remaining() != 4L * nEntries) {
                throw li.corruptAt(off, "label index of " + nNames + " names and " + nEntries + " entries does not match"
                    + " its length");
            }
            for (int k = 0; k < nEntries; k++) {
                int symAt = li.position();
                int sym = li.be32("label index entry");
                if (sym < 0 || sym >= symbolOffsets.length) {
                    throw li.corruptAt(symAt, "label index refers to symbol " + Integer.toUnsignedLong(sym) + " of "
                        + symbolOffsets.length);
                }
            }
        }
        if (c.remaining() != 0) {
            throw c.corrupt(c.remaining() + " bytes after the last of " + count + " label offset table entries");
        }
        return offsets;
    }

    // ---- symbols and series ----

    int symbolCount() {
        return symbolOffsets.length;
    }

    private String symbol(long n, Cursor where, int refAt, String[] cache) throws BlockCorruptionException {
        if (n < 0 || n >= symbolOffsets.length) {
            throw where.corruptAt(refAt, "reference to symbol " + n + ", but there are " + symbolOffsets.length);
        }
        if (cache != null) {
            String s = cache[(int) n];
            if (s == null) {
                s = nameSymbols.get((int) n);
                if (s == null) {
                    s = new Cursor(m, symbolOffsets[(int) n], tocStart).uvarintString("symbol " + n);
                }
                cache[(int) n] = s;
            }
            return s;
        }
        String name = nameSymbols.get((int) n);
        if (name != null) {
            return name;
        }
        return new Cursor(m, symbolOffsets[(int) n], tocStart).uvarintString("symbol " + n);
    }

    /** Symbol {@code n} of the symbol table. */
    String symbolAt(int n) throws BlockCorruptionException {
        if (n < 0 || n >= symbolOffsets.length) {
            throw new IndexOutOfBoundsException("symbol " + n + " of " + symbolOffsets.length);
        }
        String name = nameSymbols.get(n);
        return name != null ? name : new Cursor(m, symbolOffsets[n], tocStart).uvarintString("symbol " + n);
    }

    /** The series whose id (offset / 16) is {@code id}, an unsigned int. */
    BlockSeries series(int id) throws BlockCorruptionException {
        return series(id, true, true, null);
    }

    /** Series {@code id}'s chunk metas, its labels left undecoded ({@link BlockSeries#labels()} is null). */
    BlockSeries chunkMetas(int id) throws BlockCorruptionException {
        return series(id, false, true, null);
    }

    /** The labels of series {@code id}, decoding symbols through {@code cache} (one slot per symbol). */
    Labels labels(int id, String[] cache) throws BlockCorruptionException {
        return series(id, true, false, cache).labels();
    }

    private BlockSeries series(int id, boolean withLabels, boolean withChunks, String[] cache)
        throws BlockCorruptionException {
        long off = Integer.toUnsignedLong(id) * IndexDescriptor.SERIES_ALIGNMENT;
        if (off < tocSeries || off >= seriesEnd) {
            throw new BlockCorruptionException(file, off, "series reference " + Integer.toUnsignedLong(id)
                + " points outside the series section [" + tocSeries + ", " + seriesEnd + ")");
        }
        Cursor c = new Cursor(m, (int) off, seriesEnd);
        int len = (int) Math.min(Integer.MAX_VALUE, c.uvarint("series length", IndexDescriptor.MAX_SERIES_LENGTH_BYTES));
        int body = c.position();
        if ((long) body + len + 4 > seriesEnd) {
            throw c.corruptAt(off, "series entry of " + len + " bytes runs past the series section's end at " + seriesEnd);
        }
        if (m.crc32c(body, len) != m.buffer().getInt(body + len, ByteOrder.BIG_ENDIAN)) {
            throw c.corruptAt(off, "series CRC mismatch");
        }
        c.limit(body + len);
        int n = c.uvarintInt("label count", Labels.MAX_LABELS);
        Labels labels = null;
        if (withLabels) {
            String[] names = n == 0 ? NO_STRINGS : new String[n];
            String[] values = n == 0 ? NO_STRINGS : new String[n];
            for (int i = 0; i < n; i++) {
                int at = c.position();
                names[i] = symbol(c.uvarint("label name symbol"), c, at, cache);
                at = c.position();
                values[i] = symbol(c.uvarint("label value symbol"), c, at, cache);
                if (i > 0 && LabelOrder.compare(names[i - 1], names[i]) >= 0) {
                    throw c.corruptAt(off, "series labels are not sorted by name");
                }
            }
            try {
                labels = Labels.of(names, values);
            } catch (IllegalArgumentException e) {
                throw c.corruptAt(off, "series labels are not acceptable: " + e.getMessage());
            }
        } else {
            for (int i = 0; i < 2 * n; i++) {
                int at = c.position();
                long ref = c.uvarint("label symbol");
                if (ref < 0 || ref >= symbolOffsets.length) {
                    throw c.corruptAt(at, "reference to symbol " + ref + ", but there are " + symbolOffsets.length);
                }
            }
        }
        if (!withChunks) {
            return new BlockSeries(id, labels, BlockSeries.NO_CHUNKS);
        }
        int k = c.uvarintInt("chunk count", c.remaining() / 3);
        long[] chunks = new long[3 * k];
        if (k > 0) {
            long t0 = c.varint("chunk mint");
            long maxt = c.uvarint("chunk maxt") + t0;
            long ref = c.uvarint("chunk ref");
            chunks[0] = t0;
            chunks[1] = maxt;
            chunks[2] = ref;
            t0 = maxt;
            for (int i = 1; i < k; i++) {
                long mint = c.uvarint("chunk mint") + t0;
                maxt = c.uvarint("chunk maxt") + mint;
                ref += c.varint("chunk ref");
                t0 = maxt;
                chunks[3 * i] = mint;
                chunks[3 * i + 1] = maxt;
                chunks[3 * i + 2] = ref;
            }
        }
        if (c.remaining() != 0) {
            throw c.corrupt(c.remaining() + " bytes left over at the end of the series entry at " + off);
        }
        return new BlockSeries(id, labels, chunks);
    }

    Labels labels(int id) throws BlockCorruptionException {
        return series(id, true, false, null).labels();
    }

    // ---- postings ----

    /** The postings list at {@code offset}: CRC-checked, ids strictly ascending. */
    private RoaringBitmap postingsAt(int offset) throws BlockCorruptionException {
        Cursor c = section(offset, "postings list");
        int n = c.be32("postings count");
        if (n < 0 || 4L * n != c.remaining()) {
            throw c.corruptAt(offset, "postings list of " + Integer.toUnsignedLong(n) + " entries does not match its length");
        }
        RoaringBitmapWriter<RoaringBitmap> w = RoaringBitmapWriter.writer().initialCapacity(Math.max(1, n >>> 16)).get();
        long prev = -1;
        for (int i = 0; i < n; i++) {
            int id = c.be32("posting");
            long u = Integer.toUnsignedLong(id);
            if (u <= prev) {
                throw c.corruptAt(c.position() - 4, "postings list is not strictly ascending");
            }
            prev = u;
            w.add(id);
        }
        return w.get();
    }

    RoaringBitmap allSeries() throws BlockCorruptionException {
        RoaringBitmap a = allSeries;
        if (a == null) {
            a = postingsAt(allPostingsOffset);
            allSeries = a;
        }
        return a.clone();
    }

    int seriesCount() throws BlockCorruptionException {
        return new Cursor(m, allPostingsOffset + 4, tocStart).be32("all-series count");
    }

    /** The postings table entry of (name, value), or -1. */
    private int find(String name, String value) {
        Integer g = nameIndex.get(name);
        if (g == null) {
            return -1;
        }
        byte[] q = value.getBytes(StandardCharsets.UTF_8);
        int lo = nameFirst[g];
        int hi = lo + nameCount[g] - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int cmp = compareEncoded(valueOffsets[mid], q);
            if (cmp < 0) {
                lo = mid + 1;
            } else if (cmp > 0) {
                hi = mid - 1;
            } else {
                return mid;
            }
        }
        return -1;
    }

    RoaringBitmap postings(String name, String value) throws BlockCorruptionException {
        if (name.isEmpty()) {
            return value.isEmpty() ? allSeries() : new RoaringBitmap();
        }
        int e = find(name, value);
        return e < 0 ? new RoaringBitmap() : postingsAt(postingOffsets[e]);
    }

    /** The series satisfying every matcher (all series for none), with PostingsShard's semantics. */
    RoaringBitmap select(Matcher... matchers) throws BlockCorruptionException {
        RoaringBitmap result = null;
        for (Matcher mt : matchers) {
            if (!mt.matchesEmpty()) {
                RoaringBitmap s = matching(mt, false);
                if (result == null) {
                    result = s;
                } else {
                    result.and(s);
                }
                if (result.isEmpty()) {
                    return result;
                }
            }
        }
        if (result == null) {
            result = allSeries();
        }
        for (Matcher mt : matchers) {
            if (mt.matchesEmpty()) {
                subtractNonMatching(result, mt);
                if (result.isEmpty()) {
                    return result;
                }
            }
        }
        return result;
    }

    /** Union of the postings of the matcher's label whose value it accepts (or rejects, if {@code invert}). */
    private RoaringBitmap matching(Matcher mt, boolean invert) throws BlockCorruptionException {
        Integer g = nameIndex.get(mt.name());
        if (g == null || g == 0) {
            return new RoaringBitmap();
        }
        Set<String> literals = mt.literalValues();
        boolean positive = mt.type() == Matcher.Type.EQ || mt.type() == Matcher.Type.RE;
        List<RoaringBitmap> parts = new ArrayList<>();
        if (literals != null && positive != invert) {
            for (String v : literals) {
                int e = find(mt.name(), v);
                if (e >= 0) {
                    parts.add(postingsAt(postingOffsets[e]));
                }
            }
        } else {
            for (int e = nameFirst[g], end = e + nameCount[g]; e < end; e++) {
                if (mt.matches(decodeValue(valueOffsets[e])) != invert) {
                    parts.add(postingsAt(postingOffsets[e]));
                }
            }
        }
        if (parts.isEmpty()) {
            return new RoaringBitmap();
        }
        return parts.size() == 1 ? parts.get(0) : FastAggregation.or(parts.iterator());
    }

    /** For a matcher that matches "": removes the series whose value of its label it rejects. */
    private void subtractNonMatching(RoaringBitmap result, Matcher mt) throws BlockCorruptionException {
        Integer g = nameIndex.get(mt.name());
        if (g == null || g == 0) {
            return; // nobody has the label: everybody compares as "", which matches
        }
        Set<String> literals = mt.literalValues();
        boolean positive = mt.type() == Matcher.Type.EQ || mt.type() == Matcher.Type.RE;
        if (literals != null && !positive) {
            for (String v : literals) {
                int e = find(mt.name(), v);
                if (e >= 0) {
                    result.andNot(postingsAt(postingOffsets[e]));
                }
            }
            return;
        }
        result.andNot(matching(mt, true));
    }

    List<String> labelNames() {
        List<String> out = new ArrayList<>(names.length);
        for (int g = 1; g < names.length; g++) {
            out.add(names[g]);
        }
        return Collections.unmodifiableList(out);
    }

    /** The values of {@code name}: all of them when {@code among} is null, else those some series in it carries. */
    List<String> labelValues(String name, RoaringBitmap among) throws BlockCorruptionException {
        Integer g = nameIndex.get(name);
        if (g == null || g == 0) {
            return List.of();
        }
        List<String> out = new ArrayList<>(among == null ? nameCount[g] : 16);
        for (int e = nameFirst[g], end = e + nameCount[g]; e < end; e++) {
            if (among == null || RoaringBitmap.intersects(postingsAt(postingOffsets[e]), among)) {
                out.add(decodeValue(valueOffsets[e]));
            }
        }
        return Collections.unmodifiableList(out);
    }

    // ---- full verification ----

    /**
     * Walks the whole series section and every postings list: each series' CRC, framing, labels in
     * ascending order, and each postings list's CRC, order and references. Returns the ids of the
     * series found; {@code perSeries} sees each series (for the chunk checks of the caller).
     */
    RoaringBitmap verifySeriesAndPostings(SeriesVisitor perSeries) throws BlockCorruptionException {
        RoaringBitmap ids = new RoaringBitmap();
        long pos = tocSeries;
        Labels prev = null;
        while (pos < seriesEnd) {
            if (pos % IndexDescriptor.SERIES_ALIGNMENT != 0) {
                // Padding to the next series must be zeros; the section may also end in padding.
                int b = m.buffer().getByte((int) pos);
                if (b != 0) {
                    throw new BlockCorruptionException(file, pos, "non-zero padding byte between series entries");
                }
                pos++;
                continue;
            }
            if (m.buffer().getByte((int) pos) == 0) {
                pos++;
                continue; // padding (a series entry never starts with a zero length)
            }
            int id = (int) (pos / IndexDescriptor.SERIES_ALIGNMENT);
            BlockSeries s = series(id);
            if (prev != null && LabelOrder.compare(prev, s.labels()) >= 0) {
                throw new BlockCorruptionException(file, pos, "series " + s.labels() + " does not sort after " + prev);
            }
            prev = s.labels();
            perSeries.visit(s, pos);
            ids.add(id);
            Cursor c = new Cursor(m, (int) pos, seriesEnd);
            long len = c.uvarint("series length", IndexDescriptor.MAX_SERIES_LENGTH_BYTES);
            pos = c.position() + len + 4;
        }
        RoaringBitmap all = allSeries();
        if (!all.equals(ids)) {
            throw new BlockCorruptionException(file, allPostingsOffset, "the all-series postings list holds "
                + all.getLongCardinality() + " ids, the series section " + ids.getLongCardinality() + " series");
        }
        for (int e = 1; e < postingOffsets.length; e++) {
            RoaringBitmap p = postingsAt(postingOffsets[e]);
            if (!RoaringBitmap.andNot(p, ids).isEmpty()) {
                throw new BlockCorruptionException(file, postingOffsets[e], "postings list refers to a series that does"
                    + " not exist");
            }
        }
        for (int i = 1; i < symbolOffsets.length; i++) {
            if (compareEncoded(symbolOffsets[i - 1], symbolOffsets[i]) >= 0) {
                throw new BlockCorruptionException(file, symbolOffsets[i], "symbols are not sorted");
            }
        }
        verifyLayout(pos);
        return ids;
    }

    /**
     * Checks that the sections follow each other as the writer lays them out, with nothing but zero
     * padding between the label indices and between the postings lists, so that every byte of the
     * file is either covered by a CRC or checked here.
     */
    private void verifyLayout(long seriesSectionEnd) throws BlockCorruptionException {
        long symbolsEnd = tocSymbols + 4 + Integer.toUnsignedLong(m.buffer().getInt((int) tocSymbols, ByteOrder.BIG_ENDIAN)) + 4;
        expectAt(symbolsEnd, tocSeries, "the series section");
        if (tocLabelIndices != 0) {
            expectAt(seriesSectionEnd, tocLabelIndices, "the label indices");
        }
        long pos = walkLists(tocLabelIndices != 0 ? tocLabelIndices : seriesSectionEnd, labelIndexOffsets.clone(),
            "label index");
        expectAt(pos, tocPostings, "the postings");
        pos = walkLists(tocPostings, postingOffsets.clone(), "postings list");
        expectAt(pos, tocLabelTable != 0 ? tocLabelTable : tocPostingsTable, "the label offset table");
        if (tocLabelTable != 0) {
            pos = tocLabelTable + 8 + Integer.toUnsignedLong(m.buffer().getInt((int) tocLabelTable, ByteOrder.BIG_ENDIAN));
            expectAt(pos, tocPostingsTable, "the postings offset table");
        }
        pos = tocPostingsTable + 8 + Integer.toUnsignedLong(m.buffer().getInt((int) tocPostingsTable, ByteOrder.BIG_ENDIAN));
        expectAt(pos, tocStart, "the TOC");
    }

    /** Walks {@code len | body | CRC} lists at the given offsets from {@code pos}, allowing zero padding between them. */
    private long walkLists(long pos, int[] offsets, String what) throws BlockCorruptionException {
        java.util.Arrays.sort(offsets);
        for (int off : offsets) {
            if (off < pos) {
                throw new BlockCorruptionException(file, off, what + " overlaps the one before it, which ends at " + pos);
            }
            for (; pos < off; pos++) {
                if (m.buffer().getByte((int) pos) != 0) {
                    throw new BlockCorruptionException(file, pos, "non-zero byte in the padding before a " + what);
                }
            }
            pos = off + 8 + Integer.toUnsignedLong(m.buffer().getInt(off, ByteOrder.BIG_ENDIAN));
        }
        return pos;
    }

    private void expectAt(long actual, long expected, String what) throws BlockCorruptionException {
        if (actual != expected) {
            long at = Math.min(actual, expected);
            throw new BlockCorruptionException(file, at, "the data before " + what + " ends at " + actual + ", but the TOC"
                + " places " + what + " at " + expected);
        }
    }

    /** Receives each series during {@link #verifySeriesAndPostings}. */
    interface SeriesVisitor {
        void visit(BlockSeries series, long offset) throws BlockCorruptionException;
    }

    @Override
    public void close() {
        m.close();
    }
}
