/**
 * The group APIs' bodies at whatever version the coordinator negotiated. The generated
 * encoders refuse a field the version does not carry, so the version-dependent ones are set
 * here only where they exist: static membership (group.instance.id) needs JoinGroup v5,
 * SyncGroup/Heartbeat v3, OffsetCommit v7, and fails with UNSUPPORTED_VERSION before that.
 */
import type { JoinGroup, LeaveGroup, OffsetCommit, OffsetFetch, SyncGroup, Heartbeat } from '@samsa/protocol';
import { SamsaClientError } from '../../errors.js';

export interface Member {
  groupId: string;
  memberId: string;
  generationId: number;
  groupInstanceId: string | null;
}

function needs(v: number, min: number, api: string): void {
  throw new SamsaClientError('UNSUPPORTED_VERSION', `group.instance.id needs ${api} v${min}; the coordinator speaks v${v}`);
}

export function joinGroupBody(v: number, m: Member, o: { sessionTimeoutMs: number; rebalanceTimeoutMs: number; protocols: JoinGroup.JoinGroupRequestProtocolInput[]; reason: string }): JoinGroup.JoinGroupRequestInput {
  if (m.groupInstanceId !== null && v < 5) needs(v, 5, 'JoinGroup');
  return {
    groupId: m.groupId,
    sessionTimeoutMs: o.sessionTimeoutMs,
    rebalanceTimeoutMs: o.rebalanceTimeoutMs,
    memberId: m.memberId,
    ...(v >= 5 ? { groupInstanceId: m.groupInstanceId } : {}),
    protocolType: 'consumer',
    protocols: o.protocols,
    ...(v >= 8 ? { reason: o.reason } : {}),
  };
}

export function syncGroupBody(v: number, m: Member, protocolName: string, assignments: SyncGroup.SyncGroupRequestAssignmentInput[]): SyncGroup.SyncGroupRequestInput {
  if (m.groupInstanceId !== null && v < 3) needs(v, 3, 'SyncGroup');
  return {
    groupId: m.groupId,
    generationId: m.generationId,
    memberId: m.memberId,
    ...(v >= 3 ? { groupInstanceId: m.groupInstanceId } : {}),
    ...(v >= 5 ? { protocolType: 'consumer', protocolName } : {}),
    assignments,
  };
}

export function heartbeatBody(v: number, m: Member): Heartbeat.HeartbeatRequestInput {
  if (m.groupInstanceId !== null && v < 3) needs(v, 3, 'Heartbeat');
  return { groupId: m.groupId, generationId: m.generationId, memberId: m.memberId, ...(v >= 3 ? { groupInstanceId: m.groupInstanceId } : {}) };
}

/** Only dynamic members leave (static ones are removed by session timeout), so no instance id here. */
export function leaveGroupBody(v: number, m: Member, reason: string): LeaveGroup.LeaveGroupRequestInput {
  if (v >= 3) return { groupId: m.groupId, members: [{ memberId: m.memberId, ...(v >= 5 ? { reason } : {}) }] };
  return { groupId: m.groupId, memberId: m.memberId };
}

/** The error of a LeaveGroup response, whichever layout its version has. */
export function leaveGroupError(res: LeaveGroup.LeaveGroupResponse): number {
  return res.errorCode !== 0 ? res.errorCode : (res.members.find((x) => x.errorCode !== 0)?.errorCode ?? 0);
}

export interface CommitEntry {
  topic: string;
  partition: number;
  offset: number;
  leaderEpoch: number | null;
  metadata: string;
}

export function offsetCommitBody(v: number, m: Member, entries: readonly CommitEntry[]): OffsetCommit.OffsetCommitRequestInput {
  if (m.groupInstanceId !== null && v < 7) needs(v, 7, 'OffsetCommit');
  const topics = new Map<string, OffsetCommit.OffsetCommitRequestPartitionInput[]>();
  for (const e of entries) {
    let parts = topics.get(e.topic);
    if (!parts) topics.set(e.topic, (parts = []));
    parts.push({ partitionIndex: e.partition, committedOffset: BigInt(e.offset), committedLeaderEpoch: e.leaderEpoch ?? -1, committedMetadata: e.metadata });
  }
  return {
    groupId: m.groupId,
    generationIdOrMemberEpoch: m.generationId,
    memberId: m.memberId,
    ...(v >= 7 ? { groupInstanceId: m.groupInstanceId } : {}),
    topics: [...topics].map(([name, partitions]) => ({ name, partitions })),
  };
}

export function offsetFetchBody(v: number, groupId: string, partitions: ReadonlyArray<{ topic: string; partition: number }>): OffsetFetch.OffsetFetchRequestInput {
  const topics = new Map<string, number[]>();
  for (const p of partitions) {
    let list = topics.get(p.topic);
    if (!list) topics.set(p.topic, (list = []));
    list.push(p.partition);
  }
  const named = [...topics].map(([name, partitionIndexes]) => ({ name, partitionIndexes }));
  // requireStable (KIP-447): the broker holds back offsets of transactions not yet settled.
  if (v >= 8) return { groups: [{ groupId, topics: named }], requireStable: true };
  return { groupId, topics: named, ...(v >= 7 ? { requireStable: true } : {}) };
}

export interface FetchedOffset {
  topic: string;
  partition: number;
  offset: bigint;
  leaderEpoch: number;
  metadata: string | null;
  errorCode: number;
}

/** The group-level error and the partitions of an OffsetFetch response, whichever layout its version has. */
export function readOffsetFetch(res: OffsetFetch.OffsetFetchResponse, v: number): { errorCode: number; partitions: FetchedOffset[] } {
  const out: FetchedOffset[] = [];
  if (v >= 8) {
    const g = res.groups[0];
    if (!g) return { errorCode: 0, partitions: out };
    for (const t of g.topics) for (const p of t.partitions) out.push({ topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, leaderEpoch: p.committedLeaderEpoch, metadata: p.metadata, errorCode: p.errorCode });
    return { errorCode: g.errorCode, partitions: out };
  }
  for (const t of res.topics) for (const p of t.partitions) out.push({ topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, leaderEpoch: p.committedLeaderEpoch, metadata: p.metadata, errorCode: p.errorCode });
  return { errorCode: res.errorCode, partitions: out };
}
