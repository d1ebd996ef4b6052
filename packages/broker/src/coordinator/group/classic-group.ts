/**
 * One consumer group under the classic rebalance protocol (JoinGroup / SyncGroup /
 * Heartbeat / LeaveGroup), as Kafka's GroupCoordinator runs it:
 *
 *   Empty --join--> PreparingRebalance --all joined or rebalance timeout--> CompletingRebalance
 *   CompletingRebalance --leader's SyncGroup--> Stable
 *   Stable / CompletingRebalance --join, leave, session expiry--> PreparingRebalance
 *   any --last member gone--> Empty; Dead once deleted or unloaded
 *
 * Pure logic: no I/O. Time comes from an injected clock and timers; persistence is the
 * owner's job, told through `onStable` / `onEmpty`.
 */
import { randomUUID } from 'node:crypto';
import { ErrorCode } from '@samsa/protocol';
import type { Clock } from '../../platform/clock.js';
import type { TimerHandle, Timers } from '../../platform/timers.js';
import { computeSubscribedTopics } from './subscribed-topics.js';
import { GroupMember, sameProtocols, type JoinResult, type Protocol, type SyncResult } from './group-member.js';

export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

export interface GroupLimits {
  minSessionTimeoutMs: number;
  maxSessionTimeoutMs: number;
  initialRebalanceDelayMs: number;
  maxSize: number;
}

export interface JoinRequest {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: readonly Protocol[];
  /** JoinGroup v4+ (KIP-394): a new dynamic member must rejoin with the id we hand it. */
  requireKnownMemberId: boolean;
}

const joinError = (errorCode: number, memberId = ''): JoinResult => ({
  errorCode,
  generationId: -1,
  protocolType: null,
  protocolName: null,
  leader: '',
  memberId,
  members: [],
});

const syncError = (errorCode: number): SyncResult => ({ errorCode, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) });

export class ClassicGroup {
  state: GroupState = 'Empty';
  generationId = 0;
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  /**
   * When the group entered its current state (wall-clock ms; null for a group loaded from a
   * record without one). Offsets of an Empty group expire counting from here (KIP-211).
   */
  currentStateTimestamp: number | null;
  /** The topics this generation's consumers subscribe to; null when unknown (see subscribed-topics.ts). */
  subscribedTopics: Set<string> | null = null;
  /** In join order: the first is the leader when a new one is needed. */
  readonly members = new Map<string, GroupMember>();
  private readonly pendingMembers = new Map<string, TimerHandle>();
  private readonly staticMembers = new Map<string, string>();
  private joinTimer: TimerHandle | null = null;
  private initialDelay: TimerHandle | null = null;
  /**
   * Stores the group (assignments known) and resolves to the write's error code, 0 when it
   * is stored: the leader's SyncGroup waits for it. Also told when a static member replaces
   * itself in a Stable group; `onEmpty` when the group empties.
   */
  onStable: (g: ClassicGroup) => Promise<number> = () => Promise.resolve(0);
  onEmpty: (g: ClassicGroup) => void = () => undefined;

  constructor(
    readonly groupId: string,
    private readonly limits: GroupLimits,
    private readonly timers: Timers,
    private readonly clock: Clock,
  ) {
    this.currentStateTimestamp = clock.now();
  }

  private transitionTo(state: GroupState): void {
    this.state = state;
    this.currentStateTimestamp = this.clock.now();
  }

  /** Members that were handed an id (KIP-394) and have not joined with it yet. */
  get hasPendingMembers(): boolean {
    return this.pendingMembers.size > 0;
  }

