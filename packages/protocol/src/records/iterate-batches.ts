/**
 * Splits a `records` field (Produce, Fetch) into its batches without copying them.
 *
 * A Fetch response may end with a partial batch (the broker cuts at max_bytes), so a
 * trailing batch that is not all there ends the iteration quietly; the generator returns
 * how many bytes it consumed, and a Produce handler compares that with the length to
 * refuse a truncated request. A length that cannot be valid throws: it cannot be skipped.
 */
import { SamsaError } from '../errors/samsa-error.js';
import { BatchField, checkMagic, LOG_OVERHEAD, MESSAGE_MIN_BYTES, readBatchHeader, RECORD_BATCH_OVERHEAD, type RecordBatchHeader } from './batch-header.js';

export interface RecordBatchView {
  header: RecordBatchHeader;
  /** The whole batch, from baseOffset to its last byte: a view of the input, not a copy. */
  bytes: Buffer;
}

export function* iterateBatches(records: Buffer): Generator<RecordBatchView, number, undefined> {
  let position = 0;
  while (records.length - position >= LOG_OVERHEAD) {
    const batchLength = records.readInt32BE(position + BatchField.batchLength);
    if (batchLength < MESSAGE_MIN_BYTES) {
      throw new SamsaError('CORRUPT_RECORD', `batch length ${batchLength} at ${position} is below the minimum of ${MESSAGE_MIN_BYTES}`);
    }
    const end = position + LOG_OVERHEAD + batchLength;
    if (end > records.length) break; // a partial batch: Fetch may end with one
    checkMagic(records[position + BatchField.magic]!, position);
    if (batchLength < RECORD_BATCH_OVERHEAD - LOG_OVERHEAD) {
      throw new SamsaError('CORRUPT_RECORD', `batch length ${batchLength} at ${position} is shorter than a v2 batch header`);
    }
    yield { header: readBatchHeader(records, position), bytes: records.subarray(position, end) };
    position = end;
  }
  return position;
}

export interface SplitBatches {
  batches: RecordBatchView[];
  /** Bytes after the last whole batch: 0 unless the input ended inside a batch. */
  partialBytes: number;
}

export function splitBatches(records: Buffer): SplitBatches {
  const batches: RecordBatchView[] = [];
  const it = iterateBatches(records);
  for (;;) {
    const next = it.next();
    if (next.done) return { batches, partialBytes: records.length - next.value };
    batches.push(next.value);
  }
}
