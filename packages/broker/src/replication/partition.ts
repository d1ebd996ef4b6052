/**
 * One partition replica on this broker: its log and, while it leads, the state the leader
 * keeps (leader epoch, ISR, each replica's log end, the high watermark). Appends are
 * serialized here so offsets are assigned in the order requests arrive.
 */
import { ErrorCode, iterateBatches, isControlBatch, SamsaError } from '@samsa/protocol';
import type { LogConfig } from '../config/topic-config.js';
import type { PartitionLog } from '../log/partition-log.js';
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import { FollowerState } from './follower-state.js';
import { LeaderEpochCache } from './leader-epoch-cache.js';
import { lastSeqOf, ProducerStateTable } from './producer-state.js';
import { captureSnapshot, deleteAllSnapshots, deleteSnapshotsBelow, loadProducerState } from './producer-state-snapshot.js';
import { AppendError, assignOffsets, validateBatches, type ValidatedBatches } from './validate-batches.js';

export interface AppendResult {
  baseOffset: number;
  lastOffset: number;
  /** -1 unless the topic uses LogAppendTime. */
  logAppendTimeMs: number;
  logStartOffset: number;
}

export type Role = 'leader' | 'follower';

/**
 * How much of its latest appends a leader with followers keeps in memory for their fetches
 * (log/tail-cache.ts): replica.fetch.max.bytes' default, a caught-up follower's whole fetch.
 * Followers trim it as they fetch, so it holds only what is not yet replicated.
 */
export const TAIL_CACHE_BYTES = 1024 * 1024;

/**
 * How a leader changes its ISR: a compare-and-swap of the partition state guarded by its
 * leader epoch (isr-writer.ts). Resolves with the partition epoch written, or null when the
 * write lost (the state changed; the next check proposes again).
 */
