package io.sluice.block;

import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Writes an {@code index} file, format version 2, in Prometheus' stages and with its exact bytes
 * ({@code index.Writer} of tsdb/index/index.go, v2.42): header, symbol table, series (each padded
 * to 16 bytes), then label indices (Prometheus still writes them, though nothing reads them), the
 * postings lists (the all-series list under the empty name and value first), the label offset
 * table, the postings offset table and the TOC. Each section and list carries its CRC32C. Where the
 * TOC points is also Prometheus': the label-indices and postings entries hold the position before
 * the 4-byte alignment padding.
 *
 * <p>Threading: one thread.
 */
final class IndexWriter implements Closeable {
    private static final int BUFFER = 1 << 20;

    private final FileOutput out;
    private final String[] symbols;
    private final PostingsCollector postings = new PostingsCollector();
    private final ByteSink series = new ByteSink(256);
    private long tocSymbols;
    private long tocSeries;

    /** Creates the file and writes the header and the symbol table ({@code symbols} sorted in {@link LabelOrder}). */
    IndexWriter(Path file, String[] symbols) throws IOException {
        this.out = new FileOutput(file, BUFFER);
        this.symbols = symbols;
        try {
            out.writeBE32(IndexDescriptor.MAGIC);
            out.writeByte(IndexDescriptor.VERSION);
            writeSymbols();
        } catch (IOException | RuntimeException e) {
            out.close();
            throw e;
        }
    }

    private void writeSymbols() throws IOException {
        tocSymbols = out.position();
        out.writeBE32(0); // the length, patched below
        out.startCrc();
        out.writeBE32(symbols.length);
        for (String s : symbols) {
            out.writeUvarintBytes(s.getBytes(StandardCharsets.UTF_8));
        }
        int crc = out.stopCrc();
        long length = out.position() - tocSymbols - 4;
        checkLength(length, "symbol table");
        out.writeBE32At(tocSymbols, (int) length);
        out.writeBE32(crc);
        tocSeries = out.position();
    }

    /**
     * Appends a series: {@code labelSymbols} holds {@code name0, value0, ...} symbol numbers for
     * {@code labelCount} labels; {@code chunks} holds {@code minT, maxT, ref} triples from
     * {@code chunkFrom} for {@code chunkCount} chunks. Returns the series id (offset / 16).
     */
    int addSeries(int[] labelSymbols, int labelCount, long[] chunks, int chunkFrom, int chunkCount) throws IOException {
        out.pad(IndexDescriptor.SERIES_ALIGNMENT);
        long offset = out.position();
        long id = offset / IndexDescriptor.SERIES_ALIGNMENT;
        if (id > 0xFFFF_FFFFL || id > Integer.MAX_VALUE) {
            throw new IOException("index too large: series at offset " + offset + " cannot be referenced");
        }
        ByteSink b = series;
        b.reset();
        b.uvarint(labelCount);
        for (int i = 0; i < 2 * labelCount; i++) {
            b.uvarint(labelSymbols[i] & 0xFFFF_FFFFL);
        }
        b.uvarint(chunkCount);
        if (chunkCount > 0) {
            int c = 3 * chunkFrom;
            long minT = chunks[c];
            long maxT = chunks[c + 1];
            long ref = chunks[c + 2];
            b.varint(minT);
            b.uvarint(maxT - minT);
            b.uvarint(ref);
            long prevMaxT = maxT;
            long prevRef = ref;
            for (int k = 1; k < chunkCount; k++) {
                c += 3;
                minT = chunks[c];
                maxT = chunks[c + 1];
                ref = chunks[c + 2];
                b.uvarint(minT - prevMaxT);
                b.uvarint(maxT - minT);
                b.varint(ref - prevRef);
                prevMaxT = maxT;
                prevRef = ref;
            }
        }
        out.writeUvarint(b.length());
        out.startCrc();
        out.writeBytes(b.bytes(), 0, b.length());
        out.writeBE32(out.stopCrc());
        postings.add((int) id, labelSymbols, labelCount);
        return (int) id;
    }

