/**
 * What the consumer reads and where it stands (Kafka's SubscriptionState): the subscription
 * (topics, a pattern, or partitions assigned by the user), the current assignment, and per
 * assigned partition its position (the next offset to return), the leader epoch of the last
 * record returned, whether it is paused and whether it waits for an offset reset.
 */
import { SamsaClientError } from '../errors.js';
import { tpKey, tpString, type RebalanceListener, type TopicPartition } from './types.js';

export type SubscriptionType = 'none' | 'topics' | 'pattern' | 'assigned';
export type ResetStrategy = 'earliest' | 'latest';

export interface PartitionState {
  readonly topic: string;
  readonly partition: number;
  readonly key: string;
  /** The offset of the next record to return; null until it is known (committed offset or reset). */
  position: number | null;
  /** The leader epoch of the last record returned (committed with the offset), or null. */
  positionEpoch: number | null;
  paused: boolean;
  /** Set when the position must be looked up with ListOffsets. */
  reset: ResetStrategy | null;
  highWatermark: number;
  /** Bumped by every seek or reset, so a fetch sent before it is recognised as stale. */
  epoch: number;
}

export class SubscriptionState {
  type: SubscriptionType = 'none';
  pattern: RegExp | null = null;
  listener: RebalanceListener = {};
  /** The topics subscribed to (for a pattern, those that matched at the last metadata update). */
  topics = new Set<string>();
  private readonly assignment = new Map<string, PartitionState>();

  subscribe(topics: readonly string[], listener: RebalanceListener): void {
    this.setType('topics');
    this.topics = new Set(topics);
    this.listener = listener;
  }

  subscribePattern(pattern: RegExp, listener: RebalanceListener): void {
    this.setType('pattern');
    this.pattern = pattern;
    this.topics = new Set();
    this.listener = listener;
  }

  /** The topics a pattern subscription matches among `all`; true when that changed the set. */
  matchPattern(all: Iterable<string>): boolean {
    if (this.type !== 'pattern' || !this.pattern) return false;
    const matched = new Set<string>();
    for (const t of all) {
      this.pattern.lastIndex = 0;
      if (this.pattern.test(t)) matched.add(t);
    }
    const changed = matched.size !== this.topics.size || [...matched].some((t) => !this.topics.has(t));
    this.topics = matched;
    return changed;
  }

  assignFromUser(partitions: readonly TopicPartition[]): void {
    this.setType('assigned');
    this.setAssignment(partitions);
    this.topics = new Set(partitions.map((p) => p.topic));
  }

  /** The group's assignment: partitions kept keep their position, the rest are dropped. */
  assignFromGroup(partitions: readonly TopicPartition[]): void {
    this.setAssignment(partitions);
  }

  unsubscribe(): void {
    this.type = 'none';
    this.pattern = null;
    this.topics = new Set();
    this.listener = {};
    this.assignment.clear();
  }

  private setType(type: SubscriptionType): void {
    if (this.type !== 'none' && this.type !== type && !(this.type !== 'assigned' && type !== 'assigned')) {
      throw new SamsaClientError('ILLEGAL_STATE', 'subscription to topics, a pattern and user-assigned partitions are mutually exclusive: unsubscribe() first');
    }
    this.type = type;
  }

  private setAssignment(partitions: readonly TopicPartition[]): void {
    const next = new Map<string, PartitionState>();
    for (const { topic, partition } of partitions) {
      const key = tpKey(topic, partition);
      next.set(key, this.assignment.get(key) ?? { topic, partition, key, position: null, positionEpoch: null, paused: false, reset: null, highWatermark: -1, epoch: 0 });
    }
    this.assignment.clear();
    for (const [k, v] of next) this.assignment.set(k, v);
  }

  get usesGroup(): boolean {
    return this.type === 'topics' || this.type === 'pattern';
  }

  assigned(): TopicPartition[] {
    return [...this.assignment.values()].map((s) => ({ topic: s.topic, partition: s.partition }));
  }

  states(): IterableIterator<PartitionState> {
    return this.assignment.values();
  }

  state(topic: string, partition: number): PartitionState | undefined {
    return this.assignment.get(tpKey(topic, partition));
  }

  stateByKey(key: string): PartitionState | undefined {
    return this.assignment.get(key);
  }

  /** The state of an assigned partition; ILLEGAL_STATE otherwise, as Kafka's IllegalStateException. */
  required(tp: TopicPartition): PartitionState {
    const s = this.assignment.get(tpKey(tp.topic, tp.partition));
    if (!s) throw new SamsaClientError('ILLEGAL_STATE', `no current assignment for partition ${tpString(tp)}`);
    return s;
  }

  seek(s: PartitionState, offset: number, epoch: number | null = null): void {
    s.position = offset;
    s.positionEpoch = epoch;
    s.reset = null;
    s.epoch++;
  }

  requestReset(s: PartitionState, strategy: ResetStrategy): void {
    s.reset = strategy;
    s.position = null;
    s.epoch++;
  }

  /** Partitions to fetch from: assigned, not paused, with a known position. */
  *fetchable(): Generator<PartitionState> {
    for (const s of this.assignment.values()) if (!s.paused && s.position !== null) yield s;
  }

  /** Offsets to commit for everything consumed so far: each position with its epoch. */
  consumed(): Map<string, { topic: string; partition: number; offset: number; leaderEpoch: number | null }> {
    const out = new Map<string, { topic: string; partition: number; offset: number; leaderEpoch: number | null }>();
    for (const s of this.assignment.values()) if (s.position !== null) out.set(s.key, { topic: s.topic, partition: s.partition, offset: s.position, leaderEpoch: s.positionEpoch });
    return out;
  }
}
