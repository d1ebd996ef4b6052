/**
 * Group requests over a RawClient, for tests that check exactly what the coordinator
 * answers. A JoinGroup (and a follower's SyncGroup) parks until the join phase ends, and
 * the broker answers one connection's requests in order, so each member needs its own
 * connection: `RawMember` is one member on one connection, remembering its member id and
 * generation. Nothing retries; every call has the RawClient's deadline.
 */
import {
  ApiKey,
  encodeAssignment,
  encodeSubscription,
  ErrorCode,
  errorName,
  type DescribeGroups,
  type FindCoordinator,
  type Heartbeat,
  type JoinGroup,
  type LeaveGroup,
  type OffsetCommit,
  type OffsetFetch,
  type SyncGroup,
} from '@samsa/protocol';
import { openClient, type RawClient } from './raw-client.js';

export type GroupVersions = Record<'join' | 'sync' | 'heartbeat' | 'leave' | 'offsetCommit' | 'offsetFetch' | 'describeGroups' | 'findCoordinator', number>;

/** The versions used unless a test asks for others: the newest ones the broker speaks. */
export const GV: Readonly<GroupVersions> = {
  join: 9,
  sync: 5,
  heartbeat: 4,
  leave: 5,
  offsetCommit: 8,
  offsetFetch: 7,
  describeGroups: 5,
  findCoordinator: 3,
};

export const name = (code: number): string => `${errorName(code)} (${code})`;

/** FindCoordinator for a group; the first one also creates __consumer_offsets. */
export async function findCoordinator(c: RawClient, groupId: string, version: number = GV.findCoordinator): Promise<{ errorCode: number; nodeId: number }> {
  const res = await c.request<FindCoordinator.FindCoordinatorResponse>(ApiKey.FindCoordinator, version, version >= 4 ? { keyType: 0, coordinatorKeys: [groupId] } : { key: groupId, keyType: 0 });
  return version >= 4 ? res.coordinators[0]! : res;
}

export async function describeGroup(c: RawClient, groupId: string, version: number = GV.describeGroups): Promise<DescribeGroups.DescribedGroup> {
  const res = await c.request<DescribeGroups.DescribeGroupsResponse>(ApiKey.DescribeGroups, version, { groups: [groupId], includeAuthorizedOperations: false });
  return res.groups[0]!;
}

export async function commitOffset(
  c: RawClient,
  o: { groupId: string; generationId: number; memberId: string; groupInstanceId?: string | null; topic: string; partition: number; offset: bigint },
  version: number = GV.offsetCommit,
): Promise<number> {
  const res = await c.request<OffsetCommit.OffsetCommitResponse>(ApiKey.OffsetCommit, version, {
    groupId: o.groupId,
    generationIdOrMemberEpoch: o.generationId,
    memberId: o.memberId,
    ...(version >= 7 ? { groupInstanceId: o.groupInstanceId ?? null } : {}),
    topics: [{ name: o.topic, partitions: [{ partitionIndex: o.partition, committedOffset: o.offset, committedMetadata: '' }] }],
  });
  return res.topics[0]!.partitions[0]!.errorCode;
}

export async function fetchOffset(c: RawClient, groupId: string, topic: string, partition: number, version: number = GV.offsetFetch): Promise<{ errorCode: number; offset: bigint }> {
  const res = await c.request<OffsetFetch.OffsetFetchResponse>(ApiKey.OffsetFetch, version, { groupId, topics: [{ name: topic, partitionIndexes: [partition] }], requireStable: false });
  const p = res.topics[0]?.partitions[0];
  return { errorCode: res.errorCode || (p?.errorCode ?? 0), offset: p?.committedOffset ?? -1n };
}

/** A consumer subscription (the "consumer" protocol's member metadata) for these topics. */
export function subscription(topics: string[]): Buffer {
  return encodeSubscription({ topics, userData: null, ownedPartitions: [], generationId: -1, rackId: null }, 0);
}

export function assignment(topic: string, partitions: number[]): Buffer {
  return encodeAssignment({ assignedPartitions: [{ topic, partitions }], userData: null }, 0);
}

export interface MemberOptions {
  groupId: string;
  /** Assignors in order of preference; each gets a subscription to `topics`. */
  protocols?: string[];
  topics?: string[];
  groupInstanceId?: string | null;
  sessionTimeoutMs?: number;
  rebalanceTimeoutMs?: number;
  clientId?: string;
  versions?: Partial<GroupVersions>;
}

/** One member of a group on its own connection. */
export class RawMember {
  memberId = '';
  generationId = -1;
  /** The last JoinGroup answer with no error. */
  lastJoin: JoinGroup.JoinGroupResponse | null = null;
  readonly v: GroupVersions;