    /** Writes label indices, postings, both offset tables and the TOC, then forces and closes the file. */
    void finish() throws IOException {
        long tocLabelIndices = out.position();
        PostingsCollector.Grouped g = postings.group();
        int pairs = g.keys().length;

        // Label indices: per name, its values' symbols (the grouped pairs run name by name).
        int names = 0;
        long[] labelIndexOffsets = new long[pairs];
        int[] labelIndexNames = new int[pairs];
        for (int r = 0; r < pairs; ) {
            int name = g.nameSymbol(r);
            int end = r;
            while (end < pairs && g.nameSymbol(end) == name) {
                end++;
            }
            out.pad(IndexDescriptor.LIST_ALIGNMENT);
            long start = out.position();
            labelIndexOffsets[names] = start;
            labelIndexNames[names++] = name;
            out.writeBE32(0);
            out.startCrc();
            out.writeBE32(1);
            out.writeBE32(end - r);
            for (int k = r; k < end; k++) {
                out.writeBE32(g.valueSymbol(k));
            }
            finishSection(start, "label index");
            r = end;
        }

        // Postings: the all-series list first, then one per pair.
        long tocPostings = out.position();
        out.pad(IndexDescriptor.LIST_ALIGNMENT);
        long[] postingOffsets = new long[pairs];
        long allOffset = out.position();
        int all = postings.seriesCount();
        out.writeBE32(4 + 4 * all);
        out.startCrc();
        out.writeBE32(all);
        for (int i = 0; i < all; i++) {
            out.writeBE32(postings.seriesId(i));
        }
        out.writeBE32(out.stopCrc());
        int[] start = g.start();
        int[] refs = g.refs();
        for (int r = 0; r < pairs; r++) {
            out.pad(IndexDescriptor.LIST_ALIGNMENT);
            postingOffsets[r] = out.position();
            int n = start[r + 1] - start[r];
            out.writeBE32(4 + 4 * n);
            out.startCrc();
            out.writeBE32(n);
            for (int k = start[r]; k < start[r + 1]; k++) {
                out.writeBE32(refs[k]);
            }
            out.writeBE32(out.stopCrc());
        }

        // Label offset table.
        long tocLabelTable = out.position();
        out.writeBE32(0);
        out.startCrc();
        out.writeBE32(names);
        for (int i = 0; i < names; i++) {
            out.writeUvarint(IndexDescriptor.LABEL_TABLE_KEYS);
            out.writeUvarintBytes(utf8(labelIndexNames[i]));
            out.writeUvarint(labelIndexOffsets[i]);
        }
        finishSection(tocLabelTable, "label offset table");

        // Postings offset table.
        long tocPostingsTable = out.position();
        out.writeBE32(0);
        out.startCrc();
        out.writeBE32(pairs + 1);
        out.writeUvarint(IndexDescriptor.POSTINGS_TABLE_KEYS);
        out.writeUvarint(0);
        out.writeUvarint(0);
        out.writeUvarint(allOffset);
        int lastName = -1;
        byte[] nameBytes = null;
        for (int r = 0; r < pairs; r++) {
            if (g.nameSymbol(r) != lastName) {
                lastName = g.nameSymbol(r);
                nameBytes = utf8(lastName);
            }
            out.writeUvarint(IndexDescriptor.POSTINGS_TABLE_KEYS);
            out.writeUvarintBytes(nameBytes);
            out.writeUvarintBytes(utf8(g.valueSymbol(r)));
            out.writeUvarint(postingOffsets[r]);
        }
        finishSection(tocPostingsTable, "postings offset table");

        // TOC.
        out.startCrc();
        out.writeBE64(tocSymbols);
        out.writeBE64(tocSeries);
        out.writeBE64(tocLabelIndices);
        out.writeBE64(tocLabelTable);
        out.writeBE64(tocPostings);
        out.writeBE64(tocPostingsTable);
        out.writeBE32(out.stopCrc());
        out.finish();
    }

    /** Ends a {@code len | body | CRC} section that started at {@code start} with a placeholder length. */
    private void finishSection(long start, String what) throws IOException {
        int crc = out.stopCrc();
        long length = out.position() - start - 4;
        checkLength(length, what);
        out.writeBE32At(start, (int) length);
        out.writeBE32(crc);
    }

    private static void checkLength(long length, String what) throws IOException {
        if (length > 0xFFFF_FFFFL) {
            throw new IOException(what + " is " + length + " bytes, more than its 4-byte length can state");
        }
    }

    private byte[] utf8(int symbol) {
        return symbols[symbol].getBytes(StandardCharsets.UTF_8);
    }

    long position() {
        return out.position();
    }

    @Override
    public void close() throws IOException {
        out.close();
    }

    /** A growable byte array with Go's varints, for a series entry whose length precedes it. */
    static final class ByteSink {
        private byte[] b;
        private int n;

        ByteSink(int capacity) {
            b = new byte[capacity];
        }

        void reset() {
            n = 0;
        }

        void uvarint(long v) {
            if (b.length - n < 10) {
                b = java.util.Arrays.copyOf(b, 2 * b.length + 10);
            }
            while ((v & ~0x7FL) != 0) {
                b[n++] = (byte) ((v & 0x7F) | 0x80);
                v >>>= 7;
            }
            b[n++] = (byte) v;
        }

        void varint(long v) {
            uvarint(v << 1 ^ v >> 63);
        }

        byte[] bytes() {
            return b;
        }

        int length() {
            return n;
        }
    }
}
