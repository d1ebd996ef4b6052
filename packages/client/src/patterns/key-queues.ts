/**
 * N in-memory FIFO queues with one worker each. A record goes to the queue its key hashes to,
 * so records of one key run one at a time in the order they were pushed, while different
 * keys run in parallel. A record without a key goes by its topic-partition instead, so a
 * partition's keyless records also keep their order.
 *
 * The hash is murmur2 (as the partitioner) followed by Fibonacci hashing (the high bits of
 * h * 2^32/phi). Not murmur2 % N: the partitioner put the record in partition murmur2 % P,
 * so with 4 partitions and 16 queues one partition's records could only reach 4 queues, and
 * poll() hands out one partition's records at a time: a bench measured 4x instead of 16x.
 *
 * A worker is a loop started when its queue gets a record and ended when the queue is empty,
 * so an idle KeyQueues holds no timers and no pending promises.
 */
import { murmur2 } from '@samsa/protocol';
import type { ConsumerRecord } from '../consumer/types.js';
import type { CompletionTracker } from './completion-tracker.js';

export interface QueuedRecord {
  readonly record: ConsumerRecord;
  /** The tracker of the partition as it was assigned when the record was queued (a reassignment makes a new one). */
  readonly tracker: CompletionTracker;
  readonly bytes: number;
}

interface Queue {
  items: Array<QueuedRecord | undefined>;
  head: number;
  running: boolean;
}

export interface KeyQueuesHooks {
  handle(record: ConsumerRecord): Promise<unknown> | unknown;
  /** After the handler resolved. */
  onDone(q: QueuedRecord): void;
  /** The handler threw: the worker stops taking records (the record is not done). */
  onError(q: QueuedRecord, error: unknown): void;
}

const keylessKey = (r: ConsumerRecord): Buffer => Buffer.from(`${r.topic}\u0000${r.partition}`);

/** The queue a record goes to: from murmur2 of its key, or of its topic-partition when it has none. */
export function queueIndexOf(record: ConsumerRecord, queueCount: number): number {
  const mixed = Math.imul(murmur2(record.key ?? keylessKey(record)), 0x9e3779b1) >>> 0;
  return Math.floor((mixed / 2 ** 32) * queueCount);
}

/** An estimate of a record's memory: key, value and header bytes plus a fixed overhead. */
export function recordBytes(r: ConsumerRecord): number {
  let n = 64 + (r.key?.length ?? 0) + (r.value?.length ?? 0);
  for (const h of r.headers) n += h.key.length + (h.value?.length ?? 0);
  return n;
}

export class KeyQueues {
  private readonly queues: Queue[];
  /** Records pushed and not finished (queued or running). */
  records = 0;
  bytes = 0;
  private stopped = false;

  constructor(queueCount: number, private readonly hooks: KeyQueuesHooks) {
    if (!Number.isInteger(queueCount) || queueCount < 1) throw new RangeError(`queue count must be a positive integer, got ${queueCount}`);
    this.queues = Array.from({ length: queueCount }, () => ({ items: [], head: 0, running: false }));
  }

  push(q: QueuedRecord): void {
    const queue = this.queues[queueIndexOf(q.record, this.queues.length)]!;
    queue.items.push(q);
    this.records++;
    this.bytes += q.bytes;
    if (!queue.running && !this.stopped) void this.work(queue);
  }

  /** Removes queued (not running) records that `drop` selects; returns how many. */
  remove(drop: (q: QueuedRecord) => boolean): number {
    let removed = 0;
    for (const queue of this.queues) {
      const kept: QueuedRecord[] = [];
      for (let i = queue.head; i < queue.items.length; i++) {
        const q = queue.items[i]!;
        if (drop(q)) {
          removed++;
          this.records--;
          this.bytes -= q.bytes;
        } else kept.push(q);
      }
      queue.items = kept;
      queue.head = 0;
    }
    return removed;
  }

  /** Workers finish the record they run and take no more. */
  stop(): void {
    this.stopped = true;
  }

  private async work(queue: Queue): Promise<void> {
    queue.running = true;
    try {
      while (!this.stopped && queue.head < queue.items.length) {
        const q = queue.items[queue.head]!;
        queue.items[queue.head++] = undefined;
        let failed = false;
        try {
          await this.hooks.handle(q.record);
        } catch (e) {
          failed = true;
          this.hooks.onError(q, e);
        }
        this.records--;
        this.bytes -= q.bytes;
        if (!failed) this.hooks.onDone(q);
        if (queue.head > 1024 && queue.head * 2 > queue.items.length) {
          queue.items = queue.items.slice(queue.head);
          queue.head = 0;
        }
      }
    } finally {
      queue.running = false;
    }
  }
}
