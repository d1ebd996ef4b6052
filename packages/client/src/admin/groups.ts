/**
 * Consumer groups: list (every broker lists the groups it coordinates, so all are asked),
 * describe (members with their consumer-protocol subscriptions and assignments decoded) and
 * delete, each group's request sent to its coordinator.
 */
import { ApiKey, decodeAssignment, decodeSubscription, type DeleteGroups, type DescribeGroups, type ListGroups } from '@samsa/protocol';
import { KafkaProtocolError, SamsaClientError } from '../errors.js';
import type { AdminContext, ItemOutcome } from './context.js';
import { coordinatorRound, type CoordinatorLookup } from './coordinator.js';
import { giveUpAs, invalid, outcome } from './results.js';

export interface GroupListing {
  groupId: string;
  /** "consumer" for consumer groups; "" for a group only offsets were committed for. */
  protocolType: string;
  /** Stable, PreparingRebalance, CompletingRebalance, Empty, Dead (null from brokers before ListGroups v4). */
  state: string | null;
  /** "classic" or "consumer" (null from brokers before ListGroups v5). */
  type: string | null;
  coordinator: number;
}

export interface TopicPartitions {
  topic: string;
  partitions: number[];
}

export interface MemberDescription {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  /** The member's consumer-protocol subscription; null when the group is not a stable consumer group. */
  subscription: { topics: string[]; ownedPartitions: TopicPartitions[]; userData: Buffer | null; rackId: string | null } | null;
  /** Its assignment; null when the group is not a stable consumer group. */
  assignment: { partitions: TopicPartitions[]; userData: Buffer | null } | null;
}

export interface GroupDescription {
  groupId: string;
  error: KafkaProtocolError | null;
  /** "Dead" for a group that does not exist, as Kafka reports it. */
  state: string;
  protocolType: string;
  /** The assignor chosen (range, roundrobin, ...) once the group is stable. */
  protocol: string;
  coordinator: number;
  members: MemberDescription[];
}

export interface GroupResult {
  groupId: string;
  error: KafkaProtocolError | null;
}

/** ListGroups state filters start in v4 (Kafka 2.6), type filters in v5 (Kafka 3.8). */
const STATES_FILTER_VERSION = 4;
const TYPES_FILTER_VERSION = 5;

export async function listGroups(ctx: AdminContext, options: { states?: string[]; types?: string[]; timeoutMs?: number } = {}): Promise<GroupListing[]> {
  const deadline = ctx.deadline(options.timeoutMs);
  const md = await ctx.retry('listGroups', deadline, () => ctx.metadata([], deadline));
  const perBroker = await Promise.all(
    md.brokers.map((b) =>
      ctx.retry(`listGroups on broker ${b.nodeId}`, deadline, async () => {
        const conn = await ctx.node(b.nodeId, deadline);
        const v = conn.version(ApiKey.ListGroups);
        if (options.states?.length && v < STATES_FILTER_VERSION) throw new SamsaClientError('UNSUPPORTED_VERSION', `filtering groups by state needs ListGroups v4; broker ${b.nodeId} speaks up to v${v}`);
        if (options.types?.length && v < TYPES_FILTER_VERSION) throw new SamsaClientError('UNSUPPORTED_VERSION', `filtering groups by type needs ListGroups v5; broker ${b.nodeId} speaks up to v${v}`);
        const req: ListGroups.ListGroupsRequestInput = { ...(options.states?.length ? { statesFilter: options.states } : {}), ...(options.types?.length ? { typesFilter: options.types } : {}) };
        const res = await ctx.send<ListGroups.ListGroupsResponse>(conn, ApiKey.ListGroups, req, deadline);
        if (res.errorCode !== 0) throw new KafkaProtocolError(res.errorCode, `ListGroups on broker ${b.nodeId}`);
        return res.groups.map(
          (g): GroupListing => ({ groupId: g.groupId, protocolType: g.protocolType, state: v >= STATES_FILTER_VERSION ? g.groupState : null, type: v >= TYPES_FILTER_VERSION ? g.groupType : null, coordinator: b.nodeId }),
        );
      }),
    ),
  );
  return perBroker.flat().sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0));
}

