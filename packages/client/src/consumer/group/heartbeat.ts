/**
 * The background heartbeat of a member in a stable group (Kafka's HeartbeatThread): one
 * Heartbeat every heartbeat.interval.ms, whatever the application does, and on each beat
 * the max.poll.interval.ms check: an application that has not polled within it is taken
 * out of the group (Java's "consumer poll timeout has expired"), so its partitions move on.
 */
import { ApiKey, ErrorCode, type Heartbeat as HeartbeatMessages } from '@samsa/protocol';
import { KafkaProtocolError } from '../../errors.js';
import type { CoordinatorLookup } from './coordinator-lookup.js';
import { heartbeatBody } from './group-requests.js';
import type { MembershipControl } from './membership-control.js';

export interface HeartbeatOptions {
  heartbeatIntervalMs: number;
  maxPollIntervalMs: number;
  /** When the application last polled. */
  lastPollMs(): number;
  /** The poll timer expired: leave the group. */
  onPollTimeout(): void;
}

export class Heartbeat {
  private timer: NodeJS.Timeout | null = null;
  private inFlight = false;
  private running = false;
  /** Counted for tests. */
  sent = 0;

  constructor(
    private readonly lookup: CoordinatorLookup,
    private readonly ctl: MembershipControl,
    private readonly o: HeartbeatOptions,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.arm(this.o.heartbeatIntervalMs);
  }

  stop(): void {
    this.running = false;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private arm(ms: number): void {
    if (!this.running) return;
    if (this.timer !== null) clearTimeout(this.timer);
    // Never later than the poll deadline, so a stalled application is noticed on time.
    const untilPollDeadline = this.o.lastPollMs() + this.o.maxPollIntervalMs - Date.now() + 1;
    this.timer = setTimeout(() => this.beat(), Math.max(1, Math.min(ms, untilPollDeadline)));
  }

  private beat(): void {
    this.timer = null;
    if (!this.running) return;
    if (Date.now() - this.o.lastPollMs() > this.o.maxPollIntervalMs) {
      this.stop();
      this.o.onPollTimeout();
      return;
    }
    if (this.inFlight) {
      this.arm(this.o.heartbeatIntervalMs);
      return;
    }
    this.inFlight = true;
    const member = this.ctl.member();
    this.send(member).finally(() => {
      this.inFlight = false;
      this.arm(this.o.heartbeatIntervalMs);
    });
  }

  private async send(member: ReturnType<MembershipControl['member']>): Promise<void> {
    let code: number;
    try {
      const conn = await this.lookup.connection();
      const v = conn.version(ApiKey.Heartbeat);
      this.sent++;
      const res = await conn.request<HeartbeatMessages.HeartbeatResponse>(ApiKey.Heartbeat, heartbeatBody(v, member));
      code = res.errorCode;
    } catch {
      if (this.running) this.ctl.coordinatorUnknown();
      return;
    }
    // An answer about a generation we have since left says nothing about the current one.
    const now = this.ctl.member();
    if (!this.running || now.generationId !== member.generationId || now.memberId !== member.memberId) return;
    switch (code) {
      case ErrorCode.NONE:
        return;
      case ErrorCode.REBALANCE_IN_PROGRESS:
        this.ctl.requestRejoin('the group is rebalancing (Heartbeat answered REBALANCE_IN_PROGRESS)');
        return;
      case ErrorCode.UNKNOWN_MEMBER_ID:
      case ErrorCode.ILLEGAL_GENERATION:
        this.ctl.resetGeneration(`Heartbeat answered ${new KafkaProtocolError(code).type}`);
        return;
      case ErrorCode.FENCED_INSTANCE_ID:
        this.ctl.fail(new KafkaProtocolError(code, 'another consumer with the same group.instance.id joined the group'));
        return;
      case ErrorCode.NOT_COORDINATOR:
      case ErrorCode.COORDINATOR_NOT_AVAILABLE:
        this.ctl.coordinatorUnknown();
        return;
      default:
        // Other errors (authorization, ...) surface through the next JoinGroup or commit.
        return;
    }
  }
}
