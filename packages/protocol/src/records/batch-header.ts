/**
 * The 61-byte header of a record batch (magic v2) and the in-place rewrites a broker makes.
 * Reads go straight to the buffer: nothing is copied. int64 fields are bigint (exact).
 */
import { SamsaError } from '../errors/samsa-error.js';
import { crc32c } from '../crc32c.js';
import { compressionTypeOf, type CompressionType } from '../compression/types.js';

export const RECORD_BATCH_MAGIC = 2;
/** baseOffset and batchLength: the bytes before what batchLength counts. */
export const LOG_OVERHEAD = 12;
export const RECORD_BATCH_OVERHEAD = 61;
/** The smallest batchLength any format has (a magic 0 message); below it a length is corrupt whatever the magic. */
export const MESSAGE_MIN_BYTES = 14;

/** Byte positions of the header fields, from the start of the batch. */
export const BatchField = {
  baseOffset: 0,
  batchLength: 8,
  partitionLeaderEpoch: 12,
  magic: 16,
  crc: 17,
  attributes: 21,
  lastOffsetDelta: 23,
  baseTimestamp: 27,
  maxTimestamp: 35,
  producerId: 43,
  producerEpoch: 51,
  baseSequence: 53,
  recordsCount: 57,
} as const;

/** The CRC covers everything from attributes to the end of the batch. */
export const CRC_START = BatchField.attributes;

export const BatchAttributes = {
  compressionMask: 0x07,
  timestampType: 0x08,
  transactional: 0x10,
  control: 0x20,
  deleteHorizon: 0x40,
} as const;

export const TimestampType = { createTime: 0, logAppendTime: 1 } as const;
export type TimestampType = (typeof TimestampType)[keyof typeof TimestampType];

export const NO_PRODUCER_ID = -1n;
export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;
export const NO_PARTITION_LEADER_EPOCH = -1;

export interface RecordBatchHeader {
  /** Byte position of the batch in the buffer it was read from. */
  position: number;
  baseOffset: bigint;
  batchLength: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: bigint;
  maxTimestamp: bigint;
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  recordsCount: number;
}

/**
 * Refuses anything but magic 2. Message formats v0/v1 put other fields where v2 has its
 * header, so reading them as v2 would be a silent misread; the broker answers
 * UNSUPPORTED_MAGIC with UNSUPPORTED_FOR_MESSAGE_FORMAT / CORRUPT_MESSAGE.
 */
export function checkMagic(magic: number, position: number): void {
  if (magic === RECORD_BATCH_MAGIC) return;
  if (magic === 0 || magic === 1) {
    throw new SamsaError('UNSUPPORTED_MAGIC', `message format v${magic} at ${position}: only record batch v2 is supported`);
  }
  throw new SamsaError('CORRUPT_RECORD', `invalid magic ${magic} at ${position}`);
}

/** Reads the header of the batch at `position`. Checks the magic and that 61 bytes are there, nothing else. */
export function readBatchHeader(buf: Buffer, position = 0): RecordBatchHeader {
  if (position < 0 || position + RECORD_BATCH_OVERHEAD > buf.length) {
    if (position >= 0 && position + BatchField.magic < buf.length) checkMagic(buf[position + BatchField.magic]!, position);
    throw new SamsaError('CORRUPT_RECORD', `record batch header at ${position} needs ${RECORD_BATCH_OVERHEAD} bytes, buffer has ${buf.length - position}`);
  }
  checkMagic(buf[position + BatchField.magic]!, position);
  return {
    position,
    baseOffset: buf.readBigInt64BE(position),
    batchLength: buf.readInt32BE(position + BatchField.batchLength),
    partitionLeaderEpoch: buf.readInt32BE(position + BatchField.partitionLeaderEpoch),
    magic: RECORD_BATCH_MAGIC,
    crc: buf.readUInt32BE(position + BatchField.crc),
    attributes: buf.readInt16BE(position + BatchField.attributes),
    lastOffsetDelta: buf.readInt32BE(position + BatchField.lastOffsetDelta),
    baseTimestamp: buf.readBigInt64BE(position + BatchField.baseTimestamp),
    maxTimestamp: buf.readBigInt64BE(position + BatchField.maxTimestamp),
    producerId: buf.readBigInt64BE(position + BatchField.producerId),
    producerEpoch: buf.readInt16BE(position + BatchField.producerEpoch),
    baseSequence: buf.readInt32BE(position + BatchField.baseSequence),
    recordsCount: buf.readInt32BE(position + BatchField.recordsCount),
  };
}

