/**
 * One partition replica on this broker: its log and, while it leads, the state the leader
 * keeps (leader epoch, ISR, each replica's log end, the high watermark). Appends are
 * serialized here so offsets are assigned in the order requests arrive.
 */
import { ErrorCode } from '@samsa/protocol';
import type { LogConfig } from '../config/topic-config.js';
import type { PartitionLog } from '../log/partition-log.js';
import type { Clock } from '../platform/clock.js';
import { lastSeqOf, ProducerStateTable } from './producer-state.js';
import { AppendError, assignOffsets, validateBatches, type ValidatedBatches } from './validate-batches.js';

export interface AppendResult {
  baseOffset: number;
  lastOffset: number;
  /** -1 unless the topic uses LogAppendTime. */
  logAppendTimeMs: number;
  logStartOffset: number;
}

export type Role = 'leader' | 'follower';

export class Partition {
  // Follower until the metadata says otherwise: becoming leader is an event listeners hear.
  role: Role = 'follower';
  leaderEpoch = 0;
  isr: number[] = [];
  private highWatermarkValue: number;
  private readonly dataWaiters = new Set<() => void>();
  /** Idempotent producers' recent batches; rebuilt from the log when the partition opens. */
  producerState = new ProducerStateTable();
  /** Idempotent appends run one at a time, so a sequence is checked against the one before it. */
  private idempotentChain: Promise<unknown> = Promise.resolve();
  /** Log end offsets the leader knows for each replica (itself included). */
  private readonly replicaLogEnds = new Map<number, number>();

  constructor(
    readonly topic: string,
    readonly index: number,
    readonly topicId: string,
    readonly log: PartitionLog,
    public config: LogConfig,
    private readonly nodeId: number,
    private readonly clock: Clock,
  ) {
    // A single replica's high watermark is its log end; with followers it is the smallest
    // log end in the ISR, recomputed as they report in.
    this.highWatermarkValue = log.logEndOffset;
  }

  get name(): string {
    return `${this.topic}-${this.index}`;
  }

  get highWatermark(): number {
    return this.highWatermarkValue;
  }

  get logEndOffset(): number {
    return this.log.logEndOffset;
  }

  get logStartOffset(): number {
    return this.log.logStartOffset;
  }

  becomeLeader(leaderEpoch: number, isr: readonly number[]): void {
    this.role = 'leader';
    this.leaderEpoch = leaderEpoch;
    this.isr = [...isr];
    this.replicaLogEnds.set(this.nodeId, this.log.logEndOffset);
    this.maybeAdvanceHighWatermark();
  }

  /**
   * Another replica leads now (or none does): clients are sent there with
   * NOT_LEADER_OR_FOLLOWER. Parked fetches wake up to find out. Fetching from the new leader
   * is the replication fetcher's job.
   */
  becomeFollower(leaderEpoch: number, isr: readonly number[]): void {
    this.role = 'follower';
    this.leaderEpoch = leaderEpoch;
    this.isr = [...isr];
    this.replicaLogEnds.clear();
    this.notifyData();
  }

  /** Validates, assigns offsets and appends one Produce's batches for this partition. */
  async appendAsLeader(records: Buffer, requiredAcks: number): Promise<AppendResult> {
    if (this.role !== 'leader') {
      throw new AppendError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `broker ${this.nodeId} does not lead ${this.name}`);
    }
    if (requiredAcks === -1 && this.isr.length < this.config.minInsyncReplicas) {
      throw new AppendError(ErrorCode.NOT_ENOUGH_REPLICAS, `${this.name} has ${this.isr.length} in-sync replica(s), min.insync.replicas is ${this.config.minInsyncReplicas}`);
    }
    const now = this.clock.now();
    const validated = validateBatches(records, this.config, now);
    if (validated.batches.some((b) => b.producerId >= 0n)) {
      const run = (): Promise<AppendResult> => this.appendIdempotent(records, validated, now);
      const result = this.idempotentChain.then(run, run);
      this.idempotentChain = result.catch(() => undefined);
      return result;
    }
    return this.append(records, validated, now);
  }

  private async append(records: Buffer, validated: ValidatedBatches, now: number): Promise<AppendResult> {
    const logAppendTime = this.config.messageTimestampType === 'LogAppendTime' ? now : null;
    // The log calls back with the base offset when this append's turn comes, so concurrent
    // produces are ordered by the log's queue and written together in one writev.
    const appended = await this.log.append(records, (baseOffset) =>
      assignOffsets(records, validated, baseOffset, this.leaderEpoch, logAppendTime),
    );
    this.replicaLogEnds.set(this.nodeId, this.log.logEndOffset);
    this.maybeAdvanceHighWatermark();
    this.notifyData();
    return {
      baseOffset: appended.baseOffset,
      lastOffset: appended.lastOffset,
      logAppendTimeMs: logAppendTime ?? -1,
      logStartOffset: this.log.logStartOffset,
    };
  }

  /**
   * One batch from an idempotent producer: a retry of one of its last five batches gets the
   * original offsets back and is not written again; a gap or an old epoch is refused.
   */
  private async appendIdempotent(records: Buffer, validated: ValidatedBatches, now: number): Promise<AppendResult> {
    if (validated.batches.length !== 1) {
      throw new AppendError(ErrorCode.INVALID_RECORD, 'an idempotent producer sends one batch per partition per request');
    }
    const b = validated.batches[0]!;
    const lastSeq = lastSeqOf(b.baseSequence, b.lastOffsetDelta);
    const check = this.producerState.check(b.producerId, b.producerEpoch, b.baseSequence, lastSeq);
    if (check.kind === 'error') throw new AppendError(check.errorCode, check.message);
    if (check.kind === 'duplicate') {
      return { baseOffset: check.batch.firstOffset, lastOffset: check.batch.lastOffset, logAppendTimeMs: -1, logStartOffset: this.log.logStartOffset };
    }
    const result = await this.append(records, validated, now);
    this.producerState.record(b.producerId, b.producerEpoch, { firstSeq: b.baseSequence, lastSeq, firstOffset: result.baseOffset, lastOffset: result.lastOffset }, now);
    return result;
  }

  /** HW = the smallest log end among ISR members; it never moves backwards. */
  private maybeAdvanceHighWatermark(): void {
    let hw = Infinity;
    for (const id of this.isr) hw = Math.min(hw, this.replicaLogEnds.get(id) ?? 0);
    if (this.isr.length === 0) hw = this.log.logEndOffset;
    if (hw > this.highWatermarkValue && hw !== Infinity) {
      this.highWatermarkValue = Math.min(hw, this.log.logEndOffset);
      this.notifyData();
    }
  }

  /** Something a parked fetch may want arrived (new data, the HW moved, or the partition went away). */
  notifyData(): void {
    for (const w of [...this.dataWaiters]) w();
  }

  /** Registers a one-shot callback for the next data arrival; returns the cancel. */
  onData(callback: () => void): () => void {
    const once = (): void => {
      this.dataWaiters.delete(once);
      callback();
    };
    this.dataWaiters.add(once);
    return () => this.dataWaiters.delete(once);
  }

  /** After DeleteRecords or retention moved the log start, the HW never lags it. */
  afterLogStartMoved(): void {
    if (this.highWatermarkValue < this.log.logStartOffset) this.highWatermarkValue = this.log.logStartOffset;
  }
}
