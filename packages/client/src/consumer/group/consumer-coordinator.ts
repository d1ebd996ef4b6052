/**
 * Group membership under the classic protocol (Kafka's ConsumerCoordinator and
 * AbstractCoordinator): find the coordinator, JoinGroup (the leader also assigns),
 * SyncGroup, then heartbeats in the background until something asks for a rejoin.
 *
 * A rebalance runs inside poll() (a poll waits for it up to its timeout; one that runs out
 * leaves it going for the next poll to pick up), and the rebalance listener's callbacks are
 * awaited there. Eager assignors: every owned partition is revoked before joining.
 * Cooperative ones: partitions are kept through the rebalance and only those the new
 * assignment drops are revoked, followed by another rejoin so they can move (KIP-429).
 *
 * Coordinator errors get Java's reactions: REBALANCE_IN_PROGRESS rejoins;
 * UNKNOWN_MEMBER_ID / ILLEGAL_GENERATION forget the member id and generation and rejoin;
 * NOT_COORDINATOR / COORDINATOR_NOT_AVAILABLE find the coordinator again; MEMBER_ID_REQUIRED
 * rejoins with the id given; FENCED_INSTANCE_ID and the configuration errors are fatal.
 */
import { ApiKey, decodeAssignment, ErrorCode, type JoinGroup, type LeaveGroup, type SyncGroup } from '@samsa/protocol';
import type { BrokerPool } from '../../connection/broker-pool.js';
import type { BrokerConnection } from '../../connection/connection.js';
import { KafkaProtocolError, SamsaClientError } from '../../errors.js';
import { backoffMs } from '../../util/backoff.js';
import { Wakeup } from '../../util/wakeup.js';
import type { PartitionAssignor } from '../assignors/assignor.js';
import type { ConsumerSettings } from '../consumer-config.js';
import type { SubscriptionState } from '../subscription-state.js';
import { tpKey, type TopicPartition } from '../types.js';
import { allTopicNames, groupByTopic, joinProtocols, leaderAssign } from './assignment.js';
import type { CoordinatorLookup } from './coordinator-lookup.js';
import { joinGroupBody, leaveGroupBody, leaveGroupError, syncGroupBody, type Member } from './group-requests.js';
import { Heartbeat } from './heartbeat.js';
import type { MembershipControl } from './membership-control.js';

/** Errors that end the consumer: retrying cannot help. */
const FATAL = new Set<number>([
  ErrorCode.FENCED_INSTANCE_ID,
  ErrorCode.INCONSISTENT_GROUP_PROTOCOL,
  ErrorCode.INVALID_SESSION_TIMEOUT,
  ErrorCode.INVALID_GROUP_ID,
  ErrorCode.GROUP_AUTHORIZATION_FAILED,
  ErrorCode.GROUP_MAX_SIZE_REACHED,
  ErrorCode.UNSUPPORTED_VERSION,
]);

export interface CoordinatorHooks {
  /** Something poll() waits for changed (a rejoin is needed, a rebalance ended, an error). */
  onChange(): void;
  /** Partitions left the assignment: drop their fetched data. */
  onPartitionsRemoved(keys: string[]): void;
  /** Commits every consumed position (auto commit before a rebalance); errors are swallowed by the caller. */
  commitConsumed(timeoutMs: number): Promise<void>;
}

export type MemberState = 'unjoined' | 'rebalancing' | 'stable';

export class ConsumerCoordinator implements MembershipControl {
  memberId = '';
  generationId = -1;
  state: MemberState = 'unjoined';
  protocol: PartitionAssignor | null = null;
  fatal: SamsaClientError | null = null;
  /** An error a rebalance listener threw, for the next poll to raise (as Kafka does). */
  listenerError: unknown = null;
  lastPollMs = Date.now();
  /** Counted for tests: completed rebalances (JoinGroup + SyncGroup). */
  rebalances = 0;
  private needsRejoin = false;
  private needsJoinPrepare = true;
  private joining: Promise<void> | null = null;
  private closing = false;
  /** The leader's view of partition counts at its last assignment; a change means a rejoin. */
  private assignedCounts: Map<string, number> | null = null;
  /** The assignment received in `generationId` (the eager sticky assignor sends it again after a revoke). */
  private lastAssignment = new Map<string, number[]>();
  private readonly sleeper = new Wakeup();
  readonly heartbeat: Heartbeat;

