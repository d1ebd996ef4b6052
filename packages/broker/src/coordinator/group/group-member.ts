/**
 * One member of a classic group: what it said when it joined, its assignment, its
 * session timer, and the JoinGroup / SyncGroup call it may have parked.
 */
import { ErrorCode } from '@samsa/protocol';
import type { TimerHandle, Timers } from '../../platform/timers.js';

export interface Protocol {
  name: string;
  metadata: Buffer;
}

export interface JoinResult {
  errorCode: number;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leader: string;
  memberId: string;
  members: Array<{ memberId: string; groupInstanceId: string | null; metadata: Buffer }>;
}

export interface SyncResult {
  errorCode: number;
  protocolType: string | null;
  protocolName: string | null;
  assignment: Buffer;
}

export interface MemberDescription {
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  groupInstanceId: string | null;
  protocols: readonly Protocol[];
}

export function sameProtocols(a: readonly Protocol[], b: readonly Protocol[]): boolean {
  return a.length === b.length && a.every((p, i) => p.name === b[i]!.name && p.metadata.equals(b[i]!.metadata));
}

export class GroupMember {
  readonly groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocols: readonly Protocol[];
  assignment: Buffer = Buffer.alloc(0);
  private joinWaiter: ((r: JoinResult) => void) | null = null;
  private syncWaiter: ((r: SyncResult) => void) | null = null;
  private session: TimerHandle | null = null;

  constructor(
    readonly memberId: string,
    d: MemberDescription,
  ) {
    this.groupInstanceId = d.groupInstanceId;
    this.clientId = d.clientId;
    this.clientHost = d.clientHost;
    this.sessionTimeoutMs = d.sessionTimeoutMs;
    this.rebalanceTimeoutMs = d.rebalanceTimeoutMs;
    // Copies: the request's buffers are views of a frame that is about to be released.
    this.protocols = d.protocols.map((p) => ({ name: p.name, metadata: Buffer.from(p.metadata) }));
  }

  /** Takes the settings of a rejoin. */
  touch(d: MemberDescription): void {
    this.clientId = d.clientId;
    this.clientHost = d.clientHost;
    this.sessionTimeoutMs = d.sessionTimeoutMs;
    this.rebalanceTimeoutMs = d.rebalanceTimeoutMs;
    this.protocols = d.protocols.map((p) => ({ name: p.name, metadata: Buffer.from(p.metadata) }));
  }

  get isAwaitingJoin(): boolean {
    return this.joinWaiter !== null;
  }

  get isAwaitingSync(): boolean {
    return this.syncWaiter !== null;
  }

  metadataFor(protocolName: string): Buffer {
    return this.protocols.find((p) => p.name === protocolName)?.metadata ?? Buffer.alloc(0);
  }

  awaitJoin(): Promise<JoinResult> {
    // A member that joins again while parked (a client retry) supersedes the earlier call.
    this.joinWaiter?.({ errorCode: ErrorCode.REBALANCE_IN_PROGRESS, generationId: -1, protocolType: null, protocolName: null, leader: '', memberId: this.memberId, members: [] });
    return new Promise((resolve) => (this.joinWaiter = resolve));
  }

  awaitSync(): Promise<SyncResult> {
    return new Promise((resolve) => (this.syncWaiter = resolve));
  }

  answerJoin(r: JoinResult): void {
    const w = this.joinWaiter;
    this.joinWaiter = null;
    w?.(r);
  }

  answerSync(r: SyncResult): void {
    const w = this.syncWaiter;
    this.syncWaiter = null;
    w?.(r);
  }

  /** Fails whatever the member has parked with the given error. */
  fail(errorCode: number): void {
    this.answerJoin({ errorCode, generationId: -1, protocolType: null, protocolName: null, leader: '', memberId: this.memberId, members: [] });
    this.answerSync({ errorCode, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) });
  }

  scheduleSession(timers: Timers, onExpire: () => void): void {
    this.session?.cancel();
    this.session = timers.after(this.sessionTimeoutMs, onExpire);
  }

  cancelSession(): void {
    this.session?.cancel();
    this.session = null;
  }
}
