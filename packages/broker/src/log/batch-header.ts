/**
 * The fixed 61-byte header of a record batch (magic v2), read by offset. The log needs only
 * a handful of its fields and reads them straight from the bytes, so it does not depend on
 * the protocol package's full batch decoder.
 *
 * Offsets are JS numbers in the log (see partition-log.ts): every int64 read here is checked
 * to be a safe integer, so a corrupt or hostile header can never turn into a silently
 * rounded offset.
 */
import { BatchField, SamsaError } from '@samsa/protocol';

// Field positions come from the protocol package; the log reads only what it needs, by offset.
export { BatchField } from '@samsa/protocol';

/** Bytes of the header, records start after it. */
export const BATCH_HEADER_BYTES = 61;
/** baseOffset + batchLength: the bytes `batchLength` does not count. */
export const LOG_OVERHEAD = 12;
/** The smallest valid value of the batchLength field (a batch with no records). */
export const MIN_BATCH_LENGTH = BATCH_HEADER_BYTES - LOG_OVERHEAD;
/** The CRC covers everything from `attributes` to the end of the batch. */
export const CRC_START = BatchField.attributes;
export const MAGIC_V2 = 2;
/** Relative offsets in the indexes are kept within int32, as Kafka does. */
export const MAX_RELATIVE_OFFSET = 0x7fffffff;

export const COMPRESSION_MASK = 0x07;
export const TIMESTAMP_TYPE_LOG_APPEND_TIME = 0x08;

/** What the log keeps about one batch. */
export interface BatchMeta {
  /** Byte position of the batch: in its segment, or in the buffer it was read from. */
  position: number;
  baseOffset: number;
  lastOffset: number;
  /** Whole batch, LOG_OVERHEAD included. */
  size: number;
  maxTimestamp: number;
  recordCount: number;
  attributes: number;
}

/** Reads a big-endian int64 as a number; null when it is not a safe integer. */
export function readInt64(buf: Buffer, at: number): number | null {
  const value = buf.readInt32BE(at) * 0x1_0000_0000 + buf.readUInt32BE(at + 4);
  return Number.isSafeInteger(value) ? value : null;
}

/** Writes a safe integer as a big-endian int64 (negative values included). */
export function writeInt64(buf: Buffer, value: number, at: number): void {
  const high = Math.floor(value / 0x1_0000_0000);
  buf.writeInt32BE(high, at);
  buf.writeUInt32BE(value - high * 0x1_0000_0000, at + 4);
}

/**
 * Parses the header at `position` of `buf`, which must hold all 61 header bytes. Returns a
 * string saying what is wrong instead of throwing, so scanners can stop at a torn or
 * corrupt batch cheaply. `limit` is how many bytes the batch may span from `position`.
 */
export function parseBatchHeader(buf: Buffer, position: number, limit: number): BatchMeta | string {
  if (limit < BATCH_HEADER_BYTES || buf.length - position < BATCH_HEADER_BYTES) return 'truncated batch header';
  const batchLength = buf.readInt32BE(position + BatchField.batchLength);
  if (batchLength < MIN_BATCH_LENGTH) return `batch length ${batchLength} below the minimum ${MIN_BATCH_LENGTH}`;
  const size = LOG_OVERHEAD + batchLength;
  if (size > limit) return `batch of ${size} bytes runs past the ${limit} bytes available`;
  const magic = buf.readInt8(position + BatchField.magic);
  if (magic !== MAGIC_V2) return `magic ${magic}, expected ${MAGIC_V2}`;
  const baseOffset = readInt64(buf, position + BatchField.baseOffset);
  if (baseOffset === null || baseOffset < 0) return 'base offset is not a non-negative safe integer';
  const lastOffsetDelta = buf.readInt32BE(position + BatchField.lastOffsetDelta);
  if (lastOffsetDelta < 0) return `negative lastOffsetDelta ${lastOffsetDelta}`;
  const recordCount = buf.readInt32BE(position + BatchField.recordsCount);
  if (recordCount < 0) return `negative record count ${recordCount}`;
  const maxTimestamp = readInt64(buf, position + BatchField.maxTimestamp);
  if (maxTimestamp === null) return 'max timestamp is not a safe integer';
  return {
    position,
    baseOffset,
    lastOffset: baseOffset + lastOffsetDelta,
    size,
    maxTimestamp,
    recordCount,
    attributes: buf.readInt16BE(position + BatchField.attributes),
  };
}

/** As parseBatchHeader, but a failure is a bug or corruption the caller cannot go past. */
export function requireBatchHeader(buf: Buffer, position: number, limit: number, where: string): BatchMeta {
  const header = parseBatchHeader(buf, position, limit);
  if (typeof header === 'string') throw new SamsaError('CORRUPT_RECORD', `${where}: ${header} at byte ${position}`);
  return header;
}

export function isCompressed(b: BatchMeta): boolean {
  return (b.attributes & COMPRESSION_MASK) !== 0;
}

export function isLogAppendTime(b: BatchMeta): boolean {
  return (b.attributes & TIMESTAMP_TYPE_LOG_APPEND_TIME) !== 0;
}
