/**
 * Encoding of record bodies inside WAL frames: {@link io.sluice.record.SeriesRecord} and
 * {@link io.sluice.record.SamplesRecord}, with their type bytes in {@link io.sluice.record.RecordType}.
 * The WAL knows frames only; what a body means lives here, as Prometheus keeps {@code record} apart
 * from {@code wlog}.
 *
 * <p>Threading: static, pure functions over buffers the caller owns.
 */
package io.sluice.record;