/** The whole batch in bytes, headers included. */
export function batchSizeInBytes(header: RecordBatchHeader): number {
  return LOG_OVERHEAD + header.batchLength;
}

export function compressionOf(header: RecordBatchHeader): CompressionType {
  const id = header.attributes & BatchAttributes.compressionMask;
  try {
    return compressionTypeOf(id);
  } catch {
    throw new SamsaError('CORRUPT_RECORD', `batch at ${header.position} has unknown compression codec id ${id}`);
  }
}

export function timestampTypeOf(header: RecordBatchHeader): TimestampType {
  return header.attributes & BatchAttributes.timestampType ? TimestampType.logAppendTime : TimestampType.createTime;
}

export function isTransactional(header: RecordBatchHeader): boolean {
  return (header.attributes & BatchAttributes.transactional) !== 0;
}

export function isControlBatch(header: RecordBatchHeader): boolean {
  return (header.attributes & BatchAttributes.control) !== 0;
}

export function hasDeleteHorizon(header: RecordBatchHeader): boolean {
  return (header.attributes & BatchAttributes.deleteHorizon) !== 0;
}

export function lastOffsetOf(header: RecordBatchHeader): bigint {
  return header.baseOffset + BigInt(header.lastOffsetDelta);
}

/** The offset the next batch will start at. */
export function nextOffsetOf(header: RecordBatchHeader): bigint {
  return lastOffsetOf(header) + 1n;
}

function checkRewritable(buf: Buffer, position: number): void {
  if (position < 0 || position + RECORD_BATCH_OVERHEAD > buf.length) {
    throw new SamsaError('CORRUPT_RECORD', `no record batch header at ${position} in ${buf.length} bytes`);
  }
  checkMagic(buf[position + BatchField.magic]!, position);
}

/**
 * Assigns offsets by rewriting baseOffset in place. Records carry offset deltas and
 * baseOffset lies before the CRC range, so the CRC stays valid and nothing is re-encoded.
 */
export function setBaseOffset(buf: Buffer, position: number, baseOffset: bigint): void {
  checkRewritable(buf, position);
  buf.writeBigInt64BE(baseOffset, position + BatchField.baseOffset);
}

/** Stamps the leader epoch in place; also outside the CRC range. */
export function setPartitionLeaderEpoch(buf: Buffer, position: number, partitionLeaderEpoch: number): void {
  checkRewritable(buf, position);
  buf.writeInt32BE(partitionLeaderEpoch, position + BatchField.partitionLeaderEpoch);
}

/**
 * For topics with message.timestamp.type=LogAppendTime: sets the timestamp type bit and
 * maxTimestamp (readers then use maxTimestamp for every record). Both are inside the CRC
 * range, so the CRC is recomputed over the batch.
 */
export function setLogAppendTime(buf: Buffer, position: number, timestampMs: bigint): void {
  checkRewritable(buf, position);
  const end = position + LOG_OVERHEAD + buf.readInt32BE(position + BatchField.batchLength);
  if (end > buf.length || end < position + RECORD_BATCH_OVERHEAD) {
    throw new SamsaError('CORRUPT_RECORD', `batch at ${position} does not fit its ${buf.length} byte buffer`);
  }
  const attributes = buf.readInt16BE(position + BatchField.attributes) | BatchAttributes.timestampType;
  buf.writeInt16BE(attributes, position + BatchField.attributes);
  buf.writeBigInt64BE(timestampMs, position + BatchField.maxTimestamp);
  buf.writeUInt32BE(crc32c(buf.subarray(position + CRC_START, end)), position + BatchField.crc);
}
