/**
 * What the client knows of the cluster: brokers, and for each topic its partitions with
 * their leaders. Replaced wholesale by each Metadata response for the topics it asked about.
 */
import { ErrorCode, type Metadata } from '@samsa/protocol';

export interface PartitionMetadata {
  readonly partition: number;
  readonly leaderId: number;
  readonly leaderEpoch: number;
  readonly errorCode: number;
}

export interface TopicMetadata {
  readonly name: string;
  readonly errorCode: number;
  /** Indexed by partition number. */
  readonly partitions: readonly PartitionMetadata[];
  /** Partitions that have a leader now (the sticky partitioner prefers these). */
  readonly available: readonly number[];
}

export interface BrokerMetadata {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
}

export class MetadataCache {
  brokers: readonly BrokerMetadata[] = [];
  controllerId = -1;
  clusterId: string | null = null;
  private readonly topics = new Map<string, TopicMetadata>();
  /** usable()'s last answer: the producer asks once per record, nearly always for the same topic. */
  private usableName: string | null = null;
  private usableTopic: TopicMetadata | undefined;

  update(res: Metadata.MetadataResponse): void {
    this.usableName = null;
    this.brokers = res.brokers.map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port }));
    this.controllerId = res.controllerId;
    this.clusterId = res.clusterId;
    const live = new Set(res.brokers.map((b) => b.nodeId));
    for (const t of res.topics) {
      if (t.name === null) continue;
      const partitions: PartitionMetadata[] = [];
      // A leader missing from the response's brokers is no leader (Java's client looks the
      // leader up among the nodes and finds none): a broker answers this way between a dead
      // leader's registration vanishing and the controller's election. Kept as a node id,
      // it sent the fetcher to a node the broker pool no longer knew, where it waited for a
      // connection event that never came and asked for no refresh: the consumer stopped
      // reading that leader's partitions until metadata.max.age.ms (the fault test's stall).
      for (const p of t.partitions) partitions[p.partitionIndex] = { partition: p.partitionIndex, leaderId: live.has(p.leaderId) ? p.leaderId : -1, leaderEpoch: p.leaderEpoch, errorCode: p.errorCode };
      // A partition missing from the list (never seen in practice) is kept as leaderless.
      for (let i = 0; i < partitions.length; i++) partitions[i] ??= { partition: i, leaderId: -1, leaderEpoch: -1, errorCode: ErrorCode.LEADER_NOT_AVAILABLE };
      const available = partitions.filter((p) => p.leaderId >= 0).map((p) => p.partition);
      this.topics.set(t.name, { name: t.name, errorCode: t.errorCode, partitions, available });
    }
  }

  topic(name: string): TopicMetadata | undefined {
    return this.topics.get(name);
  }

  /** A topic the producer can use: known, no topic error, at least one partition. */
  usable(name: string): TopicMetadata | undefined {
    if (name === this.usableName) return this.usableTopic;
    const t = this.topics.get(name);
    this.usableName = name;
    this.usableTopic = t && t.errorCode === 0 && t.partitions.length > 0 ? t : undefined;
    return this.usableTopic;
  }

  /** The leader's node id, or -1 when unknown or not among the known brokers. */
  leaderFor(topic: string, partition: number): number {
    return this.topics.get(topic)?.partitions[partition]?.leaderId ?? -1;
  }

  /** Every topic the cache knows with no topic error. */
  topicNames(): string[] {
    return [...this.topics.values()].filter((t) => t.errorCode === 0).map((t) => t.name);
  }

  forget(topic: string): void {
    this.usableName = null;
    this.topics.delete(topic);
  }
}
