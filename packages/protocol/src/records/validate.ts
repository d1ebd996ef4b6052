/**
 * The checks a broker makes before it appends a batch and after it reads one back: the
 * magic, the length against the bytes present, the header fields that bound what follows,
 * and the CRC-32C. Records are not decoded here (iterate-records.ts checks their framing).
 */
import { SamsaError } from '../errors/samsa-error.js';
import { crc32c } from '../crc32c.js';
import { BatchAttributes, BatchField, checkMagic, compressionOf, CRC_START, LOG_OVERHEAD, readBatchHeader, RECORD_BATCH_OVERHEAD, type RecordBatchHeader } from './batch-header.js';

/** The smallest possible record: length, attributes, timestampDelta, offsetDelta, key, value, header count. */
export const RECORD_MIN_BYTES = 7;

function corrupt(position: number, what: string): SamsaError {
  return new SamsaError('CORRUPT_RECORD', `record batch at ${position}: ${what}`);
}

/** Validates the batch at `position` and returns its header. Throws CORRUPT_RECORD or UNSUPPORTED_MAGIC. */
export function validateBatch(buf: Buffer, position = 0): RecordBatchHeader {
  if (position < 0 || buf.length - position < LOG_OVERHEAD) throw corrupt(position, `only ${buf.length - position} bytes`);
  if (buf.length - position > BatchField.magic) checkMagic(buf[position + BatchField.magic]!, position);
  const batchLength = buf.readInt32BE(position + BatchField.batchLength);
  if (batchLength < RECORD_BATCH_OVERHEAD - LOG_OVERHEAD) throw corrupt(position, `batch length ${batchLength} is shorter than a v2 header`);
  const end = position + LOG_OVERHEAD + batchLength;
  if (end > buf.length) throw corrupt(position, `batch length ${batchLength} overruns the ${buf.length - position} bytes present`);
  const header = readBatchHeader(buf, position);
  const stored = header.crc;
  const computed = crc32c(buf.subarray(position + CRC_START, end));
  if (stored !== computed) throw corrupt(position, `CRC mismatch: stored 0x${stored.toString(16)}, computed 0x${computed.toString(16)}`);
  compressionOf(header); // throws on codec ids 5-7
  if (header.recordsCount < 0) throw corrupt(position, `negative record count ${header.recordsCount}`);
  if (header.lastOffsetDelta < 0) throw corrupt(position, `negative lastOffsetDelta ${header.lastOffsetDelta}`);
  const uncompressed = (header.attributes & BatchAttributes.compressionMask) === 0;
  if (uncompressed && header.recordsCount * RECORD_MIN_BYTES > batchLength - (RECORD_BATCH_OVERHEAD - LOG_OVERHEAD)) {
    throw corrupt(position, `${header.recordsCount} records cannot fit in ${batchLength - (RECORD_BATCH_OVERHEAD - LOG_OVERHEAD)} bytes`);
  }
  return header;
}

/** validateBatch as a yes or no, for callers that only need that (log recovery scanning for the valid prefix). */
export function isValidBatch(buf: Buffer, position = 0): boolean {
  try {
    validateBatch(buf, position);
    return true;
  } catch (err) {
    if (err instanceof SamsaError) return false;
    throw err;
  }
}
