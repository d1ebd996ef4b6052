/**
 * One batch in the making for one partition: records are written into a buffer from the
 * buffer pool as they are sent (record batch v2 layout, after room for the 61-byte header),
 * with one delivery callback per record. Closing it writes the header (and compresses the
 * records if asked); the producer id, epoch and sequence are stamped, and the CRC computed,
 * each time it is drained, because an epoch bump can give an unsent batch new ones.
 */
import { BatchField, compressSync, CompressionType, crc32c, CRC_START, LOG_OVERHEAD, RECORD_BATCH_MAGIC, RECORD_BATCH_OVERHEAD } from '@samsa/protocol';
import type { SamsaClientError } from '../errors.js';
import { fieldSize, varintSize, varlongSize, writeField, writeHeaders, writeVarint, writeVarlong, type Bytes } from './record-encoding.js';

export interface RecordMetadata {
  readonly topic: string;
  readonly partition: number;
  /** The record's offset; -1 with acks=0. A JS number: offsets stay below 2^53 (asserted). */
  readonly offset: number;
  /** CreateTime given or taken at send, or the broker's LogAppendTime when the topic uses it. */
  readonly timestamp: number;
}

export type DeliveryCallback = (err: SamsaClientError | null, metadata: RecordMetadata | null) => void;

export interface AppendInput {
  timestamp: number;
  key: Bytes | null | undefined;
  keyLength: number;
  value: Bytes | null | undefined;
  valueLength: number;
  headers: ReadonlyArray<readonly [string, Bytes | null]> | null;
  headersBytes: number;
  callback: DeliveryCallback | null;
}

export class ProducerBatch {
  /** Write position: the end of the records so far. */
  private position = RECORD_BATCH_OVERHEAD;
  recordCount = 0;
  private baseTimestamp = 0;
  /** The encoded size of the last record appended. */
  private lastRecordBytes = 1;
  private maxTimestamp = 0;
  /**
   * Delivery, per run of consecutive records that share a callback and a timestamp (a loop
   * of sends with one callback is a run per millisecond): arrays with an entry per record
   * were most of what the producer allocated, and they live until the acknowledgement, so
   * at 2M records/s they were promoted and collected by full GCs (39% of the CPU).
   */
  readonly runCallbacks: Array<DeliveryCallback | null> = [];
  readonly runTimestamps: number[] = [];
  readonly runCounts: number[] = [];
  /** The sealed batch (header + records, compressed or not); null while open. */
  bytes: Buffer | null = null;
  /** Producer fields stamped into `bytes`: -1 until the batch is drained by an idempotent producer. */
  producerId = -1n;
  producerEpoch = -1;
  baseSequence = -1;
  attempts = 0;
  retryAtMs = 0;
  inFlight = false;
  done = false;

  constructor(
    readonly topic: string,
    readonly partition: number,
    /** From the buffer pool; given back once the batch no longer needs it. */
    public buffer: Buffer | null,
    /** batch.size: a batch with records takes no record that would carry it past this. */
    private readonly sizeLimit: number,
    readonly createdMs: number,
  ) {}

  get sizeInBytes(): number {
    return this.bytes ? this.bytes.length : this.position;
  }

  get isOpen(): boolean {
    return this.bytes === null;
  }

  /**
   * True when no record of `recordBytes` more would be taken; by default, no record the size
   * of the last one: a batch a few bytes short of batch.size then goes without waiting out
   * linger.ms for a record that would most likely not fit.
   */
  isFull(recordBytes = this.lastRecordBytes): boolean {
    return this.bytes !== null || (this.recordCount > 0 && this.position + recordBytes > this.sizeLimit);
  }

  /** A record's length field: everything after it (its timestamp delta and offset delta vary per batch). */
  private bodySize(r: AppendInput): number {
    const tsDelta = this.recordCount === 0 ? 0 : r.timestamp - this.baseTimestamp;
    return 1 + varlongSize(tsDelta) + varintSize(this.recordCount) + fieldSize(r.keyLength) + fieldSize(r.valueLength) + r.headersBytes;
  }

