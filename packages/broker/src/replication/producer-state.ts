/**
 * Idempotent producers on one partition: for each producer id, its epoch and its last five
 * batches' sequence ranges and offsets. A retried batch that matches one of them is a
 * duplicate and gets its original offsets back; a sequence gap is OUT_OF_ORDER_SEQUENCE_NUMBER;
 * an older epoch is fenced. Pure state: the partition decides when to check and record.
 */
import { ErrorCode } from '@samsa/protocol';

/** Kafka keeps this many batches per producer, matching max.in.flight.requests.per.connection <= 5. */
export const BATCHES_KEPT = 5;

export interface BatchRecord {
  firstSeq: number;
  lastSeq: number;
  firstOffset: number;
  lastOffset: number;
}

export interface ProducerEntry {
  epoch: number;
  batches: BatchRecord[];
  /** Wall-clock ms of the last append, for producer.id.expiration.ms. */
  lastTimestamp: number;
}

export type SequenceCheck =
  | { kind: 'append' }
  | { kind: 'duplicate'; batch: BatchRecord }
  | { kind: 'error'; errorCode: number; message: string };

const INT32_MAX = 2147483647;

/** The sequence after `seq`, wrapping at Int32.MAX as Kafka's producers do. */
function nextSeq(seq: number): number {
  return seq === INT32_MAX ? 0 : seq + 1;
}

export function lastSeqOf(baseSequence: number, lastOffsetDelta: number): number {
  const last = baseSequence + lastOffsetDelta;
  return last > INT32_MAX ? last - INT32_MAX - 1 : last;
}

export class ProducerStateTable {
  readonly producers = new Map<bigint, ProducerEntry>();

  /** What to do with a batch from an idempotent producer (producerId >= 0). */
  check(producerId: bigint, epoch: number, firstSeq: number, lastSeq: number): SequenceCheck {
    const entry = this.producers.get(producerId);
    if (!entry) {
      // A producer we have never seen (or that expired) must start at sequence 0.
      if (firstSeq !== 0) {
        return { kind: 'error', errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, message: `producer ${producerId} is unknown here and its first sequence is ${firstSeq}, not 0` };
      }
      return { kind: 'append' };
    }
    if (epoch < entry.epoch) {
      return { kind: 'error', errorCode: ErrorCode.INVALID_PRODUCER_EPOCH, message: `producer ${producerId} epoch ${epoch} is fenced by epoch ${entry.epoch}` };
    }
    if (epoch > entry.epoch) {
      if (firstSeq !== 0) {
        return { kind: 'error', errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, message: `producer ${producerId} began epoch ${epoch} at sequence ${firstSeq}, not 0` };
      }
      return { kind: 'append' };
    }
    const dup = entry.batches.find((b) => b.firstSeq === firstSeq && b.lastSeq === lastSeq);
    if (dup) return { kind: 'duplicate', batch: dup };
    const last = entry.batches[entry.batches.length - 1];
    if (last && firstSeq !== nextSeq(last.lastSeq)) {
      return {
        kind: 'error',
        errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
        message: `producer ${producerId} sent sequence ${firstSeq}; ${nextSeq(last.lastSeq)} was expected`,
      };
    }
    return { kind: 'append' };
  }

  /** Records an appended batch (also used when rebuilding from the log). */
  record(producerId: bigint, epoch: number, batch: BatchRecord, timestamp: number): void {
    let entry = this.producers.get(producerId);
    if (!entry || epoch > entry.epoch) {
      entry = { epoch, batches: [], lastTimestamp: timestamp };
      this.producers.set(producerId, entry);
    }
    entry.batches.push(batch);
    if (entry.batches.length > BATCHES_KEPT) entry.batches.shift();
    entry.lastTimestamp = Math.max(entry.lastTimestamp, timestamp);
  }

  /** Forgets producers idle for longer than producer.id.expiration.ms. */
  expire(nowMs: number, expirationMs: number): number {
    let n = 0;
    for (const [id, e] of this.producers) {
      if (nowMs - e.lastTimestamp > expirationMs) {
        this.producers.delete(id);
        n++;
      }
    }
    return n;
  }

  /** Drops what a truncation removed: batches at or past `offset`. */
  truncateTo(offset: number): void {
    for (const [id, e] of this.producers) {
      e.batches = e.batches.filter((b) => b.lastOffset < offset);
      if (e.batches.length === 0) this.producers.delete(id);
    }
  }

  toJSON(): unknown {
    return [...this.producers].map(([id, e]) => ({ id: id.toString(), epoch: e.epoch, lastTimestamp: e.lastTimestamp, batches: e.batches }));
  }

  static fromJSON(data: unknown): ProducerStateTable {
    const t = new ProducerStateTable();
    for (const p of data as Array<{ id: string; epoch: number; lastTimestamp: number; batches: BatchRecord[] }>) {
      t.producers.set(BigInt(p.id), { epoch: p.epoch, lastTimestamp: p.lastTimestamp, batches: p.batches });
    }
    return t;
  }
}
