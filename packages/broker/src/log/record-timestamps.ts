/**
 * Per-record timestamps of an uncompressed v2 batch, for ListOffsets by timestamp: a record's
 * timestamp is the batch's baseTimestamp plus its zig-zag varlong timestampDelta, its offset
 * the baseOffset plus its varint offsetDelta. Only the fields up to offsetDelta are decoded;
 * keys, values and headers are skipped by the record's length prefix.
 *
 * Not used for compressed batches (the records are one compressed block) nor for
 * LogAppendTime batches (every record's timestamp is the batch's maxTimestamp, whatever its
 * delta says).
 */
import { SamsaError } from '@samsa/protocol';
import { BATCH_HEADER_BYTES, BatchField, readInt64 } from './batch-header.js';

export interface OffsetAndTimestamp {
  offset: number;
  timestamp: number;
}

class VarintCursor {
  constructor(
    private readonly buf: Buffer,
    public at: number,
    private readonly end: number,
  ) {}

  /** A zig-zag varint of up to 10 bytes, decoded with arithmetic so it is exact to 2^53. */
  signed(): number {
    let unsigned = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.at >= this.end) throw corrupt('record field runs past the batch');
      const byte = this.buf[this.at++]!;
      unsigned += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) {
        if (!Number.isSafeInteger(unsigned)) throw corrupt('varint beyond 2^53');
        return unsigned % 2 === 0 ? unsigned / 2 : -(unsigned + 1) / 2;
      }
      scale *= 128;
    }
    throw corrupt('varint longer than 10 bytes');
  }
}

function corrupt(why: string): SamsaError {
  return new SamsaError('CORRUPT_RECORD', `record batch: ${why}`);
}

/**
 * The first record of `batch` (the whole batch's bytes, uncompressed) for which `accept`
 * returns true, with its offset and timestamp; null if none.
 */
export function findRecord(batch: Buffer, accept: (offset: number, timestamp: number) => boolean): OffsetAndTimestamp | null {
  const baseOffset = readInt64(batch, BatchField.baseOffset);
  const baseTimestamp = readInt64(batch, BatchField.baseTimestamp);
  if (baseOffset === null || baseTimestamp === null) throw corrupt('base offset or timestamp beyond 2^53');
  const count = batch.readInt32BE(BatchField.recordsCount);
  const cursor = new VarintCursor(batch, BATCH_HEADER_BYTES, batch.length);
  for (let i = 0; i < count; i++) {
    const length = cursor.signed();
    const bodyStart = cursor.at;
    if (length < 0 || bodyStart + length > batch.length) throw corrupt(`record ${i} length ${length} runs past the batch`);
    const fields = new VarintCursor(batch, bodyStart + 1, bodyStart + length); // + 1: attributes int8
    const timestamp = baseTimestamp + fields.signed();
    const offset = baseOffset + fields.signed();
    if (accept(offset, timestamp)) return { offset, timestamp };
    cursor.at = bodyStart + length;
  }
  return null;
}
