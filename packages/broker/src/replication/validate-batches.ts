/**
 * Checks the record batches of one partition's Produce data before they touch the log, and
 * assigns their offsets in place. Only whole, magic-v2, CRC-valid batches within the size
 * limit pass; anything else fails the whole partition's append with the Kafka error a
 * producer expects, and nothing of it is written.
 */
import { BatchField, crc32c, ErrorCode, LOG_OVERHEAD, RECORD_BATCH_OVERHEAD, readBatchHeader, readRecords, SamsaError } from '@samsa/protocol';
import type { LogConfig } from '../config/topic-config.js';

export class AppendError extends Error {
  constructor(
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
  }
}

export interface BatchInfo {
  /** Position of the batch in the produce blob. */
  position: number;
  size: number;
  lastOffsetDelta: number;
  recordCount: number;
  maxTimestamp: number;
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  isTransactional: boolean;
  isControl: boolean;
}

export interface ValidatedBatches {
  batches: BatchInfo[];
  recordCount: number;
}

/** Splits and checks the blob; throws AppendError with the Kafka error code. */
export function validateBatches(blob: Buffer, config: LogConfig, nowMs: number): ValidatedBatches {
  const batches: BatchInfo[] = [];
  let position = 0;
  let recordCount = 0;
  if (blob.length === 0) throw new AppendError(ErrorCode.CORRUPT_MESSAGE, 'produce request carries no record batch');
  while (position < blob.length) {
    if (blob.length - position < LOG_OVERHEAD + 5) {
      throw new AppendError(ErrorCode.CORRUPT_MESSAGE, `truncated batch header at byte ${position}`);
    }
    const magic = blob.readInt8(position + BatchField.magic);
    if (magic !== 2) {
      throw new AppendError(ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT, `record batch magic ${magic} is not supported; only v2 batches (Kafka 0.11+ clients) are`);
    }
    const batchLength = blob.readInt32BE(position + BatchField.batchLength);
    const size = LOG_OVERHEAD + batchLength;
    if (batchLength < RECORD_BATCH_OVERHEAD - LOG_OVERHEAD || position + size > blob.length) {
      throw new AppendError(ErrorCode.CORRUPT_MESSAGE, `batch at byte ${position} claims ${batchLength} bytes, ${blob.length - position - LOG_OVERHEAD} remain`);
    }
    if (size > config.maxMessageBytes) {
      throw new AppendError(ErrorCode.MESSAGE_TOO_LARGE, `batch of ${size} bytes exceeds max.message.bytes=${config.maxMessageBytes}`);
    }
    const crc = blob.readUInt32BE(position + BatchField.crc);
    if (crc32c(blob.subarray(position + BatchField.attributes, position + size)) !== crc) {
      throw new AppendError(ErrorCode.CORRUPT_MESSAGE, `batch at byte ${position} fails its CRC-32C check`);
    }
    const attributes = blob.readInt16BE(position + BatchField.attributes);
    const lastOffsetDelta = blob.readInt32BE(position + BatchField.lastOffsetDelta);
    const count = blob.readInt32BE(position + BatchField.recordsCount);
    if (count <= 0 || lastOffsetDelta !== count - 1) {
      throw new AppendError(ErrorCode.INVALID_RECORD, `batch at byte ${position} has ${count} records but lastOffsetDelta ${lastOffsetDelta}`);
    }
    if ((attributes & 0x07) > 4) throw new AppendError(ErrorCode.CORRUPT_MESSAGE, `unknown compression codec ${attributes & 0x07}`);
    checkRecords(blob, position, size, count, config);
    const maxTimestamp = Number(blob.readBigInt64BE(position + BatchField.maxTimestamp));
    if (config.messageTimestampType === 'CreateTime' && maxTimestamp >= 0) {
      if (nowMs - maxTimestamp > config.messageTimestampBeforeMaxMs || maxTimestamp - nowMs > config.messageTimestampAfterMaxMs) {
        throw new AppendError(ErrorCode.INVALID_TIMESTAMP, `timestamp ${maxTimestamp} is outside the range message.timestamp.before/after.max.ms allow`);
      }
    }
    batches.push({
      position,
      size,
      lastOffsetDelta,
      recordCount: count,
      maxTimestamp,
      producerId: blob.readBigInt64BE(position + BatchField.producerId),
      producerEpoch: blob.readInt16BE(position + BatchField.producerEpoch),
      baseSequence: blob.readInt32BE(position + BatchField.baseSequence),
      isTransactional: (attributes & 0x10) !== 0,
      isControl: (attributes & 0x20) !== 0,
    });
    recordCount += count;
    position += size;
  }
  return { batches, recordCount };
}