  /** Appends if the record fits (in batch.size and the buffer); false leaves the batch untouched. */
  tryAppend(r: AppendInput): boolean {
    if (this.bytes !== null || this.buffer === null) return false;
    const body = this.bodySize(r);
    const size = varintSize(body) + body;
    if (this.recordCount > 0 && this.position + size > this.sizeLimit) return false;
    if (this.position + size > this.buffer.length) return false;
    if (this.recordCount === 0) this.baseTimestamp = this.maxTimestamp = r.timestamp;
    else if (r.timestamp > this.maxTimestamp) this.maxTimestamp = r.timestamp;
    const buf = this.buffer;
    let pos = writeVarint(buf, this.position, body);
    buf[pos++] = 0; // record attributes: unused
    pos = writeVarlong(buf, pos, r.timestamp - this.baseTimestamp);
    pos = writeVarint(buf, pos, this.recordCount);
    pos = writeField(buf, pos, r.key, r.keyLength);
    pos = writeField(buf, pos, r.value, r.valueLength);
    pos = writeHeaders(buf, pos, r.headers);
    this.position = pos;
    this.lastRecordBytes = size;
    this.recordCount++;
    const last = this.runCounts.length - 1;
    if (last >= 0 && this.runCallbacks[last] === r.callback && this.runTimestamps[last] === r.timestamp) this.runCounts[last]!++;
    else {
      this.runCallbacks.push(r.callback);
      this.runTimestamps.push(r.timestamp);
      this.runCounts.push(1);
    }
    return true;
  }

  /**
   * Writes the header and ends appends. With compression the records are compressed into a
   * new buffer, and the pooled one can be given back at once (returned here).
   */
  seal(compression: CompressionType): Buffer | null {
    if (this.bytes !== null) return null;
    const buf = this.buffer!;
    let out: Buffer;
    let freed: Buffer | null = null;
    if (compression === CompressionType.none) {
      out = buf.subarray(0, this.position);
    } else {
      const payload = compressSync(compression, buf.subarray(RECORD_BATCH_OVERHEAD, this.position));
      out = Buffer.allocUnsafe(RECORD_BATCH_OVERHEAD + payload.length);
      payload.copy(out, RECORD_BATCH_OVERHEAD);
      freed = buf;
      this.buffer = null;
    }
    out.writeBigInt64BE(0n, BatchField.baseOffset);
    out.writeInt32BE(out.length - LOG_OVERHEAD, BatchField.batchLength);
    out.writeInt32BE(-1, BatchField.partitionLeaderEpoch);
    out[BatchField.magic] = RECORD_BATCH_MAGIC;
    out.writeInt16BE(compression, BatchField.attributes);
    out.writeInt32BE(this.recordCount - 1, BatchField.lastOffsetDelta);
    writeInt64Number(out, BatchField.baseTimestamp, this.baseTimestamp);
    writeInt64Number(out, BatchField.maxTimestamp, this.maxTimestamp);
    out.writeInt32BE(this.recordCount, BatchField.recordsCount);
    this.bytes = out;
    this.stamp(-1n, -1, -1);
    return freed;
  }

  /** Sets the producer fields and recomputes the CRC (they are inside its range). */
  stamp(producerId: bigint, producerEpoch: number, baseSequence: number): void {
    const out = this.bytes!;
    this.producerId = producerId;
    this.producerEpoch = producerEpoch;
    this.baseSequence = baseSequence;
    out.writeBigInt64BE(producerId, BatchField.producerId);
    out.writeInt16BE(producerEpoch, BatchField.producerEpoch);
    out.writeInt32BE(baseSequence, BatchField.baseSequence);
    out.writeUInt32BE(crc32c(out.subarray(CRC_START)), BatchField.crc);
  }

  /** The sequence of the last record (sequences wrap at Int32.MAX, as Kafka's do). */
  get lastSequence(): number {
    const last = this.baseSequence + this.recordCount - 1;
    return last > 0x7fffffff ? last - 0x80000000 : last;
  }
}

function writeInt64Number(buf: Buffer, at: number, v: number): void {
  // Timestamps are safe integers; writing hi/lo words avoids a BigInt per batch field.
  const hi = Math.floor(v / 0x100000000);
  buf.writeInt32BE(hi, at);
  buf.writeUInt32BE(v - hi * 0x100000000, at + 4);
}
