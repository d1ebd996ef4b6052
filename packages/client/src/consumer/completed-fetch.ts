/**
 * One partition's fetched records, decoded as they are handed out (Kafka's CompletedFetch):
 * batches are split without copying, CRC-checked when check.crcs is on, decompressed one at
 * a time through @samsa/protocol, and read record by record, so max.poll.records can stop in
 * the middle of a batch and the next poll resumes there.
 *
 * Skipped and never returned: records below the fetch offset (a compressed batch starts
 * before it), control batches (transaction markers) and, for read_committed, batches of
 * aborted transactions listed in the response.
 */
import { Fetch, isControlBatch, isTransactional, iterateBatches, KafkaRecord, nextOffsetOf, readRecords, SamsaError, decodeControlRecordKey, ControlRecordType, timestampTypeOf, TimestampType, validateBatch, type RecordBatchView } from '@samsa/protocol';
import { SamsaClientError } from '../errors.js';
import { offsetNumber, type ConsumerRecord } from './types.js';

export interface DecodeOptions {
  checkCrcs: boolean;
  /** 1 = read_committed: aborted transactions are dropped. */
  isolationLevel: 0 | 1;
  /** The most one batch may decompress to. */
  maxBatchBytes: number;
}

export class CompletedFetch {
  /** The offset the next fetch of this partition starts at: past every batch read so far. */
  nextFetchOffset: number;
  /** The leader epoch of the last record handed out, or null. */
  lastEpoch: number | null = null;
  private readonly batches: Generator<RecordBatchView, number, undefined>;
  private records: Generator<KafkaRecord, void, undefined> | null = null;
  private batch: RecordBatchView | null = null;
  private batchBase = 0;
  private finished = false;
  /** read_committed: aborted transactions from the response, by first offset, and the producers now inside one. */
  private readonly aborted: Fetch.AbortedTransaction[];
  private readonly abortingProducers = new Set<bigint>();

  constructor(
    readonly topic: string,
    readonly partition: number,
    /** The position the fetch was sent for, with the partition state's epoch then. */
    readonly fetchOffset: number,
    readonly stateEpoch: number,
    records: Buffer,
    abortedTransactions: readonly Fetch.AbortedTransaction[] | null,
    private readonly opts: DecodeOptions,
  ) {
    this.nextFetchOffset = fetchOffset;
    this.batches = iterateBatches(records);
    this.aborted = opts.isolationLevel === 1 && abortedTransactions ? [...abortedTransactions].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : 1)) : [];
  }

  get done(): boolean {
    return this.finished;
  }

  /**
   * Appends up to `max` records to `out`. A corrupt batch ends the data: the records before it
   * are appended, nextFetchOffset stays at it, and the CORRUPT_RECORD error is returned.
   */
  drain(max: number, out: ConsumerRecord[]): SamsaClientError | null {
    let n = 0;
    try {
      while (n < max && !this.finished) {
        if (this.records === null) {
          if (!this.nextBatch()) break;
          continue;
        }
        const next = this.nextRecord();
        if (next === null) continue;
        out.push(next);
        n++;
      }
    } catch (e) {
      if (e instanceof SamsaClientError) return e;
      throw e;
    }
    return null;
  }

  private nextRecord(): ConsumerRecord | null {
    let r: IteratorResult<KafkaRecord, void>;
    try {
      r = this.records!.next();
    } catch (e) {
      throw this.corrupt(e);
    }
    if (r.done) {
      this.nextFetchOffset = Math.max(this.nextFetchOffset, offsetNumber(nextOffsetOf(this.batch!.header)));
      this.records = null;
      this.batch = null;
      return null;
    }
    const rec = r.value;
    // Numbers, not bigints, per record: baseOffset was checked to be safe when the batch began.
    const offset = this.batchBase + rec.offsetDelta;
    if (offset < this.nextFetchOffset) return null;
    const h = this.batch!.header;
    const epoch = h.partitionLeaderEpoch >= 0 ? h.partitionLeaderEpoch : null;
    this.nextFetchOffset = offset + 1;
    this.lastEpoch = epoch;
    return {
      topic: this.topic,
      partition: this.partition,
      offset,
      timestamp: Number(rec.timestamp),
      timestampType: timestampTypeOf(h) === TimestampType.logAppendTime ? 'LogAppendTime' : 'CreateTime',
      key: rec.key,
      value: rec.value,
      headers: rec.headers,
      leaderEpoch: epoch,
    };
  }

  /** Moves to the next batch with records to return; false at the end of the data. */
  private nextBatch(): boolean {
    let it: IteratorResult<RecordBatchView, number>;
    try {
      it = this.batches.next();
    } catch (e) {
      throw this.corrupt(e);
    }
    if (it.done) {
      this.finished = true;
      return false;
    }
    const batch = it.value;
    const h = batch.header;
    const next = offsetNumber(nextOffsetOf(h));
    if (next <= this.nextFetchOffset) return true; // wholly before the position
    if (this.opts.checkCrcs) {
      try {
        validateBatch(batch.bytes, 0);
      } catch (e) {
        throw this.corrupt(e);
      }
    }
    if (this.opts.isolationLevel === 1) {
      while (this.aborted.length > 0 && this.aborted[0]!.firstOffset <= h.baseOffset) this.abortingProducers.add(this.aborted.shift()!.producerId);
    }
    if (isControlBatch(h)) {
      if (this.opts.isolationLevel === 1 && this.isAbortMarker(batch)) this.abortingProducers.delete(h.producerId);
      this.nextFetchOffset = next;
      return true;
    }
    if (this.opts.isolationLevel === 1 && isTransactional(h) && this.abortingProducers.has(h.producerId)) {
      this.nextFetchOffset = next;
      return true;
    }
    try {
      this.records = readRecords(batch, { maxBytes: this.opts.maxBatchBytes });
    } catch (e) {
      throw this.corrupt(e);
    }
    this.batch = batch;
    this.batchBase = offsetNumber(h.baseOffset);
    return true;
  }

  private isAbortMarker(batch: RecordBatchView): boolean {
    try {
      for (const r of readRecords(batch)) return decodeControlRecordKey(r.key).type === ControlRecordType.abort;
    } catch {
      // An unreadable marker: treated as a commit, so nothing is dropped.
    }
    return false;
  }

  private corrupt(e: unknown): SamsaClientError {
    this.finished = true;
    const detail = e instanceof SamsaError || e instanceof Error ? e.message : String(e);
    return new SamsaClientError('CORRUPT_RECORD', `record batch for partition ${this.topic}-${this.partition} at offset ${this.nextFetchOffset} is invalid: ${detail}`, { cause: e });
  }
}
