/**
 * Lazy record decoding. A batch's records are decompressed once (if compressed) and then
 * read one at a time; keys, values and header values are views of that buffer, not copies.
 *
 * Numbers and bigints: offsetDelta and timestampDelta are numbers (timestampDelta checked to
 * be a safe integer); `offset` and `timestamp` are exact bigints computed on access, so a
 * consumer that never asks pays no bigint cost per record.
 */
import { Reader } from '../codec/reader.js';
import { SamsaError } from '../errors/samsa-error.js';
import { CompressionType, decompress, decompressSync, DEFAULT_DECOMPRESSED_MAX_BYTES } from '../compression/index.js';
import { BatchAttributes, compressionOf, RECORD_BATCH_OVERHEAD, type RecordBatchHeader } from './batch-header.js';
import type { RecordBatchView } from './iterate-batches.js';

export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

const NO_HEADERS: readonly RecordHeader[] = Object.freeze([]);

export class KafkaRecord {
  constructor(
    readonly batch: RecordBatchHeader,
    /** Unused by Kafka so far; kept as read. */
    readonly attributes: number,
    readonly timestampDelta: number,
    readonly offsetDelta: number,
    readonly key: Buffer | null,
    readonly value: Buffer | null,
    readonly headers: readonly RecordHeader[],
  ) {}

  get offset(): bigint {
    return this.batch.baseOffset + BigInt(this.offsetDelta);
  }

  /** With LogAppendTime every record carries the batch's maxTimestamp, as Kafka's readers do. */
  get timestamp(): bigint {
    if (this.batch.attributes & BatchAttributes.timestampType) return this.batch.maxTimestamp;
    return this.batch.baseTimestamp + BigInt(this.timestampDelta);
  }
}

export interface RecordsOptions {
  /** The most a compressed batch may decompress to. */
  maxBytes?: number;
}

/** The bytes holding the batch's records: a view for uncompressed batches, decompressed once otherwise. */
export function recordsData(batch: RecordBatchView, options: RecordsOptions = {}): Buffer {
  const payload = batch.bytes.subarray(RECORD_BATCH_OVERHEAD);
  const codec = compressionOf(batch.header);
  if (codec === CompressionType.none) return payload;
  return decompressSync(codec, payload, options.maxBytes ?? DEFAULT_DECOMPRESSED_MAX_BYTES);
}

/** recordsData with gzip and snappy decompressed off the event loop. */
export async function recordsDataAsync(batch: RecordBatchView, options: RecordsOptions = {}): Promise<Buffer> {
  const payload = batch.bytes.subarray(RECORD_BATCH_OVERHEAD);
  const codec = compressionOf(batch.header);
  if (codec === CompressionType.none) return payload;
  return decompress(codec, payload, options.maxBytes ?? DEFAULT_DECOMPRESSED_MAX_BYTES);
}

/** Decompresses (if needed) and iterates the batch's records. */
export function readRecords(batch: RecordBatchView, options: RecordsOptions = {}): Generator<KafkaRecord, void, undefined> {
  return iterateRecords(batch.header, recordsData(batch, options));
}

function corrupt(what: string, cause?: unknown): SamsaError {
  return new SamsaError('CORRUPT_RECORD', what, cause === undefined ? undefined : { cause });
}

/**
 * Reads `header.recordsCount` records from `data`. Each record must end exactly where its
 * length says and the data must end with the last record, as Kafka's DefaultRecord checks;
 * every failure is CORRUPT_RECORD, raised before the bad record is yielded.
 */
export function* iterateRecords(header: RecordBatchHeader, data: Buffer): Generator<KafkaRecord, void, undefined> {
  const r = new Reader(data);
  const count = header.recordsCount;
  if (count < 0) throw corrupt(`negative record count ${count}`);
  for (let i = 0; i < count; i++) {
    let record: KafkaRecord;
    try {
      record = readRecord(r, header);
    } catch (err) {
      if (err instanceof SamsaError && err.code === 'CORRUPT_RECORD') throw err;
      throw corrupt(`record ${i} of ${count} in the batch at offset ${header.baseOffset}: ${(err as Error).message}`, err);
    }
    yield record;
  }
  if (r.remaining !== 0) throw corrupt(`${r.remaining} bytes after the last of ${count} records`);
}

function readRecord(r: Reader, batch: RecordBatchHeader): KafkaRecord {
  const length = r.varint();
  const start = r.offset;
  if (length < 0 || length > r.remaining) throw corrupt(`record length ${length} at ${start - 1} with ${r.remaining} bytes left`);
  const attributes = r.int8();
  const timestampDelta = r.varlongNumber();
  const offsetDelta = r.varint();
  const key = nullableBytes(r);
  const value = nullableBytes(r);
  const headerCount = r.varint();
  if (headerCount < 0 || headerCount * 2 > start + length - r.offset) throw corrupt(`header count ${headerCount} at ${r.offset}`);
  let headers = NO_HEADERS;
  if (headerCount > 0) {
    const list: RecordHeader[] = new Array(headerCount);
    for (let h = 0; h < headerCount; h++) {
      const keyLength = r.varint();
      if (keyLength < 0) throw corrupt(`negative header key length ${keyLength}`);
      const at = r.offset;
      r.skip(keyLength);
      list[h] = { key: r.buf.toString('utf8', at, at + keyLength), value: nullableBytes(r) };
    }
    headers = list;
  }
  if (r.offset !== start + length) throw corrupt(`record at ${start} declared ${length} bytes but used ${r.offset - start}`);
  return new KafkaRecord(batch, attributes, timestampDelta, offsetDelta, key, value, headers);
}

function nullableBytes(r: Reader): Buffer | null {
  const length = r.varint();
  if (length === -1) return null;
  if (length < 0) throw corrupt(`negative length ${length} at ${r.offset}`);
  return r.slice(length);
}
