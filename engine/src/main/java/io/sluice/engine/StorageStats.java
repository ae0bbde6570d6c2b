package io.sluice.engine;

/**
 * Where a Sluice directory's samples live, and what they take: the head (each series' open chunk in
 * memory and its full chunks in memory-mapped head-chunk files), the WAL (recovery only), and, once
 * they exist, blocks. {@code inspect --json} reports these fields.
 *
 * @param headSamples    samples held by the head (open and full chunks)
 * @param headChunks     chunks held by the head, open ones included
 * @param headChunkBytes encoded bytes of those chunks (XOR chunk bytes, without file framing)
 * @param walBytes       bytes of WAL files (segments and checkpoints) on disk
 */
public record StorageStats(long headSamples, long headChunks, long headChunkBytes, long walBytes) {
}