export type IsrProposer = (p: Partition, isr: readonly number[], reason: string) => Promise<number | null>;

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
  /** The follower append under way (the fetcher runs them one at a time). */
  private followerAppend: Promise<unknown> = Promise.resolve();
  /** Snapshot file writes and deletions, in order (producer-state-snapshot.ts). */
  private snapshotOps: Promise<void> = Promise.resolve();
  /** How the producer table was loaded when the partition opened (replica-manager.ts); for logs and tests. */
  producerStateLoad: { snapshotOffset: number | null; replayedBatches: number } | null = null;
  /** Bumped by truncations: a snapshot taken for an older log is dropped, not written. */
  private truncations = 0;
  /** The partition epoch of the state this replica follows (bumped by every ISR change). */
  partitionEpoch = 0;
  /** The leader's followers, reset on each new leader epoch. */
  private readonly followers = new Map<number, FollowerState>();
  /**
   * An ISR change written (or being written) but not yet seen in the metadata, and the
   * partition epoch that will confirm it. While it is pending no other change is proposed,
   * and the HW counts both ISRs (Kafka's maximal ISR), so neither a pending expansion
   * nor a pending shrink lets the HW pass a replica that may be in the ISR.
   */
  private pendingIsr: { isr: number[]; partitionEpoch: number | null } | null = null;
  /** The log end when this broker became leader of this epoch: a follower rejoins only past it. */
  private leaderEpochStartOffset = 0;
  /** Replica ids of the assignment (the leader tracks only these). */
  replicas: number[] = [];
  /** Set by the replica manager: writes ISR changes. */
  proposeIsr: IsrProposer | null = null;
  /** Set by the replica manager: whether a broker is registered (only live brokers join the ISR). */
  isLive: (brokerId: number) => boolean = () => true;

  constructor(
    readonly topic: string,
    readonly index: number,
    readonly topicId: string,
    readonly log: PartitionLog,
    readonly leaderEpochCache: LeaderEpochCache,
    public config: LogConfig,
    private readonly nodeId: number,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    // A single replica's high watermark is its log end; with followers it is the smallest
    // log end in the ISR, recomputed as they report in.
    this.highWatermarkValue = log.logEndOffset;
    log.onRoll = (offset) => this.snapshotAtRoll(offset);
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

  /**
   * Leads from now on, or goes on leading with a new ISR (same epoch: only the ISR and
   * partition epoch change). A new epoch begins at the log end: it goes into the epoch
   * cache, and followers start unknown (ISR members as caught up now).
   */
  becomeLeader(leaderEpoch: number, isr: readonly number[], partitionEpoch: number, replicas: readonly number[]): void {
    const newEpoch = this.role !== 'leader' || this.leaderEpoch !== leaderEpoch;
    this.role = 'leader';
    this.leaderEpoch = leaderEpoch;
    this.isr = [...isr];
    this.replicas = [...replicas];
    this.partitionEpoch = partitionEpoch;
    // The pending ISR change shows in the metadata: it is the ISR now.
    if (this.pendingIsr?.partitionEpoch != null && partitionEpoch >= this.pendingIsr.partitionEpoch) this.pendingIsr = null;
    if (newEpoch) {
      this.pendingIsr = null;
      this.leaderEpochStartOffset = this.log.logEndOffset;
      this.leaderEpochCache.assign(leaderEpoch, this.log.logEndOffset);
      this.followers.clear();
      const now = this.clock.now();
      for (const id of replicas) if (id !== this.nodeId) this.followers.set(id, new FollowerState(id, isr.includes(id) ? now : 0));
    }
    for (const id of replicas) if (id !== this.nodeId && !this.followers.has(id)) this.followers.set(id, new FollowerState(id, 0));
    this.log.setTailCache(replicas.length > 1 ? TAIL_CACHE_BYTES : 0);
    this.maybeAdvanceHighWatermark();
    this.notifyData();
  }

  /**
   * Another replica leads now (or none does): clients are sent there with
   * NOT_LEADER_OR_FOLLOWER. Parked fetches and produces wake up to find out. Fetching from
   * the new leader is the follower fetcher's job.
   */
  becomeFollower(leaderEpoch: number, isr: readonly number[], partitionEpoch: number, replicas: readonly number[]): void {
    this.role = 'follower';
    this.leaderEpoch = leaderEpoch;
    this.isr = [...isr];
    this.replicas = [...replicas];
    this.partitionEpoch = partitionEpoch;
    this.pendingIsr = null;
    this.followers.clear();
    this.log.setTailCache(0);
    this.notifyData();
  }

  /** The ISR the HW must wait for: the committed one and any pending change (Kafka's maximal ISR). */
  get maximalIsr(): number[] {
    if (!this.pendingIsr) return this.isr;
    return [...new Set([...this.isr, ...this.pendingIsr.isr])];
  }

  // ------------------------------------------------------------------ leader: followers

  /**
   * A follower fetched at `fetchOffset` (its log end). Updates its state, may add it to the
   * ISR (it reached the HW and this epoch's start), and may advance the HW.
   */
  updateFollowerFetchState(replicaId: number, fetchOffset: number): void {
    const f = this.followers.get(replicaId);
    if (this.role !== 'leader' || !f) return;
    f.onFetch(fetchOffset, this.log.logEndOffset, this.clock.now());
    this.trimTailCache();
    if (!this.isr.includes(replicaId) && !this.pendingIsr && f.logEndOffset >= this.highWatermarkValue && f.logEndOffset >= this.leaderEpochStartOffset && this.isLive(replicaId)) {
      this.changeIsr([...this.isr, replicaId], 'follower caught up');
    }
    this.maybeAdvanceHighWatermark();
  }

  /** Appends every ISR follower holds need not stay in memory; those out of the ISR read the file. */
  private trimTailCache(): void {
    let held = this.log.logEndOffset;
    for (const id of this.isr) if (id !== this.nodeId) held = Math.min(held, this.followers.get(id)?.logEndOffset ?? -1);
    if (held > 0) this.log.trimTailCache(held);
  }

  /** Drops followers not caught up within replica.lag.time.max.ms from the ISR (the leader stays). */
  maybeShrinkIsr(replicaLagTimeMaxMs: number): void {
    if (this.role !== 'leader' || this.pendingIsr) return;
    const now = this.clock.now();
    const lagging = this.isr.filter((id) => id !== this.nodeId && (this.followers.get(id)?.isLagging(now, replicaLagTimeMaxMs) ?? true));
    if (lagging.length > 0) this.changeIsr(this.isr.filter((id) => !lagging.includes(id)), `out of sync: ${lagging.join(',')}`);
  }

  /** A follower's log end as this leader last heard it; -1 when unknown. */
  followerLogEndOffset(replicaId: number): number {
    return this.followers.get(replicaId)?.logEndOffset ?? -1;
  }

  private changeIsr(isr: number[], reason: string): void {
    const propose = this.proposeIsr;
    if (!propose) return;
    const pending: { isr: number[]; partitionEpoch: number | null } = { isr, partitionEpoch: null };
    this.pendingIsr = pending;
    this.maybeAdvanceHighWatermark();
    void propose(this, isr, reason).then(
      (written) => {
        if (this.pendingIsr !== pending) return;
        if (written === null) this.pendingIsr = null;
        else if (written <= this.partitionEpoch) this.pendingIsr = null; // already seen
        else pending.partitionEpoch = written;
        this.maybeAdvanceHighWatermark();
        this.notifyData();
      },
      () => {
        if (this.pendingIsr === pending) this.pendingIsr = null;
      },
    );
  }

  // ------------------------------------------------------------------ follower

  /**
   * Appends batches fetched from the leader, with the leader's offsets and leader epochs.
   * Offsets must increase from the log end but may skip (a compacted leader's log).
   */
  appendAsFollower(records: Buffer): Promise<void> {
    const run = this.appendFetched(records);
    this.followerAppend = run.catch(() => undefined);
    return run;
  }

  private async appendFetched(records: Buffer): Promise<void> {
    if (this.role !== 'follower') throw new SamsaError('INTERNAL', `${this.name}: follower append while leading`);
    let lastOffset = -1;
    const now = this.clock.now();
    const epochs: Array<{ epoch: number; baseOffset: number }> = [];
    const idempotent: Array<() => void> = [];
    for (const { header } of iterateBatches(records)) {
      const baseOffset = Number(header.baseOffset);
      lastOffset = baseOffset + header.lastOffsetDelta;
      epochs.push({ epoch: header.partitionLeaderEpoch, baseOffset });
      if (header.producerId >= 0n && !isControlBatch(header)) {
        const h = header;
        idempotent.push(() =>
          this.producerState.record(h.producerId, h.producerEpoch, { firstSeq: h.baseSequence, lastSeq: lastSeqOf(h.baseSequence, h.lastOffsetDelta), firstOffset: baseOffset, lastOffset: baseOffset + h.lastOffsetDelta }, now),
        );
      }
    }
    if (lastOffset < 0) return;
    await this.log.append(records, { lastOffset, fromLeader: true });
    for (const e of epochs) this.leaderEpochCache.assign(e.epoch, e.baseOffset);
    for (const record of idempotent) record();
  }

  /** A follower's HW: the leader's, but never past what it holds itself. */
  updateFollowerHighWatermark(leaderHighWatermark: number): void {
    this.highWatermarkValue = Math.max(this.log.logStartOffset, Math.min(leaderHighWatermark, this.log.logEndOffset));
  }

  /**
   * Cuts the divergent suffix at `offset`; epochs, HW and producer state follow the log.
   * The producer table is reloaded from the latest snapshot at or below the new end (those
   * above it are deleted) and the log after it.
   */
  async truncateTo(offset: number): Promise<void> {
    if (offset >= this.log.logEndOffset) return;
    this.truncations++;
    const end = await this.log.truncateTo(offset);
    this.leaderEpochCache.truncateFromEnd(end);
    if (this.highWatermarkValue > end) this.highWatermarkValue = end;
    this.producerState = await this.snapshotOp(async () => (await loadProducerState(this.log, this.logger)).table);
  }

  /** The leader's log start is past all we hold: start over there, with no snapshots. */
  async truncateFullyAndStartAt(offset: number): Promise<void> {
    this.truncations++;
    await this.log.truncateFullyAndStartAt(offset);
    this.leaderEpochCache.truncateFromEnd(offset);
    this.highWatermarkValue = offset;
    await this.snapshotOp(() => deleteAllSnapshots(this.log.dir));
    this.producerState = new ProducerStateTable();
  }

  // ------------------------------------------------------------------ producer-state snapshots

  /** Runs a snapshot file operation after those queued before it. */
  private snapshotOp<T>(op: () => Promise<T>): Promise<T> {
    const result = this.snapshotOps.then(op);
    this.snapshotOps = result.then(
      () => undefined,
      (e: unknown) => this.logger.warn({ partition: this.name, err: e }, 'a producer-state snapshot operation failed; the log replay covers it'),
    );
    return result;
  }

  /**
   * A segment rolled at `offset` (called in the log's queue). The table is copied once every
   * batch below `offset` is in it: after the idempotent append under way (the next one waits
   * for this step) and the follower append under way; the copy leaves out batches at or past
   * `offset`. The leader-epoch checkpoint is settled first, so the snapshot also vouches
   * that the checkpoint covers the log below it. A truncation meanwhile drops the snapshot.
   */
  private snapshotAtRoll(offset: number): void {
    const truncations = this.truncations;
    const step = async (): Promise<void> => {
      await this.followerAppend;
      await this.leaderEpochCache.settled();
      if (this.truncations !== truncations) return;
      const write = captureSnapshot(this.log.dir, this.producerState, offset);
      void this.snapshotOp(async () => {
        if (this.truncations === truncations) await write();
      }).catch(() => undefined);
    };
    const run = this.idempotentChain.then(step, step);
    this.idempotentChain = run.catch(() => undefined);
  }

  /**
   * An in-process kill: roll snapshots not yet written are dropped, as a dead process
   * would, so none lands after a restart has loaded (and maybe cut) the log.
   */
  dropPendingSnapshots(): void {
    this.truncations++;
  }

  /** Resolves once the snapshots of the rolls so far are written (or dropped). */
  async snapshotsSettled(): Promise<void> {
    await this.idempotentChain;
    await this.snapshotOps;
  }

  /** At a clean close, before the log closes: a snapshot at the log end, once the appends under way have recorded. */
  async snapshotAtClose(): Promise<void> {
    await this.idempotentChain;
    await this.followerAppend;
    await this.leaderEpochCache.settled();
    const write = captureSnapshot(this.log.dir, this.producerState, this.log.logEndOffset);
    await this.snapshotOp(write);
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

  /**
   * HW = the smallest log end among the (maximal) ISR, the leader's own included; a member
   * whose log end is unknown under this epoch holds it. It never moves backwards.
   */
  private maybeAdvanceHighWatermark(): void {
    if (this.role !== 'leader') return;
    let hw = this.log.logEndOffset;
    for (const id of this.maximalIsr) {
      if (id === this.nodeId) continue;
      const f = this.followers.get(id);
      hw = Math.min(hw, f ? f.logEndOffset : -1);
    }
    if (hw > this.highWatermarkValue) {
      this.highWatermarkValue = hw;
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
    const start = this.log.logStartOffset;
    this.leaderEpochCache.truncateFromStart(start);
    if (this.highWatermarkValue < start) this.highWatermarkValue = start;
    void this.snapshotOp(() => deleteSnapshotsBelow(this.log.dir, start)).catch(() => undefined);
  }
}
