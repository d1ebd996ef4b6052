/**
 * Leader elections and partition reassignments: ElectLeaders (API 43),
 * AlterPartitionReassignments (45) and ListPartitionReassignments (46), sent to the
 * controller named by metadata. NOT_CONTROLLER (the controllership moved) retries the whole
 * request against the controller looked up again; per-partition errors settle each result.
 */
import { ApiKey, ErrorCode, type AlterPartitionReassignments, type ElectLeaders, type ListPartitionReassignments } from '@samsa/protocol';
import { KafkaProtocolError } from '../errors.js';
import type { AdminContext } from './context.js';
import type { TopicPartition } from './leaders.js';
import { errorOf, invalid } from './results.js';

/** Kafka's ElectionType: PREFERRED puts the first replica in AR back in charge; UNCLEAN elects for leaderless partitions. */
export type ElectionType = 'preferred' | 'unclean';

export interface ElectionResult extends TopicPartition {
  /** ELECTION_NOT_NEEDED, PREFERRED_LEADER_NOT_AVAILABLE, ELIGIBLE_LEADERS_NOT_AVAILABLE, UNKNOWN_TOPIC_OR_PARTITION, ... */
  error: KafkaProtocolError | null;
}

export interface PartitionReassignment extends TopicPartition {
  /** The target replicas (preferred leader first), or null to cancel the reassignment in progress. */
  replicas: number[] | null;
}

export interface ReassignmentResult extends TopicPartition {
  error: KafkaProtocolError | null;
}

export interface OngoingReassignment extends TopicPartition {
  /** AR now: the target replicas, then those being removed. */
  replicas: number[];
  addingReplicas: number[];
  removingReplicas: number[];
}

function byTopic<T extends TopicPartition>(items: readonly T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const i of items) out.set(i.topic, [...(out.get(i.topic) ?? []), i]);
  return out;
}

/** A top-level error: NOT_CONTROLLER (retriable) goes round again; others reject the call. */
function checkTopLevel(errorCode: number, message: string | null): void {
  if (errorCode !== 0) throw new KafkaProtocolError(errorCode, message);
}

export async function electLeaders(ctx: AdminContext, type: ElectionType, partitions: readonly TopicPartition[] | null, options: { timeoutMs?: number } = {}): Promise<ElectionResult[]> {
  if (type !== 'preferred' && type !== 'unclean') throw invalid(`electLeaders: the election type is 'preferred' or 'unclean', got ${JSON.stringify(type)}`);
  const deadline = ctx.deadline(options.timeoutMs);
  return ctx.retry('electLeaders', deadline, async () => {
    const conn = await ctx.controller(deadline);
    const v = conn.version(ApiKey.ElectLeaders);
    if (type === 'unclean' && v < 1) throw invalid('electLeaders: an unclean election needs ElectLeaders v1 (Kafka 2.4)');
    const req: ElectLeaders.ElectLeadersRequestInput = {
      electionType: type === 'preferred' ? 0 : 1,
      topicPartitions: partitions === null ? null : [...byTopic(partitions)].map(([topic, list]) => ({ topic, partitions: list.map((p) => p.partition) })),
      timeoutMs: Math.max(0, deadline - Date.now()),
    };
    const res = await ctx.send<ElectLeaders.ElectLeadersResponse>(conn, ApiKey.ElectLeaders, req, deadline);
    checkTopLevel(res.errorCode, null);
    const results = res.replicaElectionResults.flatMap((t) =>
      t.partitionResult.map((p) => ({ topic: t.topic, partition: p.partitionId, error: errorOf(p.errorCode, p.errorMessage) })),
    );
    if (results.some((r) => r.error?.errorCode === ErrorCode.NOT_CONTROLLER)) throw new KafkaProtocolError(ErrorCode.NOT_CONTROLLER, 'the controller moved');
    return results;
  });
}

export async function alterPartitionReassignments(ctx: AdminContext, reassignments: readonly PartitionReassignment[], options: { timeoutMs?: number } = {}): Promise<ReassignmentResult[]> {
  const deadline = ctx.deadline(options.timeoutMs);
  const got = await ctx.retry('alterPartitionReassignments', deadline, async () => {
    const conn = await ctx.controller(deadline);
    const req: AlterPartitionReassignments.AlterPartitionReassignmentsRequestInput = {
      timeoutMs: Math.max(0, deadline - Date.now()),
      topics: [...byTopic(reassignments)].map(([name, list]) => ({ name, partitions: list.map((p) => ({ partitionIndex: p.partition, replicas: p.replicas })) })),
    };
    const res = await ctx.send<AlterPartitionReassignments.AlterPartitionReassignmentsResponse>(conn, ApiKey.AlterPartitionReassignments, req, deadline);
    checkTopLevel(res.errorCode, res.errorMessage);
    return new Map(res.responses.flatMap((t) => t.partitions.map((p) => [`${t.name}:${p.partitionIndex}`, errorOf(p.errorCode, p.errorMessage)] as const)));
  });
  return reassignments.map((r) => ({ topic: r.topic, partition: r.partition, error: got.get(`${r.topic}:${r.partition}`) ?? null }));
}

/** Reassignments in progress: of `partitions`, else of every topic. */
export async function listPartitionReassignments(ctx: AdminContext, partitions: readonly TopicPartition[] | null, options: { timeoutMs?: number } = {}): Promise<OngoingReassignment[]> {
  const deadline = ctx.deadline(options.timeoutMs);
  return ctx.retry('listPartitionReassignments', deadline, async () => {
    const conn = await ctx.controller(deadline);
    const req: ListPartitionReassignments.ListPartitionReassignmentsRequestInput = {
      timeoutMs: Math.max(0, deadline - Date.now()),
      topics: partitions === null ? null : [...byTopic(partitions)].map(([name, list]) => ({ name, partitionIndexes: list.map((p) => p.partition) })),
    };
    const res = await ctx.send<ListPartitionReassignments.ListPartitionReassignmentsResponse>(conn, ApiKey.ListPartitionReassignments, req, deadline);
    checkTopLevel(res.errorCode, res.errorMessage);
    return res.topics.flatMap((t) =>
      t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, replicas: p.replicas, addingReplicas: p.addingReplicas, removingReplicas: p.removingReplicas })),
    );
  });
}
