/**
 * Partitions in trouble, computed from metadata as kafka-topics.sh --under-replicated-partitions
 * and --unavailable-partitions do: under-replicated when the ISR is shorter than the replica
 * list, offline when there is no leader (-1).
 */
import type { TopicDescription } from '@samsa/client';

export interface PartitionHealth {
  topic: string;
  partition: number;
  leader: number;
  replicas: number[];
  isr: number[];
}

export function underReplicated(topics: readonly TopicDescription[]): PartitionHealth[] {
  return collect(topics, (p) => p.leader >= 0 && p.isr.length < p.replicas.length);
}

export function offline(topics: readonly TopicDescription[]): PartitionHealth[] {
  return collect(topics, (p) => p.leader < 0);
}

function collect(topics: readonly TopicDescription[], pick: (p: TopicDescription['partitions'][number]) => boolean): PartitionHealth[] {
  return topics.flatMap((t) => t.partitions.filter(pick).map((p) => ({ topic: t.topic, partition: p.partition, leader: p.leader, replicas: p.replicas, isr: p.isr })));
}