  join(req: JoinRequest): Promise<JoinResult> {
    if (this.state === 'Dead') return Promise.resolve(joinError(ErrorCode.COORDINATOR_NOT_AVAILABLE));
    if (req.sessionTimeoutMs < this.limits.minSessionTimeoutMs || req.sessionTimeoutMs > this.limits.maxSessionTimeoutMs) {
      return Promise.resolve(joinError(ErrorCode.INVALID_SESSION_TIMEOUT, req.memberId));
    }
    if (!this.supportsProtocols(req.protocolType, req.protocols)) {
      return Promise.resolve(joinError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, req.memberId));
    }
    if (req.memberId === '') return this.joinNewMember(req);
    if (this.pendingMembers.has(req.memberId)) {
      this.pendingMembers.get(req.memberId)!.cancel();
      this.pendingMembers.delete(req.memberId);
      return this.addMemberAndRebalance(req, req.memberId);
    }
    const member = this.members.get(req.memberId);
    if (!member) {
      const owner = req.groupInstanceId !== null ? this.staticMembers.get(req.groupInstanceId) : undefined;
      return Promise.resolve(joinError(owner !== undefined ? ErrorCode.FENCED_INSTANCE_ID : ErrorCode.UNKNOWN_MEMBER_ID, req.memberId));
    }
    if (req.groupInstanceId !== null && this.staticMembers.get(req.groupInstanceId) !== req.memberId) {
      return Promise.resolve(joinError(ErrorCode.FENCED_INSTANCE_ID, req.memberId));
    }
    const unchanged = sameProtocols(member.protocols, req.protocols);
    if ((this.state === 'Stable' && unchanged && member.memberId !== this.leaderId) || (this.state === 'CompletingRebalance' && unchanged)) {
      // Nothing changed: the member gets the current generation again, no rebalance.
      member.touch(req);
      this.scheduleSession(member);
      return Promise.resolve(this.joinResultFor(member));
    }
    return this.updateMemberAndRebalance(member, req);
  }

  private joinNewMember(req: JoinRequest): Promise<JoinResult> {
    if (this.members.size + this.pendingMembers.size >= this.limits.maxSize) {
      return Promise.resolve(joinError(ErrorCode.GROUP_MAX_SIZE_REACHED));
    }
    const memberId = `${req.clientId}-${randomUUID()}`;
    if (req.groupInstanceId !== null) {
      const oldId = this.staticMembers.get(req.groupInstanceId);
      if (oldId !== undefined && this.members.has(oldId)) return this.replaceStaticMember(oldId, memberId, req);
      return this.addMemberAndRebalance(req, memberId);
    }
    if (req.requireKnownMemberId) {
      // KIP-394: remember the id for a session timeout; the member must come back with it.
      this.pendingMembers.set(
        memberId,
        this.timers.after(req.sessionTimeoutMs, () => {
          this.pendingMembers.delete(memberId);
          if (this.state === 'PreparingRebalance') this.tryCompleteJoin();
        }),
      );
      return Promise.resolve(joinError(ErrorCode.MEMBER_ID_REQUIRED, memberId));
    }
    return this.addMemberAndRebalance(req, memberId);
  }

  /**
   * A static member restarted (new member id, same instance id). The old id is fenced. When
   * the group is stable and the member's protocols are unchanged it keeps its assignment and
   * nobody rebalances (KIP-345); otherwise the group rebalances with the new id.
   */
  private replaceStaticMember(oldId: string, newId: string, req: JoinRequest): Promise<JoinResult> {
    const old = this.members.get(oldId)!;
    old.fail(ErrorCode.FENCED_INSTANCE_ID);
    old.cancelSession();
    this.members.delete(oldId);
    const member = new GroupMember(newId, req);
    member.assignment = old.assignment;
    this.members.set(newId, member);
    this.staticMembers.set(req.groupInstanceId!, newId);
    if (this.leaderId === oldId) this.leaderId = newId;
    if (this.state === 'Stable' && sameProtocols(old.protocols, req.protocols)) {
      this.scheduleSession(member);
      void this.onStable(this);
      return Promise.resolve(this.joinResultFor(member));
    }
    return this.updateMemberAndRebalance(member, req);
  }

  private addMemberAndRebalance(req: JoinRequest, memberId: string): Promise<JoinResult> {
    const member = new GroupMember(memberId, req);
    if (req.groupInstanceId !== null) this.staticMembers.set(req.groupInstanceId, memberId);
    // The first member of an empty group sets the protocol type, as in Kafka's
    // GroupMetadata.add: an Empty group keeps the last one only until someone joins.
    if (this.members.size === 0) this.protocolType = req.protocolType;
    this.members.set(memberId, member);
    const result = member.awaitJoin();
    this.maybePrepareRebalance();
    return result;
  }

  private updateMemberAndRebalance(member: GroupMember, req: JoinRequest): Promise<JoinResult> {
    member.touch(req);
    const result = member.awaitJoin();
    this.maybePrepareRebalance();
    return result;
  }

  private maybePrepareRebalance(): void {
    if (this.state === 'PreparingRebalance') {
      this.tryCompleteJoin();
      return;
    }
    const wasEmpty = this.state === 'Empty';
    if (this.state === 'CompletingRebalance') {
      for (const m of this.members.values()) m.answerSync(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
    }
    this.transitionTo('PreparingRebalance');
    this.joinTimer?.cancel();
    this.joinTimer = this.timers.after(this.rebalanceTimeoutMs(), () => this.completeJoin());
    if (wasEmpty && this.limits.initialRebalanceDelayMs > 0) {
      // Kafka's initial delay: give the other members of a starting group time to arrive
      // before the first generation forms.
      this.initialDelay = this.timers.after(this.limits.initialRebalanceDelayMs, () => {
        this.initialDelay = null;
        this.tryCompleteJoin();
      });
      return;
    }
    this.tryCompleteJoin();
  }

  private rebalanceTimeoutMs(): number {
    let max = 0;
    for (const m of this.members.values()) max = Math.max(max, m.rebalanceTimeoutMs);
    return max;
  }

  /** Completes the join phase as soon as every known member has rejoined. */
  private tryCompleteJoin(): void {
    if (this.state !== 'PreparingRebalance') return;
    if (this.initialDelay) return;
    if (this.pendingMembers.size > 0) return;
    for (const m of this.members.values()) if (!m.isAwaitingJoin) return;
    this.completeJoin();
  }

  private completeJoin(): void {
    if (this.state !== 'PreparingRebalance') return;
    this.joinTimer?.cancel();
    this.joinTimer = null;
    this.initialDelay?.cancel();
    this.initialDelay = null;
    // Members that did not rejoin within the rebalance timeout leave the group.
    for (const m of [...this.members.values()]) if (!m.isAwaitingJoin) this.removeMember(m, false);
    this.generationId++;
    if (this.members.size === 0) {
      this.protocolName = null;
      this.leaderId = null;
      this.subscribedTopics = null;
      this.transitionTo('Empty');
      this.onEmpty(this);
      return;
    }
    this.protocolName = this.electProtocol();
    if (this.leaderId === null || !this.members.has(this.leaderId)) this.leaderId = this.members.keys().next().value!;
    this.subscribedTopics = computeSubscribedTopics(this.protocolType, this.protocolName, this.members.values());
    this.transitionTo('CompletingRebalance');
    for (const m of this.members.values()) {
      m.answerJoin(this.joinResultFor(m));
      this.scheduleSession(m);
    }
  }

  private joinResultFor(m: GroupMember): JoinResult {
    const isLeader = m.memberId === this.leaderId;
    return {
      errorCode: 0,
      generationId: this.generationId,
      protocolType: this.protocolType,
      protocolName: this.protocolName,
      leader: this.leaderId ?? '',
      memberId: m.memberId,
      members: isLeader
        ? [...this.members.values()].map((x) => ({ memberId: x.memberId, groupInstanceId: x.groupInstanceId, metadata: x.metadataFor(this.protocolName!) }))
        : [],
    };
  }

  /** Protocols every member supports; each member votes for its first; most votes wins. */
  private electProtocol(): string {
    const all = [...this.members.values()];
    const candidates = all[0]!.protocols.map((p) => p.name).filter((name) => all.every((m) => m.protocols.some((p) => p.name === name)));
    const votes = new Map<string, number>(candidates.map((c) => [c, 0]));
    for (const m of all) {
      const choice = m.protocols.find((p) => votes.has(p.name))!.name;
      votes.set(choice, votes.get(choice)! + 1);
    }
    let best = candidates[0]!;
    for (const c of candidates) if (votes.get(c)! > votes.get(best)!) best = c;
    return best;
  }

  private supportsProtocols(protocolType: string, protocols: readonly Protocol[]): boolean {
    if (protocols.length === 0 || protocolType === '') return false;
    if (this.members.size === 0) return true;
    if (protocolType !== this.protocolType) return false;
    return protocols.some((p) => [...this.members.values()].every((m) => m.protocols.some((q) => q.name === p.name)));
  }

  sync(
    memberId: string,
    groupInstanceId: string | null,
    generationId: number,
    protocolType: string | null,
    protocolName: string | null,
    assignments: ReadonlyMap<string, Buffer>,
  ): Promise<SyncResult> {
    const error = this.checkMember(memberId, groupInstanceId);
    if (error) return Promise.resolve(syncError(error));
    if (generationId !== this.generationId) return Promise.resolve(syncError(ErrorCode.ILLEGAL_GENERATION));
    if ((protocolType !== null && protocolType !== this.protocolType) || (protocolName !== null && protocolName !== this.protocolName)) {
      return Promise.resolve(syncError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
    }
    const member = this.members.get(memberId)!;
    if (this.state === 'PreparingRebalance') return Promise.resolve(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
    if (this.state === 'Stable') return Promise.resolve(this.syncResultFor(member));
    const result = member.awaitSync();
    this.scheduleSession(member);
    if (memberId === this.leaderId) {
      for (const m of this.members.values()) m.assignment = assignments.get(m.memberId) ?? Buffer.alloc(0);
      // Kafka's doSyncGroup: the generation is Stable, and its members get their assignments,
      // only once it is stored. Answering first would let a member consume under a generation
      // that a coordinator move brings back from an older record, with other members in it.
      const generation = this.generationId;
      void this.onStable(this).then((errorCode) => this.assignmentStored(generation, errorCode));
    }
    return result;
  }

  private assignmentStored(generation: number, errorCode: number): void {
    // A join, leave or expiry while the write was in flight has moved the group on.
    if (this.state !== 'CompletingRebalance' || this.generationId !== generation) return;
    if (errorCode !== 0) {
      // Kafka's resetAndPropagateAssignmentError: every waiting member gets the write's
      // error (a coordinator error: find it again, rejoin) and the group rebalances.
      for (const m of this.members.values()) {
        m.assignment = Buffer.alloc(0);
        m.answerSync(syncError(errorCode));
      }
      this.maybePrepareRebalance();
      return;
    }
    this.transitionTo('Stable');
    for (const m of this.members.values()) m.answerSync(this.syncResultFor(m));
  }

  private syncResultFor(m: GroupMember): SyncResult {
    return { errorCode: 0, protocolType: this.protocolType, protocolName: this.protocolName, assignment: m.assignment };
  }

  heartbeat(memberId: string, groupInstanceId: string | null, generationId: number): number {
    const error = this.checkMember(memberId, groupInstanceId);
    if (error) return error;
    if (generationId !== this.generationId) return ErrorCode.ILLEGAL_GENERATION;
    this.scheduleSession(this.members.get(memberId)!);
    return this.state === 'PreparingRebalance' ? ErrorCode.REBALANCE_IN_PROGRESS : 0;
  }

  /** Each answer echoes the identity as asked (an admin's leave by instance id keeps memberId ''), as Kafka does. */
  leave(identities: ReadonlyArray<{ memberId: string; groupInstanceId: string | null }>): Array<{ memberId: string; groupInstanceId: string | null; errorCode: number }> {
    return identities.map((id) => {
      let memberId = id.memberId;
      if (id.groupInstanceId !== null) {
        const owner = this.staticMembers.get(id.groupInstanceId);
        if (owner === undefined) return { ...id, errorCode: ErrorCode.UNKNOWN_MEMBER_ID };
        if (memberId !== '' && memberId !== owner) return { ...id, errorCode: ErrorCode.FENCED_INSTANCE_ID };
        memberId = owner;
      }
      if (this.pendingMembers.has(memberId)) {
        this.pendingMembers.get(memberId)!.cancel();
        this.pendingMembers.delete(memberId);
        if (this.state === 'PreparingRebalance') this.tryCompleteJoin();
        return { ...id, errorCode: 0 };
      }
      const member = this.members.get(memberId);
      if (!member) return { ...id, errorCode: ErrorCode.UNKNOWN_MEMBER_ID };
      this.removeMember(member, true);
      return { ...id, errorCode: 0 };
    });
  }

  /** Whether an OffsetCommit from this member at this generation may be accepted. */
  validateCommit(memberId: string, groupInstanceId: string | null, generationId: number): number {
    if (this.state === 'Dead') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    // Generation -1 is an admin client or a consumer without group management. Kafka 3.x
    // (validateOffsetCommit) lets it commit to an Empty group whatever member id or instance
    // id it carries: a consumer that left keeps sending its old member id.
    if (generationId < 0 && this.state === 'Empty') return 0;
    const error = this.checkMember(memberId, groupInstanceId);
    if (error) return error;
    if (generationId !== this.generationId) return ErrorCode.ILLEGAL_GENERATION;
    // A member of the generation that just formed has its JoinGroup answer but not yet its
    // assignment: Kafka answers REBALANCE_IN_PROGRESS until SyncGroup completes.
    if (this.state === 'CompletingRebalance') return ErrorCode.REBALANCE_IN_PROGRESS;
    // PreparingRebalance accepts the current generation's commits: librdkafka commits in its
    // revoke callback, before it rejoins, and refusing it there loses the commit.
    return 0;
  }

  private checkMember(memberId: string, groupInstanceId: string | null): number {
    if (this.state === 'Dead') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (groupInstanceId !== null) {
      const owner = this.staticMembers.get(groupInstanceId);
      if (owner !== undefined && owner !== memberId) return ErrorCode.FENCED_INSTANCE_ID;
    }
    return this.members.has(memberId) ? 0 : ErrorCode.UNKNOWN_MEMBER_ID;
  }

  private scheduleSession(m: GroupMember): void {
    m.scheduleSession(this.timers, () => {
      // A member parked in JoinGroup or SyncGroup is alive by definition.
      if (m.isAwaitingJoin || m.isAwaitingSync) this.scheduleSession(m);
      else if (this.members.get(m.memberId) === m) this.removeMember(m, true);
    });
  }

  private removeMember(m: GroupMember, rebalance: boolean): void {
    m.cancelSession();
    m.fail(ErrorCode.UNKNOWN_MEMBER_ID);
    this.members.delete(m.memberId);
    if (m.groupInstanceId !== null && this.staticMembers.get(m.groupInstanceId) === m.memberId) this.staticMembers.delete(m.groupInstanceId);
    if (this.leaderId === m.memberId) this.leaderId = null;
    if (!rebalance) return;
    if (this.state === 'Stable' || this.state === 'CompletingRebalance') this.maybePrepareRebalance();
    else if (this.state === 'PreparingRebalance') this.tryCompleteJoin();
  }

  /**
   * Rebuilds a group from its last stored generation (a coordinator that just loaded the
   * offsets partition): members come back with their assignments and fresh session timers,
   * so a static member that restarts meanwhile rejoins without a rebalance.
   */
  restore(value: {
    protocolType: string;
    generationId: number;
    protocolName: string | null;
    leader: string | null;
    currentStateTimestamp: bigint;
    members: ReadonlyArray<{ memberId: string; groupInstanceId: string | null; clientId: string; clientHost: string; rebalanceTimeoutMs: number; sessionTimeoutMs: number; subscription: Buffer; assignment: Buffer }>;
  }): void {
    this.generationId = value.generationId;
    this.protocolType = value.members.length ? value.protocolType : value.protocolType || null;
    this.protocolName = value.protocolName;
    this.leaderId = value.leader;
    for (const m of value.members) {
      const member = new GroupMember(m.memberId, {
        clientId: m.clientId,
        clientHost: m.clientHost,
        sessionTimeoutMs: m.sessionTimeoutMs,
        rebalanceTimeoutMs: m.rebalanceTimeoutMs,
        groupInstanceId: m.groupInstanceId,
        protocols: value.protocolName ? [{ name: value.protocolName, metadata: m.subscription }] : [],
      });
      member.assignment = m.assignment;
      this.members.set(m.memberId, member);
      if (m.groupInstanceId !== null) this.staticMembers.set(m.groupInstanceId, m.memberId);
      this.scheduleSession(member);
    }
    this.state = this.members.size > 0 ? 'Stable' : 'Empty';
    // Kafka writes -1 when the state time is unknown; expiry then counts from each commit.
    this.currentStateTimestamp = value.currentStateTimestamp >= 0n ? Number(value.currentStateTimestamp) : null;
    this.subscribedTopics = computeSubscribedTopics(this.protocolType, this.protocolName, this.members.values());
  }

  /** Marks the group Dead (deleted, or its coordinator moved): every parked call fails over. */
  kill(): void {
    this.transitionTo('Dead');
    this.joinTimer?.cancel();
    this.initialDelay?.cancel();
    for (const t of this.pendingMembers.values()) t.cancel();
    this.pendingMembers.clear();
    for (const m of this.members.values()) {
      m.cancelSession();
      m.fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    }
  }
}
