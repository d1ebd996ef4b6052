/**
 * The leader's part of a rebalance: decode every member's subscription, learn the partition
 * count of every topic any member subscribes to, run the chosen assignor, and encode each
 * member's assignment for SyncGroup. Also the member's own subscription bytes for JoinGroup.
 */
import { ApiKey, decodeSubscription, encodeAssignment, encodeSubscription, type JoinGroup, type Metadata, type SyncGroup } from '@samsa/protocol';
import type { BrokerPool } from '../../connection/broker-pool.js';
import type { MemberSubscription, OwnState, PartitionAssignor, TopicPartitions } from '../assignors/assignor.js';
import type { TopicPartition } from '../types.js';

/** The subscription version we send: v3 carries owned partitions, their generation and the rack. */
export const SUBSCRIPTION_VERSION = 3;

export function groupByTopic(partitions: readonly TopicPartition[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const p of partitions) {
    let list = out.get(p.topic);
    if (!list) out.set(p.topic, (list = []));
    list.push(p.partition);
  }
  for (const list of out.values()) list.sort((a, b) => a - b);
  return out;
}

export function joinProtocols(assignors: readonly PartitionAssignor[], own: OwnState, rackId: string): JoinGroup.JoinGroupRequestProtocolInput[] {
  return assignors.map((a) => ({
    name: a.name,
    metadata: encodeSubscription(
      {
        topics: [...own.topics],
        userData: a.subscriptionUserData(own),
        ownedPartitions: [...own.ownedPartitions].map(([topic, partitions]) => ({ topic, partitions: [...partitions] })),
        generationId: own.generationId,
        rackId: rackId === '' ? null : rackId,
      },
      SUBSCRIPTION_VERSION,
    ),
  }));
}

export function decodeMembers(members: readonly JoinGroup.JoinGroupResponseMember[]): MemberSubscription[] {
  return members.map((m) => {
    const sub = decodeSubscription(m.metadata);
    const owned: TopicPartitions = new Map(sub.ownedPartitions.map((t) => [t.topic, [...t.partitions].sort((a, b) => a - b)]));
    return {
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      topics: [...new Set(sub.topics)].sort(),
      userData: sub.userData,
      ownedPartitions: owned,
      generationId: sub.version >= 2 ? sub.generationId : -1,
      rackId: sub.version >= 3 ? sub.rackId : null,
    };
  });
}

/** Partition counts of the topics that exist among `topics`, from a Metadata request (no auto-creation). */
export async function partitionCounts(pool: BrokerPool, topics: readonly string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (topics.length === 0) return out;
  const conn = await pool.any();
  const res = await conn.request<Metadata.MetadataResponse>(ApiKey.Metadata, { topics: topics.map((name) => ({ name })), allowAutoTopicCreation: false });
  for (const t of res.topics) if (t.name !== null && t.errorCode === 0 && t.partitions.length > 0) out.set(t.name, t.partitions.length);
  return out;
}

/** Every topic's name (a pattern subscription matches against these). */
export async function allTopicNames(pool: BrokerPool, excludeInternal: boolean): Promise<string[]> {
  const conn = await pool.any();
  const res = await conn.request<Metadata.MetadataResponse>(ApiKey.Metadata, { topics: null, allowAutoTopicCreation: false });
  return res.topics.filter((t) => t.name !== null && t.errorCode === 0 && !(excludeInternal && t.isInternal)).map((t) => t.name!);
}

export async function leaderAssign(
  pool: BrokerPool,
  assignor: PartitionAssignor,
  joined: JoinGroup.JoinGroupResponse,
): Promise<{ assignments: SyncGroup.SyncGroupRequestAssignmentInput[]; counts: Map<string, number> }> {
  const members = decodeMembers(joined.members);
  const topics = [...new Set(members.flatMap((m) => m.topics))].sort();
  const counts = await partitionCounts(pool, topics);
  const result = assignor.assign(members, counts);
  const assignments = members.map((m) => {
    const a = result.get(m.memberId);
    return {
      memberId: m.memberId,
      assignment: encodeAssignment({
        assignedPartitions: a ? [...a.partitions].map(([topic, partitions]) => ({ topic, partitions: [...partitions] })) : [],
        userData: a?.userData ?? null,
      }),
    };
  });
  return { assignments, counts };
}
