/**
 * Encoding of record bodies inside WAL frames: {@link io.sluice.record.SeriesRecord} and
 * {@link io.sluice.record.SamplesRecord}, with their type bytes in {@link io.sluice.record.RecordType}.
 * The WAL knows frames only; what a body means lives here, as Prometheus keeps {@code record} apart
 * from {@code wlog}.
 *
 * <p>Threading: static, pure functions over buffers the caller owns.
 *
 * <p><b>Not API.</b> This package is internal to Sluice and changes without notice; applications use
 * {@code io.sluice.engine}.
 */
package io.sluice.record;