  constructor(
    private readonly s: ConsumerSettings & { groupId: string },
    private readonly subs: SubscriptionState,
    private readonly brokers: BrokerPool,
    private readonly lookup: CoordinatorLookup,
    private readonly hooks: CoordinatorHooks,
  ) {
    this.heartbeat = new Heartbeat(lookup, this, {
      heartbeatIntervalMs: s.heartbeatIntervalMs,
      maxPollIntervalMs: s.maxPollIntervalMs,
      lastPollMs: () => this.lastPollMs,
      onPollTimeout: () => this.onPollTimeout(),
    });
  }

  member(): Member {
    return { groupId: this.s.groupId, memberId: this.memberId, generationId: this.generationId, groupInstanceId: this.s.groupInstanceId };
  }

  get isStatic(): boolean {
    return this.s.groupInstanceId !== null;
  }

  requestRejoin(_reason: string): void {
    this.needsRejoin = true;
    this.hooks.onChange();
  }

  resetGeneration(reason: string): void {
    this.memberId = '';
    this.generationId = -1;
    this.state = 'unjoined';
    this.heartbeat.stop();
    this.requestRejoin(reason);
  }

  coordinatorUnknown(): void {
    this.lookup.markUnknown();
  }

  fail(err: SamsaClientError): void {
    this.fatal ??= err;
    this.heartbeat.stop();
    this.hooks.onChange();
  }

  /** The subscription changed (subscribe again, a pattern matched new topics): rejoin. */
  subscriptionChanged(): void {
    if (this.subs.usesGroup) this.requestRejoin('the subscription changed');
  }

  /** Called on metadata updates: the leader rejoins when a subscribed topic's partition count changed. */
  checkPartitionCounts(countOf: (topic: string) => number | undefined): void {
    if (this.state !== 'stable' || this.assignedCounts === null) return;
    for (const [topic, n] of this.assignedCounts) {
      const now = countOf(topic);
      if (now !== undefined && now !== n) {
        this.requestRejoin(`the partition count of ${topic} changed from ${n} to ${now}`);
        return;
      }
    }
  }

  /**
   * The group part of poll(): runs (or goes on with) a rebalance when one is needed, waiting
   * for it until `deadlineMs`. Resolves true when the member is stable.
   */
  async poll(deadlineMs: number): Promise<boolean> {
    this.lastPollMs = Date.now();
    this.throwIfFailed();
    if (!this.subs.usesGroup) return true;
    if (this.state === 'unjoined') this.needsRejoin = true;
    if (this.needsRejoin && this.joining === null) {
      this.joining = this.joinLoop().finally(() => {
        this.joining = null;
        this.hooks.onChange();
      });
    }
    if (this.joining !== null) {
      const left = deadlineMs - Date.now();
      if (left > 0) await this.sleeper.race(this.joining, left);
    }
    this.throwIfFailed();
    return this.state === 'stable' && this.joining === null;
  }

  get rebalancing(): boolean {
    return this.joining !== null || this.needsRejoin;
  }

  private throwIfFailed(): void {
    if (this.fatal) throw this.fatal;
    if (this.listenerError !== null) {
      const e = this.listenerError;
      this.listenerError = null;
      throw e;
    }
  }