/**
 * Reads every record (decompressing once if needed), as Kafka's LogValidator does: a CRC
 * only proves the bytes are what the producer meant, not that a buggy producer meant
 * well-formed records with sequential offset deltas.
 */
function checkRecords(blob: Buffer, position: number, size: number, count: number, config: LogConfig): void {
  const bytes = blob.subarray(position, position + size);
  const compacted = config.cleanupPolicy.includes('compact');
  let expected = 0;
  try {
    for (const record of readRecords({ header: readBatchHeader(bytes, 0), bytes })) {
      if (record.offsetDelta !== expected) {
        throw new AppendError(ErrorCode.INVALID_RECORD, `record ${expected} of the batch at byte ${position} has offset delta ${record.offsetDelta}`);
      }
      if (compacted && record.key === null) {
        throw new AppendError(ErrorCode.INVALID_RECORD, 'a compacted topic cannot accept a record without a key');
      }
      expected++;
    }
  } catch (e) {
    if (e instanceof SamsaError) throw new AppendError(ErrorCode.CORRUPT_MESSAGE, `batch at byte ${position}: ${e.message}`);
    throw e;
  }
  if (expected !== count) {
    throw new AppendError(ErrorCode.INVALID_RECORD, `batch at byte ${position} declares ${count} records and holds ${expected}`);
  }
}

/**
 * Writes offsets and the leader epoch into the batches (outside the CRC range, so the CRC
 * stays valid). With LogAppendTime the timestamp type and max timestamp change, and those
 * are inside the CRC range, so the CRC is recomputed. Returns the last offset assigned.
 */
export function assignOffsets(
  blob: Buffer,
  v: ValidatedBatches,
  firstOffset: number,
  leaderEpoch: number,
  logAppendTimeMs: number | null,
): { lastOffset: number; maxTimestamp: number; offsetOfMaxTimestamp: number } {
  let offset = firstOffset;
  let maxTimestamp = -1;
  let offsetOfMaxTimestamp = firstOffset;
  for (const b of v.batches) {
    blob.writeBigInt64BE(BigInt(offset), b.position + BatchField.baseOffset);
    blob.writeInt32BE(leaderEpoch, b.position + BatchField.partitionLeaderEpoch);
    let ts = b.maxTimestamp;
    if (logAppendTimeMs !== null) {
      const attributes = blob.readInt16BE(b.position + BatchField.attributes) | 0x08;
      blob.writeInt16BE(attributes, b.position + BatchField.attributes);
      blob.writeBigInt64BE(BigInt(logAppendTimeMs), b.position + BatchField.maxTimestamp);
      blob.writeUInt32BE(crc32c(blob.subarray(b.position + BatchField.attributes, b.position + b.size)), b.position + BatchField.crc);
      ts = logAppendTimeMs;
    }
    if (ts > maxTimestamp) {
      maxTimestamp = ts;
      offsetOfMaxTimestamp = offset + b.lastOffsetDelta;
    }
    offset += b.lastOffsetDelta + 1;
  }
  return { lastOffset: offset - 1, maxTimestamp, offsetOfMaxTimestamp };
}
