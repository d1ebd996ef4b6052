/**
 * The record accumulator: per partition, a queue of batches waiting to be sent, the newest
 * one open for appends. A send appends to the open batch, or starts a new one with a
 * buffer from the pool (batch.size, or larger for a record that needs it); the sender
 * drains the oldest. Batches sent and waiting for a retry come back to the front, in
 * sequence order, so a partition's records keep their order.
 */
import { RECORD_BATCH_OVERHEAD, type CompressionType } from '@samsa/protocol';
import type { BufferPool } from './buffer-pool.js';
import { ProducerBatch, type AppendInput } from './producer-batch.js';
import { recordSizeUpperBound } from './record-encoding.js';

export interface PartitionQueue {
  readonly topic: string;
  readonly partition: number;
  /** Not yet in a request, oldest first (retries at the front). */
  readonly batches: ProducerBatch[];
  /** Batches of this partition in requests now. */
  inFlight: number;
  /** Idempotence: the base sequence the next new batch gets. */
  nextSequence: number;
  /** Idempotence: the last sequence the broker acknowledged, -1 before any. */
  lastAckedSequence: number;
}

export const AppendResult = {
  /** Appended to the open batch. */
  Appended: 0,
  /** Appended to a new batch (the one before it, if any, is full and ready). */
  NewBatch: 1,
  /** No room in buffer.memory for a new batch: the send must wait. */
  NoMemory: 2,
} as const;
export type AppendResult = (typeof AppendResult)[keyof typeof AppendResult];

export class RecordAccumulator {
  private readonly topics = new Map<string, PartitionQueue[]>();
  private lastTopic: string | null = null;
  private lastList: PartitionQueue[] | null = null;
  /** Every batch not yet completed or failed (for flush and close). */
  readonly incomplete = new Set<ProducerBatch>();
  /**
   * What the last append() wrote: the record's encoded bytes (plus the batch header when it
   * started a batch), and whether that batch can take no other record of the same size. The
   * sticky partitioner counts these; fields, not a returned object, to allocate nothing per record.
   */
  lastAppendedBytes = 0;
  lastBatchFull = false;

  constructor(
    private readonly pool: BufferPool,
    private readonly batchSize: number,
    readonly compression: CompressionType,
  ) {}

  queue(topic: string, partition: number): PartitionQueue {
    let list = topic === this.lastTopic ? this.lastList! : this.topics.get(topic);
    if (!list) this.topics.set(topic, (list = []));
    // A topic's list is never replaced: the last one looked up can be kept.
    this.lastTopic = topic;
    this.lastList = list;
    let q = list[partition];
    if (!q) list[partition] = q = { topic, partition, batches: [], inFlight: 0, nextSequence: 0, lastAckedSequence: -1 };
    return q;
  }

  *queues(): IterableIterator<PartitionQueue> {
    for (const list of this.topics.values()) for (const q of list) if (q) yield q;
  }

  /** `nowMs` (the new batch's creation time) is read only when a batch starts: a clock read per record shows in profiles. */
  append(topic: string, partition: number, r: AppendInput, nowMs?: number): AppendResult {
    const q = this.queue(topic, partition);
    const last = q.batches.length > 0 ? q.batches[q.batches.length - 1]! : undefined;
    if (last !== undefined) {
      const before = last.sizeInBytes;
      if (last.tryAppend(r)) {
        this.lastAppendedBytes = last.sizeInBytes - before;
        this.lastBatchFull = last.isFull();
        return AppendResult.Appended;
      }
    }
    const size = Math.max(this.batchSize, RECORD_BATCH_OVERHEAD + recordSizeUpperBound(r.keyLength, r.valueLength, r.headersBytes));
    const buffer = this.pool.tryAllocate(size);
    if (buffer === null) return AppendResult.NoMemory;
    const batch = new ProducerBatch(topic, partition, buffer, this.batchSize, nowMs ?? Date.now());
    if (!batch.tryAppend(r)) throw new Error(`a record of at most ${size} bytes did not fit a new ${size}-byte batch`);
    q.batches.push(batch);
    this.incomplete.add(batch);
    this.lastAppendedBytes = batch.sizeInBytes;
    this.lastBatchFull = batch.isFull();
    return AppendResult.NewBatch;
  }

  /** Seals a batch taken for sending; a compressed batch gives its pooled buffer back at once. */
  seal(batch: ProducerBatch): void {
    const freed = batch.seal(this.compression);
    if (freed) this.pool.release(freed);
  }

  /** Puts a batch back for a retry: before unsent ones, after retried ones with lower sequences. */
  reenqueue(batch: ProducerBatch): void {
    const q = this.queue(batch.topic, batch.partition);
    let i = 0;
    while (i < q.batches.length) {
      const b = q.batches[i]!;
      if (b.attempts === 0 || b.baseSequence < 0 || b.baseSequence > batch.baseSequence) break;
      i++;
    }
    q.batches.splice(i, 0, batch);
  }

  /** A batch is finished (acknowledged or failed): its buffer goes back to the pool. */
  deallocate(batch: ProducerBatch): void {
    batch.done = true;
    this.incomplete.delete(batch);
    if (batch.buffer) {
      const b = batch.buffer;
      batch.buffer = null;
      this.pool.release(b);
    }
  }

  /** Removes a not-yet-sent batch from its queue (delivery timeout, close). */
  remove(batch: ProducerBatch): void {
    const q = this.queue(batch.topic, batch.partition);
    const i = q.batches.indexOf(batch);
    if (i >= 0) q.batches.splice(i, 1);
  }
}