function checkGroupIds(ids: readonly string[], what: string): void {
  for (const g of ids) if (typeof g !== 'string' || g === '') throw invalid(`${what}: a group id must be a non-empty string, got ${JSON.stringify(g)}`);
}

/** Decodes consumer-protocol bytes; a member of another protocol (or bytes we cannot read) gets null. */
function decoded<T>(bytes: Buffer, decode: (b: Buffer) => T): T | null {
  if (bytes.length === 0) return null;
  try {
    return decode(bytes);
  } catch {
    return null;
  }
}

function memberOf(m: DescribeGroups.DescribedGroupMember, consumer: boolean): MemberDescription {
  const sub = consumer ? decoded(m.memberMetadata, decodeSubscription) : null;
  const asg = consumer ? decoded(m.memberAssignment, decodeAssignment) : null;
  return {
    memberId: m.memberId,
    groupInstanceId: m.groupInstanceId ?? null,
    clientId: m.clientId,
    clientHost: m.clientHost,
    subscription: sub && { topics: sub.topics, ownedPartitions: sub.ownedPartitions, userData: sub.userData, rackId: sub.rackId },
    assignment: asg && { partitions: asg.assignedPartitions, userData: asg.userData },
  };
}

export async function describeGroups(ctx: AdminContext, lookup: CoordinatorLookup, groupIds: readonly string[], options: { timeoutMs?: number } = {}): Promise<GroupDescription[]> {
  checkGroupIds(groupIds, 'describeGroups');
  const deadline = ctx.deadline(options.timeoutMs);
  const failed = (groupId: string, error: KafkaProtocolError): GroupDescription => ({ groupId, error, state: '', protocolType: '', protocol: '', coordinator: -1, members: [] });
  const results = await ctx.retryItems(
    'describeGroups',
    deadline,
    groupIds,
    (pending) =>
      coordinatorRound(
        ctx,
        lookup,
        deadline,
        pending,
        async (conn, ids, coordinator) => {
          const res = await ctx.send<DescribeGroups.DescribeGroupsResponse>(conn, ApiKey.DescribeGroups, { groups: ids }, deadline);
          return new Map(
            res.groups.map((g): [string, ItemOutcome<GroupDescription>] => [
              g.groupId,
              outcome(g.errorCode, null, (error) => ({
                groupId: g.groupId,
                error,
                state: g.groupState,
                protocolType: g.protocolType,
                protocol: g.protocolData,
                coordinator,
                members: g.members.map((m) => memberOf(m, g.protocolType === 'consumer')),
              })),
            ]),
          );
        },
        failed,
      ),
    giveUpAs(failed),
  );
  return groupIds.map((g) => results.get(g)!);
}

/** Deletes groups without members, with their committed offsets (Kafka 1.1+). */
export async function deleteGroups(ctx: AdminContext, lookup: CoordinatorLookup, groupIds: readonly string[], options: { timeoutMs?: number } = {}): Promise<GroupResult[]> {
  checkGroupIds(groupIds, 'deleteGroups');
  const deadline = ctx.deadline(options.timeoutMs);
  const results = await ctx.retryItems(
    'deleteGroups',
    deadline,
    groupIds,
    (pending) =>
      coordinatorRound(
        ctx,
        lookup,
        deadline,
        pending,
        async (conn, ids) => {
          const res = await ctx.send<DeleteGroups.DeleteGroupsResponse>(conn, ApiKey.DeleteGroups, { groupsNames: ids }, deadline);
          return new Map(res.results.map((r) => [r.groupId, outcome(r.errorCode, null, (error) => ({ groupId: r.groupId, error }))]));
        },
        (groupId, error) => ({ groupId, error }),
      ),
    giveUpAs((groupId: string, error) => ({ groupId, error })),
  );
  return groupIds.map((g) => results.get(g)!);
}
