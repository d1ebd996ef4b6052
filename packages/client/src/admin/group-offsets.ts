/**
 * A consumer group's committed offsets: read them with their lag, commit new ones as an
 * admin (generation -1, allowed only while the group has no members), delete them.
 * These calls are about one group, so a group-level error rejects the call (after retries
 * when it is NOT_COORDINATOR and the like); partition-level errors come back per partition.
 */
import { ApiKey, type OffsetCommit, type OffsetDelete, type OffsetFetch } from '@samsa/protocol';
import type { BrokerConnection } from '../connection/connection.js';
import { SamsaClientError, type KafkaProtocolError } from '../errors.js';
import { toOffset, type AdminContext, type ItemOutcome } from './context.js';
import { coordinatorMoved, coordinatorRound, type CoordinatorLookup } from './coordinator.js';
import { tpKey, type TopicPartition } from './leaders.js';
import { listOffsets } from './offsets.js';
import { errorOf, giveUpAs, invalid, outcome } from './results.js';

export interface GroupOffset extends TopicPartition {
  /** The committed offset, -1 when the group has none for this partition. */
  offset: number;
  leaderEpoch: number;
  metadata: string | null;
  /** The partition's high watermark, -1 when it could not be read. */
  logEndOffset: number;
  /** logEndOffset - offset; null without a commit or a log end. */
  lag: number | null;
  error: KafkaProtocolError | null;
}

export interface PartitionResult extends TopicPartition {
  error: KafkaProtocolError | null;
}

type GroupCall<R> = { error: KafkaProtocolError | null; value: R };

/** Runs one group's request at its coordinator, with retries; a final group-level error rejects. */
export async function atCoordinator<R>(ctx: AdminContext, lookup: CoordinatorLookup, what: string, groupId: string, deadline: number, send: (conn: BrokerConnection) => Promise<ItemOutcome<GroupCall<R>>>): Promise<R> {
  if (typeof groupId !== 'string' || groupId === '') throw invalid(`${what}: a group id must be a non-empty string, got ${JSON.stringify(groupId)}`);
  const results = await ctx.retryItems(
    what,
    deadline,
    [groupId],
    (pending) => coordinatorRound(ctx, lookup, deadline, pending, async (conn) => new Map([[groupId, await send(conn)]]), (_g, error): GroupCall<R> => ({ error, value: undefined as R })),
    giveUpAs((_g: string, error): GroupCall<R> => ({ error, value: undefined as R })),
  );
  const r = results.get(groupId)!;
  if (r.error) throw r.error;
  return r.value;
}

function groupByTopic(tps: readonly TopicPartition[]): Array<{ name: string; partitions: number[] }> {
  const m = new Map<string, number[]>();
  for (const tp of tps) m.set(tp.topic, [...(m.get(tp.topic) ?? []), tp.partition]);
  return [...m].map(([name, partitions]) => ({ name, partitions }));
}

function checkPartitions(tps: readonly TopicPartition[], what: string): void {
  for (const tp of tps) if (typeof tp.topic !== 'string' || tp.topic === '' || !Number.isInteger(tp.partition) || tp.partition < 0) throw invalid(`${what}: ${JSON.stringify(tp)} is not a topic and partition`);
}

type Fetched = Omit<GroupOffset, 'logEndOffset' | 'lag'>;

/** OffsetFetch: the group's committed offsets (all of them when `tps` is absent). */
export async function fetchCommitted(ctx: AdminContext, lookup: CoordinatorLookup, groupId: string, tps: readonly TopicPartition[] | undefined, deadline: number): Promise<Fetched[]> {
  if (tps) checkPartitions(tps, 'listConsumerGroupOffsets');
  return atCoordinator(ctx, lookup, 'listConsumerGroupOffsets', groupId, deadline, async (conn) => {
    const v = conn.version(ApiKey.OffsetFetch);
    const topics = tps ? groupByTopic(tps).map((t) => ({ name: t.name, partitionIndexes: t.partitions })) : null;
    if (!topics && v < 2) throw invalid('listing every committed offset of a group needs OffsetFetch v2 (Kafka 0.10.2); name the partitions');
    const req: OffsetFetch.OffsetFetchRequestInput = v >= 8 ? { groups: [{ groupId, topics }] } : { groupId, topics };
    const res = await ctx.send<OffsetFetch.OffsetFetchResponse>(conn, ApiKey.OffsetFetch, req, deadline);
    const group = v >= 8 ? res.groups.find((g) => g.groupId === groupId) : { errorCode: res.errorCode, topics: res.topics };
    if (!group) throw new SamsaClientError('BAD_RESPONSE', `OffsetFetch answered without group ${groupId}`, { retriable: true });
    const partitions: Fetched[] = group.topics.flatMap((t) =>
      t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, offset: toOffset(p.committedOffset, 'committed offset'), leaderEpoch: p.committedLeaderEpoch, metadata: p.metadata, error: errorOf(p.errorCode) })),
    );
    // Before v2 a group error arrives on every partition instead.
    const groupError = group.errorCode || (v < 2 ? (partitions.find((p) => p.error && coordinatorMoved(p.error.errorCode))?.error?.errorCode ?? 0) : 0);
    return outcome(groupError, `group ${groupId}`, (error) => ({ error, value: partitions }));
  });
}

