/**
 * OffsetCommit and OffsetFetch against the coordinator, one attempt each, with Kafka's
 * reactions to the group errors (ConsumerCoordinator's OffsetCommitResponseHandler). A
 * retriable failure comes back as a retriable error for the caller's retry loop
 * (commitSync retries until its timeout; commitAsync does not retry, as in Kafka).
 */
import { ApiKey, ErrorCode, type OffsetCommit, type OffsetFetch } from '@samsa/protocol';
import { KafkaProtocolError, SamsaClientError } from '../../errors.js';
import { offsetNumber, tpKey, type CommittedOffset, type TopicPartition } from '../types.js';
import type { CoordinatorLookup } from './coordinator-lookup.js';
import { offsetCommitBody, offsetFetchBody, readOffsetFetch, type CommitEntry } from './group-requests.js';
import type { MembershipControl } from './membership-control.js';

const COORDINATOR_MOVED = new Set<number>([ErrorCode.COORDINATOR_NOT_AVAILABLE, ErrorCode.NOT_COORDINATOR, ErrorCode.REQUEST_TIMED_OUT]);

export class OffsetCommitter {
  constructor(
    private readonly groupId: string,
    private readonly lookup: CoordinatorLookup,
    private readonly ctl: MembershipControl,
  ) {}

  async commit(entries: readonly CommitEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const member = this.ctl.member();
    const conn = await this.connection();
    const v = conn.version(ApiKey.OffsetCommit);
    let res: OffsetCommit.OffsetCommitResponse;
    try {
      res = await conn.request<OffsetCommit.OffsetCommitResponse>(ApiKey.OffsetCommit, offsetCommitBody(v, member, entries));
    } catch (e) {
      if (e instanceof SamsaClientError && e.retriable) this.ctl.coordinatorUnknown();
      throw e;
    }
    for (const t of res.topics) for (const p of t.partitions) if (p.errorCode !== 0) throw this.commitError(p.errorCode, `${t.name}-${p.partitionIndex}`);
  }

  private commitError(code: number, tp: string): SamsaClientError {
    if (COORDINATOR_MOVED.has(code)) this.ctl.coordinatorUnknown();
    if (code === ErrorCode.FENCED_INSTANCE_ID) {
      const err = new KafkaProtocolError(code, `commit of ${tp}: another consumer with the same group.instance.id took over`);
      this.ctl.fail(err);
      return err;
    }
    if (code === ErrorCode.UNKNOWN_MEMBER_ID || code === ErrorCode.ILLEGAL_GENERATION) {
      this.ctl.resetGeneration(`OffsetCommit answered ${new KafkaProtocolError(code).type}`);
      return new SamsaClientError('COMMIT_FAILED', `commit cannot be completed since the group has already rebalanced and assigned the partitions to another member (${new KafkaProtocolError(code).type} for ${tp})`, { cause: new KafkaProtocolError(code) });
    }
    if (code === ErrorCode.REBALANCE_IN_PROGRESS) {
      this.ctl.requestRejoin('OffsetCommit answered REBALANCE_IN_PROGRESS');
      return new SamsaClientError('COMMIT_FAILED', `commit of ${tp} cannot be completed while the group rebalances: poll() to rejoin, then commit again`, { cause: new KafkaProtocolError(code) });
    }
    return new KafkaProtocolError(code, `commit of ${tp}`);
  }

  /** Committed offsets; a partition with none is absent. Retriable failures throw a retriable error. */
  async fetch(partitions: readonly TopicPartition[]): Promise<Map<string, CommittedOffset>> {
    const out = new Map<string, CommittedOffset>();
    if (partitions.length === 0) return out;
    const conn = await this.connection();
    const v = conn.version(ApiKey.OffsetFetch);
    let res: OffsetFetch.OffsetFetchResponse;
    try {
      res = await conn.request<OffsetFetch.OffsetFetchResponse>(ApiKey.OffsetFetch, offsetFetchBody(v, this.groupId, partitions));
    } catch (e) {
      if (e instanceof SamsaClientError && e.retriable) this.ctl.coordinatorUnknown();
      throw e;
    }
    const { errorCode, partitions: got } = readOffsetFetch(res, v);
    if (errorCode !== 0) throw this.fetchError(errorCode, `group ${this.groupId}`);
    for (const p of got) {
      if (p.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) continue; // nothing committed for it
      if (p.errorCode !== 0) throw this.fetchError(p.errorCode, `${p.topic}-${p.partition}`);
      if (p.offset < 0n) continue;
      out.set(tpKey(p.topic, p.partition), { offset: offsetNumber(p.offset), leaderEpoch: p.leaderEpoch >= 0 ? p.leaderEpoch : null, metadata: p.metadata ?? '' });
    }
    return out;
  }

  private fetchError(code: number, what: string): KafkaProtocolError {
    if (COORDINATOR_MOVED.has(code)) this.ctl.coordinatorUnknown();
    // UNSTABLE_OFFSET_COMMIT (a transaction is settling) and the coordinator errors are retriable.
    const err = new KafkaProtocolError(code, `committed offsets of ${what}`);
    if (code === ErrorCode.FENCED_INSTANCE_ID) this.ctl.fail(err);
    return err;
  }

  private async connection() {
    try {
      return await this.lookup.connection();
    } catch (e) {
      if (e instanceof SamsaClientError) throw e;
      throw new SamsaClientError('CONNECTION_FAILED', `no connection to the coordinator of group ${this.groupId}: ${(e as Error).message}`, { retriable: true, cause: e });
    }
  }
}

export type { CommitEntry };