  private async joinLoop(): Promise<void> {
    let failures = 0;
    while (this.needsRejoin && !this.closing && this.fatal === null) {
      try {
        if (this.needsJoinPrepare) {
          this.needsJoinPrepare = false;
          await this.onJoinPrepare();
        }
        this.state = 'rebalancing';
        this.heartbeat.stop();
        this.needsRejoin = false;
        const conn = await this.lookup.connection();
        if (this.subs.type === 'pattern') this.subs.matchPattern(await allTopicNames(this.brokers, this.s.excludeInternalTopics));
        const joined = await this.joinGroup(conn);
        const assignor = this.s.assignors.find((a) => a.name === joined.protocolName);
        if (!assignor) throw new KafkaProtocolError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, `the group chose protocol ${joined.protocolName}, which this consumer did not offer`);
        const assigned = await this.syncGroup(conn, joined, assignor);
        this.needsJoinPrepare = true;
        await this.onJoinComplete(assignor, assigned);
        failures = 0;
      } catch (e) {
        if (this.closing) return;
        this.needsRejoin = true;
        if (this.state === 'rebalancing') this.state = this.generationId >= 0 ? 'rebalancing' : 'unjoined';
        const wait = this.onJoinError(e);
        if (this.fatal) return;
        if (wait) await this.sleeper.wait(backoffMs({ initialMs: this.s.retryBackoffMs, maxMs: this.s.retryBackoffMaxMs }, failures++));
      }
    }
  }

  /** Reacts to a failed join or sync; returns whether to back off before the next attempt. */
  private onJoinError(e: unknown): boolean {
    if (!(e instanceof SamsaClientError)) {
      this.fail(new SamsaClientError('ILLEGAL_STATE', `group membership failed: ${(e as Error)?.message ?? String(e)}`, { cause: e }));
      return false;
    }
    if (!(e instanceof KafkaProtocolError)) {
      if (e.code === 'UNSUPPORTED_VERSION' || e.code === 'CLOSED') this.fail(e);
      else this.lookup.markUnknown(); // the coordinator's connection failed
      return true;
    }
    switch (e.errorCode) {
      case ErrorCode.MEMBER_ID_REQUIRED: // memberId was taken from the response
        return false;
      case ErrorCode.UNKNOWN_MEMBER_ID:
      case ErrorCode.ILLEGAL_GENERATION:
        this.memberId = '';
        this.generationId = -1;
        return false;
      case ErrorCode.REBALANCE_IN_PROGRESS:
        return false;
      case ErrorCode.NOT_COORDINATOR:
      case ErrorCode.COORDINATOR_NOT_AVAILABLE:
        this.lookup.markUnknown();
        return true;
      default:
        if (FATAL.has(e.errorCode) || !e.retriable) this.fail(e);
        return true;
    }
  }

  /** Before joining: commit what was consumed, then revoke (eager) or declare lost (no generation). */
  private async onJoinPrepare(): Promise<void> {
    if (this.s.enableAutoCommit && this.generationId >= 0) {
      await this.hooks.commitConsumed(Math.min(this.s.defaultApiTimeoutMs, this.s.maxPollIntervalMs)).catch(() => undefined);
    }
    const owned = this.subs.assigned();
    if (owned.length === 0) return;
    if (this.generationId < 0 || this.memberId === '') {
      await this.callListener('onPartitionsLost', owned);
      this.dropPartitions(owned);
    } else if (this.protocol === null || this.protocol.rebalanceProtocol === 'eager') {
      await this.callListener('onPartitionsRevoked', owned);
      this.dropPartitions(owned);
    } else {
      // Cooperative: only partitions of topics no longer subscribed go now.
      const gone = owned.filter((tp) => !this.subs.topics.has(tp.topic));
      if (gone.length > 0) {
        await this.callListener('onPartitionsRevoked', gone);
        this.dropPartitions(gone);
      }
    }
  }

  private dropPartitions(tps: readonly TopicPartition[]): void {
    const drop = new Set(tps.map((tp) => tpKey(tp.topic, tp.partition)));
    this.subs.assignFromGroup(this.subs.assigned().filter((tp) => !drop.has(tpKey(tp.topic, tp.partition))));
    this.hooks.onPartitionsRemoved([...drop]);
  }

  private async joinGroup(conn: BrokerConnection): Promise<JoinGroup.JoinGroupResponse> {
    const v = conn.version(ApiKey.JoinGroup);
    const own = { topics: [...this.subs.topics].sort(), ownedPartitions: groupByTopic(this.subs.assigned()), generationId: this.generationId, previousAssignment: this.lastAssignment };
    const body = joinGroupBody(v, this.member(), {
      sessionTimeoutMs: this.s.sessionTimeoutMs,
      rebalanceTimeoutMs: this.s.maxPollIntervalMs,
      protocols: joinProtocols(this.s.assignors, own, this.s.clientRack),
      reason: 'rebalance',
    });
    // The coordinator parks a JoinGroup until every member has rejoined, up to the rebalance timeout.
    const res = await conn.request<JoinGroup.JoinGroupResponse>(ApiKey.JoinGroup, body, Math.max(this.s.requestTimeoutMs, this.s.maxPollIntervalMs + 5000));
    if (res.errorCode === ErrorCode.MEMBER_ID_REQUIRED) this.memberId = res.memberId;
    if (res.errorCode !== 0) throw new KafkaProtocolError(res.errorCode, `JoinGroup of group ${this.s.groupId}`);
    this.memberId = res.memberId;
    this.generationId = res.generationId;
    return res;
  }

  private async syncGroup(conn: BrokerConnection, joined: JoinGroup.JoinGroupResponse, assignor: PartitionAssignor): Promise<TopicPartition[]> {
    let assignments: SyncGroup.SyncGroupRequestAssignmentInput[] = [];
    if (joined.leader === joined.memberId && !joined.skipAssignment) {
      const r = await leaderAssign(this.brokers, assignor, joined);
      assignments = r.assignments;
      this.assignedCounts = r.counts;
    } else {
      this.assignedCounts = null;
    }
    const v = conn.version(ApiKey.SyncGroup);
    const res = await conn.request<SyncGroup.SyncGroupResponse>(ApiKey.SyncGroup, syncGroupBody(v, this.member(), assignor.name, assignments), Math.max(this.s.requestTimeoutMs, this.s.maxPollIntervalMs + 5000));
    if (res.errorCode !== 0) throw new KafkaProtocolError(res.errorCode, `SyncGroup of group ${this.s.groupId}`);
    const decoded = decodeAssignment(res.assignment);
    return decoded.assignedPartitions.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition })));
  }

  private async onJoinComplete(assignor: PartitionAssignor, assigned: TopicPartition[]): Promise<void> {
    this.protocol = assignor;
    this.rebalances++;
    this.lastAssignment = groupByTopic(assigned);
    const owned = this.subs.assigned();
    const ownedKeys = new Set(owned.map((tp) => tpKey(tp.topic, tp.partition)));
    const assignedKeys = new Set(assigned.map((tp) => tpKey(tp.topic, tp.partition)));
    const revoked = owned.filter((tp) => !assignedKeys.has(tpKey(tp.topic, tp.partition)));
    const added = assigned.filter((tp) => !ownedKeys.has(tpKey(tp.topic, tp.partition)));
    if (assignor.rebalanceProtocol === 'cooperative') {
      if (revoked.length > 0) await this.callListener('onPartitionsRevoked', revoked);
      this.setAssignment(assigned, revoked);
      this.state = 'stable';
      this.heartbeat.start();
      await this.callListener('onPartitionsAssigned', added);
      // What was given up can now go to its new owner, in a second rebalance.
      if (revoked.length > 0) this.requestRejoin('partitions were revoked in a cooperative rebalance');
    } else {
      this.setAssignment(assigned, revoked);
      this.state = 'stable';
      this.heartbeat.start();
      await this.callListener('onPartitionsAssigned', assigned);
    }
  }

  private setAssignment(assigned: readonly TopicPartition[], removed: readonly TopicPartition[]): void {
    this.subs.assignFromGroup(assigned);
    this.hooks.onPartitionsRemoved(removed.map((tp) => tpKey(tp.topic, tp.partition)));
  }

  private async callListener(name: 'onPartitionsRevoked' | 'onPartitionsAssigned' | 'onPartitionsLost', tps: TopicPartition[]): Promise<void> {
    const fn = this.subs.listener[name];
    if (!fn) return;
    // Kafka calls onPartitionsAssigned even with nothing new; the others only with something.
    if (tps.length === 0 && name !== 'onPartitionsAssigned') return;
    try {
      await fn.call(this.subs.listener, tps);
    } catch (e) {
      this.listenerError ??= e;
    }
  }

  /** max.poll.interval.ms passed without a poll: leave (dynamic members tell the coordinator). */
  private onPollTimeout(): void {
    void this.leave('consumer poll timeout has expired', this.s.requestTimeoutMs);
    this.resetGeneration('consumer poll timeout has expired');
  }

  /** LeaveGroup for a dynamic member; static members are only removed by session timeout (KIP-345). */
  private async leave(reason: string, timeoutMs: number): Promise<void> {
    if (this.isStatic || this.memberId === '') return;
    const member = this.member();
    try {
      const conn = await this.lookup.connection();
      const v = conn.version(ApiKey.LeaveGroup);
      const res = await conn.request<LeaveGroup.LeaveGroupResponse>(ApiKey.LeaveGroup, leaveGroupBody(v, member, reason), timeoutMs);
      void leaveGroupError(res); // nothing to do either way: the member is gone for us
    } catch {
      // A coordinator that cannot be reached removes the member at session timeout.
    }
  }

  /** On close: stops rebalancing for good, then departs. */
  async close(timeoutMs: number): Promise<void> {
    this.closing = true;
    this.sleeper.notify();
    await this.depart(timeoutMs);
  }

  /**
   * Leaves the group (close, unsubscribe): commit (auto commit), revoke everything through
   * the listener, LeaveGroup (dynamic members), stop the heartbeat. Bounded by `timeoutMs`.
   */
  async depart(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    this.heartbeat.stop();
    this.needsRejoin = false;
    if (this.subs.usesGroup && this.memberId !== '') {
      if (this.s.enableAutoCommit && this.generationId >= 0) await this.hooks.commitConsumed(Math.max(0, deadline - Date.now())).catch(() => undefined);
      const owned = this.subs.assigned();
      if (owned.length > 0) await this.callListener(this.generationId >= 0 && this.state === 'stable' ? 'onPartitionsRevoked' : 'onPartitionsLost', owned);
      await this.leave('the consumer is being closed', Math.max(1, Math.min(this.s.requestTimeoutMs, deadline - Date.now())));
    }
    this.memberId = '';
    this.generationId = -1;
    this.state = 'unjoined';
    this.needsJoinPrepare = true;
  }
}
