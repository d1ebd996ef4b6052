/**
 * Partition reassignment (AlterPartitionReassignments API 45, ListPartitionReassignments
 * API 46), Kafka's flow, on the active controller's chain:
 *
 * 1. start: AR (the topic record) becomes target + (original - target); the partition state
 *    keeps addingReplicas and removingReplicas. Both are written in one fenced transaction.
 * 2. the brokers follow the record: an adding broker opens the partition and fetches from the
 *    leader; the leader adds it to the ISR when it has caught up (isr-writer.ts).
 * 3. the controller's reconciliation (Controller.reconcileTopic -> planPartition) sees every
 *    target replica in the ISR and completes: AR = target, the ISR loses the removed
 *    replicas, a removed leader hands over to the first target replica alive and in the ISR.
 * 4. a removed broker sees it is no longer in AR: it stops the replica and deletes its
 *    directory (replica-manager.ts).
 *
 * A null target cancels: AR goes back to the original replicas. The rules are pure, in
 * operation-rules.ts.
 */
import { ErrorCode } from '@samsa/protocol';
import type { ClusterMetadata } from '../metadata/cluster-metadata.js';
import { Keys } from '../metadata/keys.js';
import type { MetadataStore } from '../metadata/store.js';
import { fenceHolds, readTopicStates, writeFenced, type ControllerFence, type StateChange } from './fenced-writes.js';
import { cancelReassignment, reassigning, startReassignment } from './operation-rules.js';
import { FencedError } from './preferred-election.js';

const CAS_ATTEMPTS = 5;

export interface ReassignRequest {
  readonly partition: number;
  /** The target replicas, or null to cancel the reassignment in progress. */
  readonly replicas: readonly number[] | null;
}

export interface ReassignResult {
  readonly partition: number;
  readonly errorCode: number;
  readonly errorMessage: string | null;
}

export interface OngoingReassignment {
  readonly partition: number;
  readonly replicas: number[];
  readonly addingReplicas: number[];
  readonly removingReplicas: number[];
}

/** Starts or cancels reassignments of one topic's partitions; resolves with per-partition results and the revision written (0: none). */
export async function alterReassignments(
  store: MetadataStore,
  metadata: ClusterMetadata,
  fence: ControllerFence,
  topic: string,
  requests: readonly ReassignRequest[],
): Promise<{ results: ReassignResult[]; revision: number }> {
  for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
    const read = await readTopicStates(store, topic);
    if (!read) return { results: requests.map((r) => fail(r.partition, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic ${topic} does not exist`)), revision: 0 };
    const live = new Set(metadata.brokers.keys());
    const replicas = read.record.replicas.map((r) => [...r]);
    const results: ReassignResult[] = [];
    const changes: StateChange[] = [];
    for (const req of requests) {
      const ar = replicas[req.partition];
      const current = read.states.get(req.partition);
      if (!ar || !current) {
        results.push(fail(req.partition, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${topic}-${req.partition} does not exist`));
        continue;
      }
      if (req.replicas === null) {
        if (!reassigning(current.state)) {
          results.push(fail(req.partition, ErrorCode.NO_REASSIGNMENT_IN_PROGRESS, `no reassignment of ${topic}-${req.partition} is in progress`));
          continue;
        }
        const next = cancelReassignment(ar, current.state, live, metadata.shuttingDown, fence.epoch);
        replicas[req.partition] = next.replicas;
        changes.push({ partition: req.partition, fromRevision: current.revision, state: next.state });
      } else {
        const invalid = invalidTarget(req.replicas, live);
        if (invalid) {
          results.push(fail(req.partition, ErrorCode.INVALID_REPLICA_ASSIGNMENT, `${topic}-${req.partition}: ${invalid}`));
          continue;
        }
        const next = startReassignment(ar, current.state, req.replicas, live, metadata.shuttingDown, fence.epoch);
        replicas[req.partition] = next.replicas;
        changes.push({ partition: req.partition, fromRevision: current.revision, state: next.state });
      }
      results.push({ partition: req.partition, errorCode: 0, errorMessage: null });
    }
    if (changes.length === 0) return { results, revision: 0 };
    const revision = await writeFenced(store, fence, topic, read.revision, changes, { ...read.record, replicas });
    if (revision > 0) return { results, revision };
    if (!(await fenceHolds(store, fence))) throw new FencedError('a newer controller epoch exists');
  }
  return { results: requests.map((r) => fail(r.partition, ErrorCode.REQUEST_TIMED_OUT, `${topic}-${r.partition} kept changing; retry`)), revision: 0 };
}

function invalidTarget(target: readonly number[], live: ReadonlySet<number>): string | null {
  if (target.length === 0) return 'the replica list is empty';
  if (new Set(target).size !== target.length) return `the replica list [${target}] repeats a broker`;
  const unknown = target.filter((b) => !live.has(b));
  if (unknown.length > 0) return `broker(s) ${unknown.join(', ')} are not registered`;
  return null;
}

function fail(partition: number, errorCode: number, errorMessage: string): ReassignResult {
  return { partition, errorCode, errorMessage };
}

/** Reassignments in progress, read from the store: of the named topics and partitions, else of every topic. */
export async function listReassignments(store: MetadataStore, wanted: ReadonlyMap<string, readonly number[]> | null): Promise<Map<string, OngoingReassignment[]>> {
  const topics = wanted ? [...wanted.keys()] : (await store.list(Keys.topicsPrefix)).map((kv) => kv.key.slice(Keys.topicsPrefix.length));
  const out = new Map<string, OngoingReassignment[]>();
  for (const topic of topics) {
    const read = await readTopicStates(store, topic);
    if (!read) continue;
    const only = wanted?.get(topic);
    const ongoing: OngoingReassignment[] = [];
    for (const [partition, { state }] of [...read.states].sort((a, b) => a[0] - b[0])) {
      if ((only && !only.includes(partition)) || !reassigning(state)) continue;
      ongoing.push({ partition, replicas: [...(read.record.replicas[partition] ?? [])], addingReplicas: state.addingReplicas ?? [], removingReplicas: state.removingReplicas ?? [] });
    }
    if (ongoing.length > 0) out.set(topic, ongoing);
  }
  return out;
}
