/**
 * What the consumer hands out and takes in: records, topic-partitions, committed offsets and
 * the rebalance listener. Offsets are JS numbers (safe integers, checked where they arrive
 * from the wire), as in the producer's RecordMetadata.
 */
import type { RecordHeader } from '@samsa/protocol';

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

export interface ConsumerRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** ms since the epoch: CreateTime, or the broker's LogAppendTime (see timestampType). */
  readonly timestamp: number;
  readonly timestampType: 'CreateTime' | 'LogAppendTime';
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  /** In record order; a key may repeat. */
  readonly headers: readonly RecordHeader[];
  /** The leader epoch the batch was written in, or null when the broker did not stamp one. */
  readonly leaderEpoch: number | null;
}

/** An offset to commit: the offset of the next record to consume, as in Kafka. */
export interface OffsetAndMetadata {
  readonly offset: number;
  readonly leaderEpoch?: number | null;
  readonly metadata?: string;
}

export interface CommittedOffset {
  readonly offset: number;
  readonly leaderEpoch: number | null;
  readonly metadata: string;
}

/**
 * Kafka's ConsumerRebalanceListener. Each callback is awaited inside poll() (or the iterator
 * or run() that calls it), so a callback may commit offsets or seek before fetching goes on.
 */
export interface RebalanceListener {
  /** Partitions this member gives up (all of them under the eager protocol, the moved ones under cooperative). */
  onPartitionsRevoked?(partitions: TopicPartition[]): unknown;
  /** Partitions newly given (all of the assignment under eager, only the added ones under cooperative). */
  onPartitionsAssigned?(partitions: TopicPartition[]): unknown;
  /** Partitions that were already given to others (the member was removed): offsets must not be committed. */
  onPartitionsLost?(partitions: TopicPartition[]): unknown;
}

export function tpKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

export function tpOfKey(key: string): TopicPartition {
  const at = key.lastIndexOf('\u0000');
  return { topic: key.slice(0, at), partition: Number(key.slice(at + 1)) };
}

export function tpString(tp: TopicPartition): string {
  return `${tp.topic}-${tp.partition}`;
}

/** An int64 offset from the wire as a number; past 2^53 it would round, so it is refused. */
export function offsetNumber(v: bigint): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new RangeError(`offset ${v} is beyond Number.MAX_SAFE_INTEGER`);
  return n;
}