/** Committed offsets with the log end and lag of each partition, sorted by topic and partition. */
export async function listConsumerGroupOffsets(ctx: AdminContext, lookup: CoordinatorLookup, groupId: string, tps?: readonly TopicPartition[], options: { timeoutMs?: number } = {}): Promise<GroupOffset[]> {
  const deadline = ctx.deadline(options.timeoutMs);
  const committed = await fetchCommitted(ctx, lookup, groupId, tps, deadline);
  const ends = new Map((await listOffsets(ctx, committed.map((c) => ({ topic: c.topic, partition: c.partition, spec: 'latest' as const })), { timeoutMs: Math.max(1, deadline - Date.now()) })).map((o) => [tpKey(o), o.error ? -1 : o.offset]));
  return committed
    .map((c) => {
      const logEndOffset = ends.get(tpKey(c)) ?? -1;
      return { ...c, logEndOffset, lag: c.offset >= 0 && logEndOffset >= 0 ? Math.max(0, logEndOffset - c.offset) : null };
    })
    .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
}

/** OffsetCommit as an admin: generation -1 and no member id, which a coordinator accepts only for a group without members. */
export async function commitAsAdmin(ctx: AdminContext, lookup: CoordinatorLookup, groupId: string, offsets: ReadonlyArray<TopicPartition & { offset: number }>, deadline: number): Promise<PartitionResult[]> {
  return atCoordinator(ctx, lookup, 'resetConsumerGroupOffsets', groupId, deadline, async (conn) => {
    const m = new Map<string, Array<{ partitionIndex: number; committedOffset: bigint; committedMetadata: string }>>();
    for (const o of offsets) m.set(o.topic, [...(m.get(o.topic) ?? []), { partitionIndex: o.partition, committedOffset: BigInt(o.offset), committedMetadata: '' }]);
    const v = conn.version(ApiKey.OffsetCommit);
    const req: OffsetCommit.OffsetCommitRequestInput = { groupId, ...(v >= 1 ? { generationIdOrMemberEpoch: -1, memberId: '' } : {}), topics: [...m].map(([name, partitions]) => ({ name, partitions })) };
    const res = await ctx.send<OffsetCommit.OffsetCommitResponse>(conn, ApiKey.OffsetCommit, req, deadline);
    const results = res.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, error: errorOf(p.errorCode) })));
    // OffsetCommit has no group-level error: a coordinator that moved says so on every partition.
    const moved = results.find((r) => r.error && coordinatorMoved(r.error.errorCode));
    return outcome(moved?.error?.errorCode ?? 0, `group ${groupId}`, (error) => ({ error, value: results }));
  });
}

/** OffsetDelete (Kafka 2.4+): forgets the group's offsets of these partitions; refused for topics the group is subscribed to. */
export async function deleteConsumerGroupOffsets(ctx: AdminContext, lookup: CoordinatorLookup, groupId: string, tps: readonly TopicPartition[], options: { timeoutMs?: number } = {}): Promise<PartitionResult[]> {
  checkPartitions(tps, 'deleteConsumerGroupOffsets');
  const deadline = ctx.deadline(options.timeoutMs);
  return atCoordinator(ctx, lookup, 'deleteConsumerGroupOffsets', groupId, deadline, async (conn) => {
    const req: OffsetDelete.OffsetDeleteRequestInput = { groupId, topics: groupByTopic(tps).map((t) => ({ name: t.name, partitions: t.partitions.map((partitionIndex) => ({ partitionIndex })) })) };
    const res = await ctx.send<OffsetDelete.OffsetDeleteResponse>(conn, ApiKey.OffsetDelete, req, deadline);
    const results = res.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, error: errorOf(p.errorCode) })));
    return outcome(res.errorCode, `group ${groupId}`, (error) => ({ error, value: results }));
  });
}
