/**
 * Prometheus' XOR chunk encoding, byte for byte: {@link io.sluice.chunk.XorAppender} writes one open
 * chunk (delta-of-delta timestamps, Gorilla XOR values) exactly as Prometheus 2.42's
 * {@code tsdb/chunkenc/xor.go} does, {@link io.sluice.chunk.XorIterator} decodes chunks from heap or
 * mapped memory, and {@link io.sluice.chunk.ChunkCutRule} is the head's rule for when to start a new
 * chunk. Byte identity is the point: the head's chunks are later copied unchanged into Prometheus
 * TSDB blocks. The layout is specified in docs/format/chunks.md and pinned by golden chunks that
 * promtool wrote (engine/src/test/resources/golden/chunks/).
 *
 * <p>Threading: an appender has one writer thread; readers on other threads may copy its bytes under
 * the contract in {@link io.sluice.chunk.XorAppender}'s javadoc. An iterator belongs to one thread.
 * The cut rule is static and pure.
 */
package io.sluice.chunk;
