/**
 * Encodes record batches (magic v2). Sizes are computed first so the records are written
 * into one exactly sized buffer; the header's batchLength and CRC are patched in last.
 * The per-record loop uses numbers only: timestamps are milliseconds as safe integers, and
 * their deltas from baseTimestamp are taken in numbers.
 */
import { Writer } from '../codec/writer.js';
import { SamsaError } from '../errors/samsa-error.js';
import { crc32c } from '../crc32c.js';
import { compress, compressSync, CompressionType } from '../compression/index.js';
import { varintSize, varlongSize } from '../codec/varint-size.js';
import {
  BatchAttributes,
  BatchField,
  CRC_START,
  LOG_OVERHEAD,
  NO_PARTITION_LEADER_EPOCH,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  NO_SEQUENCE,
  RECORD_BATCH_MAGIC,
  RECORD_BATCH_OVERHEAD,
  TimestampType,
} from './batch-header.js';

export interface RecordHeaderInput {
  key: string;
  value: Uint8Array | null;
}

export interface RecordInput {
  key?: Uint8Array | null;
  value?: Uint8Array | null;
  headers?: readonly RecordHeaderInput[];
  /** Milliseconds since the epoch; defaults to the time the batch is built. */
  timestamp?: number;
  /** Defaults to the record's index in the batch. */
  offsetDelta?: number;
}

export interface RecordBatchInput {
  baseOffset?: bigint;
  /** Producers send -1; the leader stamps its epoch on append. */
  partitionLeaderEpoch?: number;
  compression?: CompressionType;
  /** gzip and zstd only; see CompressOptions. */
  compressionLevel?: number;
  timestampType?: TimestampType;
  isTransactional?: boolean;
  isControl?: boolean;
  /** Kafka's bit 6: the batch has a delete horizon (set by compaction; baseTimestamp holds it). */
  hasDeleteHorizon?: boolean;
  producerId?: bigint;
  producerEpoch?: number;
  baseSequence?: number;
  /** Defaults to the first record's timestamp, as the Java producer does. */
  baseTimestamp?: number;
  /** Defaults to the largest record timestamp; with LogAppendTime, the append time. */
  maxTimestamp?: number;
  /** Defaults to the last record's offsetDelta (set it for empty or compacted batches). */
  lastOffsetDelta?: number;
  records: readonly RecordInput[];
}

function invalid(what: string): SamsaError {
  return new SamsaError('ENCODE_INVALID', `record batch: ${what}`);
}

function bytesField(b: Uint8Array | null | undefined): number {
  return b == null ? 1 : varintSize(b.length) + b.length;
}

interface Plan {
  recordsBytes: number;
  bodyBytes: Int32Array;
  headerKeys: (Buffer[] | null)[];
  timestamps: Float64Array;
  baseTimestamp: number;
  maxTimestamp: number;
  lastOffsetDelta: number;
}

/** First pass: every record's size, timestamp and encoded header keys. */
function plan(input: RecordBatchInput): Plan {
  const records = input.records;
  const n = records.length;
  const now = Date.now();
  const timestamps = new Float64Array(n);
  for (let i = 0; i < n; i++) timestamps[i] = records[i]!.timestamp ?? now;
  const baseTimestamp = input.baseTimestamp ?? (n > 0 ? timestamps[0]! : now);
  if (!Number.isSafeInteger(baseTimestamp)) throw invalid(`baseTimestamp ${baseTimestamp} is not a safe integer`);
  let maxTimestamp = n > 0 ? -Infinity : baseTimestamp;
  const bodyBytes = new Int32Array(n);
  const headerKeys: (Buffer[] | null)[] = new Array(n);
  let recordsBytes = 0;
  for (let i = 0; i < n; i++) {
    const rec = records[i]!;
    const ts = timestamps[i]!;
    if (ts > maxTimestamp) maxTimestamp = ts;
    const offsetDelta = rec.offsetDelta ?? i;
    let size = 1 + varlongSize(ts - baseTimestamp) + varintSize(offsetDelta) + bytesField(rec.key) + bytesField(rec.value);
    const headers = rec.headers;
    if (headers === undefined || headers.length === 0) {
      size += 1;
      headerKeys[i] = null;
    } else {
      const keys: Buffer[] = new Array(headers.length);
      size += varintSize(headers.length);
      for (let h = 0; h < headers.length; h++) {
        const k = Buffer.from(headers[h]!.key, 'utf8');
        keys[h] = k;
        size += varintSize(k.length) + k.length + bytesField(headers[h]!.value);
      }
      headerKeys[i] = keys;
    }
    bodyBytes[i] = size;
    recordsBytes += varintSize(size) + size;
  }
  const lastOffsetDelta = input.lastOffsetDelta ?? (n > 0 ? (records[n - 1]!.offsetDelta ?? n - 1) : 0);
  return { recordsBytes, bodyBytes, headerKeys, timestamps, baseTimestamp, maxTimestamp: input.maxTimestamp ?? maxTimestamp, lastOffsetDelta };
}

function writeBytesField(w: Writer, b: Uint8Array | null | undefined): void {
  if (b == null) {
    w.varint(-1);
  } else {
    w.varint(b.length);
    w.raw(b);
  }
}

