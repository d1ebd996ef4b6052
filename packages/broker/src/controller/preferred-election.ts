/**
 * Elections on demand (ElectLeaders, API 43: PREFERRED and UNCLEAN) and the periodic
 * preferred-leader election (auto.leader.rebalance.enable). They run on the active
 * controller's chain (Controller.runExclusive) and write as every controller write does: one
 * compare-and-swap per topic fenced by the controller epoch, recomputed from the store when a
 * partition changed meanwhile. The rules are in operation-rules.ts.
 */
import { ErrorCode } from '@samsa/protocol';
import type { ClusterMetadata } from '../metadata/cluster-metadata.js';
import type { MetadataStore } from '../metadata/store.js';
import { fenceHolds, readTopicStates, writeFenced, type ControllerFence, type StateChange } from './fenced-writes.js';
import { electForRequest, imbalancedPartitions, type PartitionLeadership } from './operation-rules.js';

const CAS_ATTEMPTS = 5;

export interface PartitionElectionResult {
  readonly partition: number;
  readonly errorCode: number;
  readonly errorMessage: string | null;
}

export interface ElectionResults {
  readonly byTopic: Map<string, PartitionElectionResult[]>;
  /** The highest store revision written (0 when none): the caller waits for its view to show it. */
  readonly revision: number;
}

/** Thrown when a write finds a newer controller epoch: the caller answers NOT_CONTROLLER. */
export class FencedError extends Error {}

/**
 * Elects leaders of `partitions` (topic -> partition indexes; null: every partition of every
 * topic) by `type` (0 PREFERRED, 1 UNCLEAN), one topic at a time.
 */
export async function electLeaders(
  store: MetadataStore,
  metadata: ClusterMetadata,
  fence: ControllerFence,
  type: number,
  partitions: ReadonlyMap<string, readonly number[]> | null,
): Promise<ElectionResults> {
  const wanted = partitions ?? new Map(metadata.topicNames().map((t) => [t, metadata.topic(t)!.partitions.map((p) => p.index)]));
  const byTopic = new Map<string, PartitionElectionResult[]>();
  let revision = 0;
  for (const [topic, indexes] of wanted) {
    const { results, written } = await electInTopic(store, metadata, fence, type, topic, [...new Set(indexes)]);
    byTopic.set(topic, results);
    revision = Math.max(revision, written);
  }
  return { byTopic, revision };
}

async function electInTopic(
  store: MetadataStore,
  metadata: ClusterMetadata,
  fence: ControllerFence,
  type: number,
  topic: string,
  indexes: number[],
): Promise<{ results: PartitionElectionResult[]; written: number }> {
  for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
    const read = await readTopicStates(store, topic);
    if (!read) return { results: indexes.map((partition) => unknown(topic, partition)), written: 0 };
    const live = new Set(metadata.brokers.keys());
    const results: PartitionElectionResult[] = [];
    const changes: StateChange[] = [];
    for (const partition of indexes) {
      const replicas = read.record.replicas[partition];
      const current = read.states.get(partition);
      if (!replicas || !current) {
        results.push(unknown(topic, partition));
        continue;
      }
      const outcome = electForRequest(type, replicas, current.state, live, metadata.shuttingDown, fence.epoch);
      if (outcome.state) changes.push({ partition, fromRevision: current.revision, state: outcome.state });
      results.push({ partition, errorCode: outcome.errorCode, errorMessage: outcome.state ? null : outcome.message });
    }
    if (changes.length === 0) return { results, written: 0 };
    const written = await writeFenced(store, fence, topic, read.revision, changes);
    if (written > 0) return { results, written };
    if (!(await fenceHolds(store, fence))) throw new FencedError('a newer controller epoch exists');
  }
  return {
    results: indexes.map((partition) => ({ partition, errorCode: ErrorCode.REQUEST_TIMED_OUT, errorMessage: `${topic}-${partition} kept changing; retry` })),
    written: 0,
  };
}

function unknown(topic: string, partition: number): PartitionElectionResult {
  return { partition, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `${topic}-${partition} does not exist` };
}

/**
 * One auto-rebalance check: the partitions whose preferred leader should lead again
 * (operation-rules.ts imbalancedPartitions over this controller's view), grouped by topic
 * for electLeaders. Empty when the cluster is balanced enough.
 */
export function partitionsToRebalance(metadata: ClusterMetadata, percentage: number): Map<string, number[]> {
  const all = new Map<string, PartitionLeadership>();
  for (const name of metadata.topicNames()) {
    for (const p of metadata.topic(name)?.partitions ?? []) all.set(`${p.index}:${name}`, { replicas: p.replicas, state: p.state });
  }
  const out = new Map<string, number[]>();
  for (const key of imbalancedPartitions(all, new Set(metadata.brokers.keys()), metadata.shuttingDown, percentage)) {
    const at = key.indexOf(':');
    const topic = key.slice(at + 1);
    out.set(topic, [...(out.get(topic) ?? []), Number(key.slice(0, at))]);
  }
  return out;
}