  private constructor(
    readonly client: RawClient,
    readonly o: MemberOptions,
  ) {
    this.v = { ...GV, ...o.versions };
  }

  /** Opens a connection (closed by `t.after`) and finds the coordinator (this single broker). */
  static async open(t: { after(fn: () => unknown): void }, port: number, o: MemberOptions): Promise<RawMember> {
    const c = await openClient(t, port, o.clientId ?? 'raw-member');
    const found = await findCoordinator(c, o.groupId);
    if (found.errorCode !== 0) throw new Error(`FindCoordinator ${o.groupId}: ${name(found.errorCode)}`);
    return new RawMember(c, o);
  }

  /** The same connection and generation under another member id or other versions: for requests a real member would not send. */
  impersonate(o: { memberId?: string; versions?: Partial<GroupVersions> }): RawMember {
    const m = new RawMember(this.client, { ...this.o, versions: { ...this.v, ...o.versions } });
    m.memberId = o.memberId ?? this.memberId;
    m.generationId = this.generationId;
    m.lastJoin = this.lastJoin;
    return m;
  }

  get groupInstanceId(): string | null {
    return this.o.groupInstanceId ?? null;
  }

  /** One JoinGroup request as it is; takes the member id and generation it hands back. */
  async joinOnce(overrides: Partial<JoinGroup.JoinGroupRequestInput> = {}): Promise<JoinGroup.JoinGroupResponse> {
    const protocols = (this.o.protocols ?? ['range']).map((n) => ({ name: n, metadata: subscription(this.o.topics ?? ['t']) }));
    const res = await this.client.request<JoinGroup.JoinGroupResponse>(ApiKey.JoinGroup, this.v.join, {
      groupId: this.o.groupId,
      sessionTimeoutMs: this.o.sessionTimeoutMs ?? 30_000,
      rebalanceTimeoutMs: this.o.rebalanceTimeoutMs ?? 30_000,
      memberId: this.memberId,
      ...(this.v.join >= 5 ? { groupInstanceId: this.groupInstanceId } : {}),
      protocolType: 'consumer',
      protocols,
      ...overrides,
    });
    if (res.memberId) this.memberId = res.memberId;
    if (res.errorCode === 0) {
      this.generationId = res.generationId;
      this.lastJoin = res;
    }
    return res;
  }

  /** Joins, answering MEMBER_ID_REQUIRED (KIP-394) by joining again with the id given; throws on any other error. */
  async join(): Promise<JoinGroup.JoinGroupResponse> {
    let res = await this.joinOnce();
    if (res.errorCode === ErrorCode.MEMBER_ID_REQUIRED) res = await this.joinOnce();
    if (res.errorCode !== 0) throw new Error(`JoinGroup ${this.o.groupId} as ${this.memberId || '(new)'}: ${name(res.errorCode)}`);
    return res;
  }

  /** SyncGroup at this member's generation; a leader passes the assignments. */
  sync(assignments: Map<string, Buffer> = new Map(), generationId = this.generationId): Promise<SyncGroup.SyncGroupResponse> {
    return this.client.request<SyncGroup.SyncGroupResponse>(ApiKey.SyncGroup, this.v.sync, {
      groupId: this.o.groupId,
      generationId,
      memberId: this.memberId,
      ...(this.v.sync >= 3 ? { groupInstanceId: this.groupInstanceId } : {}),
      ...(this.v.sync >= 5 ? { protocolType: 'consumer', protocolName: this.lastJoin?.protocolName ?? null } : {}),
      assignments: [...assignments].map(([memberId, a]) => ({ memberId, assignment: a })),
    });
  }

  async heartbeat(generationId = this.generationId): Promise<number> {
    const res = await this.client.request<Heartbeat.HeartbeatResponse>(ApiKey.Heartbeat, this.v.heartbeat, {
      groupId: this.o.groupId,
      generationId,
      memberId: this.memberId,
      ...(this.v.heartbeat >= 3 ? { groupInstanceId: this.groupInstanceId } : {}),
    });
    return res.errorCode;
  }

  async leave(): Promise<number> {
    const res = await this.client.request<LeaveGroup.LeaveGroupResponse>(ApiKey.LeaveGroup, this.v.leave, {
      groupId: this.o.groupId,
      ...(this.v.leave >= 3 ? { members: [{ memberId: this.memberId, groupInstanceId: this.groupInstanceId }] } : { memberId: this.memberId }),
    });
    return res.errorCode || (res.members[0]?.errorCode ?? 0);
  }

  commit(topic: string, partition: number, offset: bigint, generationId = this.generationId, memberId = this.memberId): Promise<number> {
    return commitOffset(this.client, { groupId: this.o.groupId, generationId, memberId, groupInstanceId: this.groupInstanceId, topic, partition, offset }, this.v.offsetCommit);
  }
}