/** Second pass: the records themselves. */
function writeRecords(w: Writer, input: RecordBatchInput, p: Plan): void {
  const records = input.records;
  for (let i = 0; i < records.length; i++) {
    const rec = records[i]!;
    w.varint(p.bodyBytes[i]!);
    w.int8(0);
    w.varlongNumber(p.timestamps[i]! - p.baseTimestamp);
    w.varint(rec.offsetDelta ?? i);
    writeBytesField(w, rec.key);
    writeBytesField(w, rec.value);
    const keys = p.headerKeys[i];
    if (keys == null) {
      w.varint(0);
      continue;
    }
    w.varint(keys.length);
    for (let h = 0; h < keys.length; h++) {
      w.varint(keys[h]!.length);
      w.raw(keys[h]!);
      writeBytesField(w, rec.headers![h]!.value);
    }
  }
}

function attributesOf(input: RecordBatchInput): number {
  let a = (input.compression ?? CompressionType.none) & BatchAttributes.compressionMask;
  if (input.timestampType === TimestampType.logAppendTime) a |= BatchAttributes.timestampType;
  if (input.isTransactional) a |= BatchAttributes.transactional;
  if (input.isControl) a |= BatchAttributes.control;
  if (input.hasDeleteHorizon) a |= BatchAttributes.deleteHorizon;
  return a;
}

/** The 61-byte header with batchLength and crc left as zero, followed by the payload. */
function writeHeader(w: Writer, input: RecordBatchInput, p: Plan): void {
  const count = input.records.length;
  w.int64(input.baseOffset ?? 0n);
  w.int32(0); // batchLength, patched
  w.int32(input.partitionLeaderEpoch ?? NO_PARTITION_LEADER_EPOCH);
  w.int8(RECORD_BATCH_MAGIC);
  w.uint32(0); // crc, patched
  w.int16(attributesOf(input));
  w.int32(p.lastOffsetDelta);
  w.int64(BigInt(p.baseTimestamp));
  w.int64(BigInt(p.maxTimestamp));
  w.int64(input.producerId ?? NO_PRODUCER_ID);
  w.int16(input.producerEpoch ?? NO_PRODUCER_EPOCH);
  w.int32(input.baseSequence ?? NO_SEQUENCE);
  w.int32(count);
}

function seal(batch: Buffer): Buffer {
  batch.writeInt32BE(batch.length - LOG_OVERHEAD, BatchField.batchLength);
  batch.writeUInt32BE(crc32c(batch.subarray(CRC_START)), BatchField.crc);
  return batch;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function checkInt(name: string, v: number | undefined, min: number, max: number): void {
  if (v !== undefined && !(Number.isInteger(v) && v >= min && v <= max)) throw invalid(`${name} ${v} is out of range ${min}..${max}`);
}

function checkInt64(name: string, v: bigint | undefined): void {
  if (v !== undefined && (v < INT64_MIN || v > INT64_MAX)) throw invalid(`${name} ${v} is not an int64`);
}

/** Header fields are checked up front so a bad value is ENCODE_INVALID, not a RangeError from a Buffer write. */
function checkInput(input: RecordBatchInput): void {
  checkInt('compression', input.compression, 0, 4);
  checkInt('producerEpoch', input.producerEpoch, -1, 0x7fff);
  checkInt('partitionLeaderEpoch', input.partitionLeaderEpoch, -1, 0x7fffffff);
  checkInt('baseSequence', input.baseSequence, -1, 0x7fffffff);
  checkInt('lastOffsetDelta', input.lastOffsetDelta, 0, 0x7fffffff);
  checkInt64('baseOffset', input.baseOffset);
  checkInt64('producerId', input.producerId);
  const records = input.records;
  for (let i = 0; i < records.length; i++) {
    const od = records[i]!.offsetDelta;
    if (od !== undefined && (od | 0) !== od) throw invalid(`record ${i} offsetDelta ${od} is not an int32`);
  }
}

/** Builds a batch; compression, if any, runs synchronously. */
export function buildRecordBatch(input: RecordBatchInput): Buffer {
  checkInput(input);
  const p = plan(input);
  const compression = input.compression ?? CompressionType.none;
  if (compression === CompressionType.none) {
    const w = new Writer(RECORD_BATCH_OVERHEAD + p.recordsBytes);
    writeHeader(w, input, p);
    writeRecords(w, input, p);
    return seal(w.finish());
  }
  const body = new Writer(Math.max(64, p.recordsBytes)); // Writer cannot grow from 0
  writeRecords(body, input, p);
  return finishCompressed(input, p, compressSync(compression, body.finish(), levelOf(input)));
}

/** Builds a batch with gzip and snappy compression off the event loop. */
export async function buildRecordBatchAsync(input: RecordBatchInput): Promise<Buffer> {
  const compression = input.compression ?? CompressionType.none;
  if (compression === CompressionType.none) return buildRecordBatch(input);
  checkInput(input);
  const p = plan(input);
  const body = new Writer(Math.max(64, p.recordsBytes)); // Writer cannot grow from 0
  writeRecords(body, input, p);
  return finishCompressed(input, p, await compress(compression, body.finish(), levelOf(input)));
}

function levelOf(input: RecordBatchInput): { level?: number } {
  return input.compressionLevel === undefined ? {} : { level: input.compressionLevel };
}

function finishCompressed(input: RecordBatchInput, p: Plan, payload: Buffer): Buffer {
  const w = new Writer(RECORD_BATCH_OVERHEAD + payload.length);
  writeHeader(w, input, p);
  w.raw(payload);
  return seal(w.finish());
}
