/**
 * Kafka's built-in partitioner (Kafka 3.3+, KIP-794 refining KIP-480's sticky partitioner):
 * a keyed record goes to murmur2(key) % partitions over all partitions, exactly as the Java
 * client computes it, so producers in any language agree; an unkeyed record goes to the
 * topic's current sticky partition, which changes to another (chosen at random among the
 * partitions that have a leader) once batch.size bytes have been produced to it. Sticking
 * fills batches instead of spreading tiny ones over every partition.
 */
import { partitionForKey } from '@samsa/protocol';
import type { TopicMetadata } from '../metadata/metadata-cache.js';

interface StickyState {
  partition: number;
  bytes: number;
}

export class BuiltInPartitioner {
  private readonly sticky = new Map<string, StickyState>();
  /** The last topic's state: two map lookups per record showed in profiles. */
  private lastTopic: string | null = null;
  private lastState: StickyState | undefined;

  constructor(
    private readonly batchSize: number,
    private readonly random: () => number = Math.random,
  ) {}

  /** The partition for a keyed record. */
  static forKey(key: Uint8Array, numPartitions: number): number {
    return partitionForKey(key, numPartitions);
  }

  /** The sticky partition for the next unkeyed record of `topic`. */
  partition(topic: TopicMetadata): number {
    const s = this.state(topic.name);
    if (s && s.partition < topic.partitions.length) return s.partition;
    return this.next(topic, -1).partition;
  }

  /**
   * Counts bytes produced to the sticky partition (encoded, batch headers included) and moves
   * on after batch.size of them, but only once the batch they went into is full
   * (`enableSwitch`), as Kafka's RecordAccumulator allows: switching mid-batch left a
   * fractional batch behind, sent alone after linger.ms (with 100-byte values, counted raw,
   * every 600-record batch was followed by a 55-record one). Past twice batch.size it moves on
   * regardless.
   */
  onAppend(topic: TopicMetadata, partition: number, appendedBytes: number, enableSwitch = true): void {
    const s = this.state(topic.name);
    if (!s || s.partition !== partition) return;
    s.bytes += appendedBytes;
    if ((s.bytes >= this.batchSize && enableSwitch) || s.bytes >= 2 * this.batchSize) this.next(topic, partition);
  }

  private next(topic: TopicMetadata, previous: number): StickyState {
    const candidates = topic.available.length > 0 ? topic.available : topic.partitions.map((p) => p.partition);
    let partition = candidates[Math.floor(this.random() * candidates.length)]!;
    if (partition === previous && candidates.length > 1) {
      // Another one, uniformly among the rest.
      const i = candidates.indexOf(previous);
      partition = candidates[(i + 1 + Math.floor(this.random() * (candidates.length - 1))) % candidates.length]!;
    }
    const s = { partition, bytes: 0 };
    this.sticky.set(topic.name, s);
    this.lastTopic = topic.name;
    this.lastState = s;
    return s;
  }

  private state(name: string): StickyState | undefined {
    if (name !== this.lastTopic) {
      this.lastTopic = name;
      this.lastState = this.sticky.get(name);
    }
    return this.lastState;
  }
}
