/**
 * The log of one partition replica: a directory of segments (see segment.ts), the log start
 * offset, and the machinery around them: serialized appends with rolling, grouped fsyncs,
 * reads, timestamp lookups, retention, DeleteRecords, truncation, clean shutdown.
 *
 * Offsets are JS numbers, checked with Number.isSafeInteger wherever they enter (append,
 * read, truncate, delete) and wherever they are read from disk (batch-header.ts): 2^53 is
 * about 285 years of a million records a second, and a number is much cheaper than a
 * bigint on the fetch and produce paths. The protocol layer keeps int64 as bigint; the
 * conversion is at the handler.
 *
 * Concurrency. Every mutation (append, roll, truncation, retention, DeleteRecords, close)
 * runs through one FIFO queue, one at a time. Appends waiting in the queue together are
 * written with a single writev when they fit the active segment. An append resolves when
 * its bytes have reached the OS (a process kill cannot lose them) and, if the flush policy
 * asks for it, once an fdatasync covering them has completed. fsyncs do not block the
 * queue: the next appends are written while one runs and share the next (group-flusher.ts).
 * Reads do not enter the queue: a segment publishes `size` only after a write returned, so
 * a read sees whole batches, and the segment list is replaced, never mutated in place, so a
 * read's snapshot stays valid; a segment deleted under a read fails it with CLOSED and the
 * read is retried once against the new state.
 *
 * Durability. Defaults never fsync on the append path (Kafka's flush.messages and flush.ms
 * are "never"), relying on the page cache and on replication. When a segment is rolled it is
 * fsynced in the background with its indexes, and then the recovery point moves past it:
 * after a crash only segments from the one holding the recovery point are re-read.
 * A clean close fsyncs everything and writes the clean-shutdown marker.
 */
import { rm } from 'node:fs/promises';
import { SamsaError } from '@samsa/protocol';
import type { LogConfig } from '../config/topic-config.js';
import type { Clock } from '../platform/clock.js';
import { fsyncDirectory } from '../platform/checksummed-file.js';
import type { Logger } from '../platform/logger.js';
import { prepareAppend, type AppendInfo, type AssignOffsets, type PreparedAppend } from './append-batches.js';
import { MAX_RELATIVE_OFFSET, type BatchMeta } from './batch-header.js';
import { LogStateWriter, writeCleanShutdown } from './checkpoint.js';
import { LogOfflineError, OffsetOutOfRangeError } from './errors.js';
import { GroupFlusher } from './group-flusher.js';
import { nodeFileOps, type FileOps } from './log-file.js';
import type { OffsetAndTimestamp } from './record-timestamps.js';
import { loadLog, type LoadContext } from './recovery.js';
import { selectForDeletion, type Deletion, type DeletionReason } from './retention.js';
import { Segment } from './segment.js';

export { OffsetOutOfRangeError, LogOfflineError } from './errors.js';
export type { AppendInfo, AssignOffsets } from './append-batches.js';
export type { OffsetAndTimestamp } from './record-timestamps.js';
export { nodeFileOps, syncWriteFileOps, type FileOps } from './log-file.js';

export interface PartitionLogOptions {
  clock: Clock;
  logger: Logger;
  /** Overrides the recovery point kept in log-state.checkpoint. */
  recoveryPoint?: number;
  /** The disk; nodeFileOps unless a test or benchmark injects another. */
  fileOps?: FileOps;
  /** Uniform in [0, 1), for segment.jitter.ms; Math.random by default. */
  random?: () => number;
}

export interface AppendResult {
  baseOffset: number;
  lastOffset: number;
  /** The segment written and the byte position of the first batch in it. */
  segmentBaseOffset: number;
  position: number;
}

export interface ReadOptions {
  /** Exclusive bound, e.g. the high watermark: only batches entirely below it are returned. */
  maxOffset?: number;
  /** Return the first batch whole even when it is larger than maxBytes. */
  minOneBatch: boolean;
}

export interface ReadResult {
  /** Whole batches from one segment, starting with the one that holds the fetch offset. */
  records: Buffer;
  /** Base offset of the first batch (may be below the fetch offset); -1 when empty. */
  firstOffset: number;
  /** Offset after the last batch returned; the fetch offset when empty. */
  nextOffset: number;
}

export interface DeletedSegment {
  baseOffset: number;
  nextOffset: number;
  size: number;
  reason: DeletionReason;
}

export interface RetentionResult {
  deleted: DeletedSegment[];
  logStartOffset: number;
}

interface AppendItem {
  kind: 'append';
  blob: Buffer;
  info: AppendInfo | AssignOffsets;
  prepared: PreparedAppend | null;
  resolve: (result: AppendResult) => void;
  reject: (e: unknown) => void;
}

interface TaskItem {
  kind: 'task';
  run: () => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (e: unknown) => void;
}

/** Appends coalesced into one writev: bounded in count (IOV_MAX) and bytes. */
const GROUP_MAX_APPENDS = 1024;
const GROUP_MAX_BYTES = 8 * 1024 * 1024;
/** setTimeout's limit; a longer flush.ms is only checked on append. */
const TIMER_MAX_MS = 2 ** 31 - 1;
const EMPTY = Buffer.alloc(0);

function assertOffset(what: string, offset: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0) throw new SamsaError('INTERNAL', `${what} ${offset} is not a non-negative safe integer`);
}

export class PartitionLog {
  private readonly queue: Array<AppendItem | TaskItem> = [];
  private draining = false;
  /** Background fsyncs of rolled segments, in roll order. */
  private background: Promise<void> = Promise.resolve();
  /** Bumped by every truncation, so a background flush cannot move the recovery point past it. */
  private truncations = 0;
  private recoveryPointValue: number;
  private unflushedMessages = 0;
  private oldestUnflushedMs: number | null = null;
  private readonly unflushed = new Set<Segment>();
  private flushTimer: NodeJS.Timeout | null = null;
  private readonly flusher = new GroupFlusher(() => this.syncUnflushed());
  private offline: LogOfflineError | null = null;
  private state: 'open' | 'closing' | 'closed' = 'open';
  private readonly checkpoints: LogStateWriter;

  private constructor(
    readonly dir: string,
    /** Live: the replica manager replaces it when the topic's config changes. */
    public config: LogConfig,
    private readonly ctx: LoadContext,
    private readonly clock: Clock,
    private segments: readonly Segment[],
    private logStartOffsetValue: number,
  ) {
    this.recoveryPointValue = this.logEndOffset;
    this.checkpoints = new LogStateWriter(dir, () => ({ logStartOffset: this.logStartOffsetValue, recoveryPoint: this.recoveryPointValue }));
  }

  /** Opens the log in `dir`, creating it or recovering it (recovery.ts). */
  static async open(dir: string, config: LogConfig, opts: PartitionLogOptions): Promise<PartitionLog> {
    const random = opts.random ?? Math.random;
    const holder: { log: PartitionLog | null } = { log: null };
    const ctx: LoadContext = {
      dir,
      ops: opts.fileOps ?? nodeFileOps,
      logger: opts.logger,
      config: () => holder.log?.config ?? config,
      rollJitterMs: () => {
        const c = holder.log?.config ?? config;
        return c.segmentJitterMs > 0 ? Math.floor(random() * Math.min(c.segmentJitterMs, c.segmentMs)) : 0;
      },
    };
    if (opts.recoveryPoint !== undefined) assertOffset('recovery point', opts.recoveryPoint);
    const loaded = await loadLog(ctx, opts.recoveryPoint);
    const log = new PartitionLog(dir, config, ctx, opts.clock, loaded.segments, loaded.logStartOffset);
    holder.log = log;
    const active = log.activeSegment;
    if (!active.isEmpty) active.rollStartMs = (await active.firstBatchTimestamp()) ?? opts.clock.now();
    const saved = loaded.checkpoint;
    if (!saved || saved.logStartOffset !== log.logStartOffset || saved.recoveryPoint !== log.recoveryPoint) await log.checkpoints.write();
    opts.logger.info(
      { dir, logStartOffset: log.logStartOffset, logEndOffset: log.logEndOffset, segments: log.segmentCount, cleanShutdown: loaded.cleanShutdown, recoveredSegments: loaded.recoveredSegments, truncatedBytes: loaded.truncatedBytes },
      'opened partition log',
    );
    return log;
  }

  get logStartOffset(): number {
    return this.logStartOffsetValue;
  }

  /** The offset the next record appended gets. */
  get logEndOffset(): number {
    return this.activeSegment.nextOffset;
  }

  /** Segments wholly below this are durable with their indexes. */
  get recoveryPoint(): number {
    return this.recoveryPointValue;
  }

  /** Bytes of all segments. */
  get size(): number {
    let bytes = 0;
    for (const s of this.segments) bytes += s.size;
    return bytes;
  }

  get segmentCount(): number {
    return this.segments.length;
  }

  /** Base offsets of the segments, oldest first (for tests and tools). */
  get segmentBaseOffsets(): number[] {
    return this.segments.map((s) => s.baseOffset);
  }

  /** fsync rounds run for the flush policy and flush(). */
  get flushCount(): number {
    return this.flusher.rounds;
  }

  private get activeSegment(): Segment {
    return this.segments[this.segments.length - 1]!;
  }

  // ---------------------------------------------------------------- appends

  /**
   * Appends whole v2 batches whose offsets are assigned. `info` is either the assignment
   * already made (the first batch's baseOffset must equal logEndOffset when the append's
   * turn comes) or a function the log calls at that moment with the base offset to assign,
   * which must rewrite the offsets in `batches` in place and return the info (so callers
   * can queue several appends without waiting for each).
   */
  append(batches: Buffer, info: AppendInfo | AssignOffsets): Promise<AppendResult> {
    if (this.state !== 'open') return Promise.reject(new SamsaError('CLOSED', `log ${this.dir} is closed`));
    if (this.offline) return Promise.reject(this.offline);
    return new Promise<AppendResult>((resolve, reject) => {
      this.queue.push({ kind: 'append', blob: batches, info, prepared: null, resolve, reject });
      this.kick();
    });
  }

  /** Runs `run` in the queue, after everything queued before it. */
  private enqueue<T>(run: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ kind: 'task', run, resolve: resolve as (v: unknown) => void, reject });
      this.kick();
    });
  }

  private enqueueOpen<T>(run: () => Promise<T>): Promise<T> {
    if (this.state !== 'open') return Promise.reject(new SamsaError('CLOSED', `log ${this.dir} is closed`));
    return this.enqueue(run);
  }

  private kick(): void {
    if (this.draining) return;
    this.draining = true;
    void this.drain();
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const head = this.queue[0]!;
        if (head.kind === 'append') {
          try {
            await this.writeAppends();
          } catch (e) {
            // Not expected (writeAppends rejects its own items); never leave an append hanging.
            this.ctx.logger.error({ dir: this.dir, err: e }, 'append failed');
            if (this.queue[0] === head) {
              this.queue.shift();
              head.reject(e);
            }
          }
          continue;
        }
        this.queue.shift();
        try {
          head.resolve(await head.run());
        } catch (e) {
          head.reject(e);
        }
      }
    } finally {
      this.draining = false;
    }
  }

  private prepare(item: AppendItem, baseOffset: number): PreparedAppend {
    if (item.prepared?.baseOffset === baseOffset) return item.prepared;
    const info = typeof item.info === 'function' ? item.info(baseOffset) : item.info;
    item.prepared = prepareAppend(item.blob, info, baseOffset, this.dir);
    return item.prepared;
  }

  private shouldRoll(segment: Segment, bytesBefore: number, bytesAfter: number, lastOffset: number, nowMs: number): boolean {
    if (segment.size + bytesBefore === 0) return false;
    const c = this.config;
    return (
      segment.size + bytesAfter > c.segmentBytes ||
      (segment.rollStartMs !== null && nowMs - segment.rollStartMs > c.segmentMs - segment.rollJitterMs) ||
      segment.offsetIndex.isFull ||
      segment.timeIndex.isFull ||
      lastOffset - segment.baseOffset > MAX_RELATIVE_OFFSET
    );
  }

  /** Takes the appends at the head of the queue that fit the active segment and writes them. */
  private async writeAppends(): Promise<void> {
    const segment = this.activeSegment;
    const nowMs = this.clock.now();
    const group: AppendItem[] = [];
    const buffers: Buffer[] = [];
    const metas: BatchMeta[] = [];
    let bytes = 0;
    let records = 0;
    let expected = segment.nextOffset;
    while (group.length < GROUP_MAX_APPENDS && bytes < GROUP_MAX_BYTES) {
      const item = this.queue[0];
      if (item?.kind !== 'append') break;
      let prepared: PreparedAppend;
      try {
        if (this.offline) throw this.offline;
        prepared = this.prepare(item, expected);
      } catch (e) {
        this.queue.shift();
        item.reject(e);
        continue;
      }
      if (this.shouldRoll(segment, bytes, bytes + prepared.bytes, prepared.lastOffset, nowMs)) {
        if (group.length > 0) break;
        try {
          await this.rollActive();
        } catch (e) {
          this.queue.shift();
          item.reject(e);
        }
        return;
      }
      this.queue.shift();
      group.push(item);
      buffers.push(item.blob);
      for (const b of prepared.batches) metas.push({ ...b, position: bytes + b.position });
      bytes += prepared.bytes;
      records += prepared.recordCount;
      expected = prepared.lastOffset + 1;
    }
    if (group.length === 0) return;
    let position: number;
    try {
      position = await segment.append(buffers, metas, bytes, nowMs);
    } catch (e) {
      for (const item of group) item.reject(e);
      return;
    }
    this.unflushed.add(segment);
    const flushed = this.afterWrite(records);
    let relative = 0;
    for (const item of group) {
      const p = item.prepared!;
      const result: AppendResult = { baseOffset: p.baseOffset, lastOffset: p.lastOffset, segmentBaseOffset: segment.baseOffset, position: position + relative };
      relative += p.bytes;
      if (flushed) flushed.then(() => item.resolve(result), item.reject);
      else item.resolve(result);
    }
  }

  // ---------------------------------------------------------------- flushing

  /** Applies flush.messages and flush.ms after a write; returns the fsync to wait for, if due. */
  private afterWrite(records: number): Promise<void> | null {
    const now = this.clock.monotonic();
    this.oldestUnflushedMs ??= now;
    this.unflushedMessages += records;
    if (this.unflushedMessages >= this.config.flushMessages || now - this.oldestUnflushedMs >= this.config.flushMs) {
      return this.flusher.request();
    }
    this.armFlushTimer(now);
    return null;
  }

  /**
   * Arms a timer for flush.ms. The timer is real time but the decision uses the injected
   * clock, so with a manual clock only the append-path check above ever flushes.
   */
  private armFlushTimer(now: number): void {
    if (this.flushTimer || this.oldestUnflushedMs === null || this.config.flushMs >= TIMER_MAX_MS) return;
    const delay = Math.max(0, this.config.flushMs - (now - this.oldestUnflushedMs));
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      if (this.oldestUnflushedMs === null || this.state !== 'open') return;
      const at = this.clock.monotonic();
      if (at - this.oldestUnflushedMs < this.config.flushMs) {
        this.armFlushTimer(at);
        return;
      }
      this.flusher.request().catch((e: unknown) => this.ctx.logger.error({ dir: this.dir, err: e }, 'scheduled flush failed'));
    }, Math.max(delay, 1));
    this.flushTimer.unref();
  }

  /** One fsync round: everything written before it starts (captured synchronously). */
  private async syncUnflushed(): Promise<void> {
    const segments = [...this.unflushed];
    this.unflushed.clear();
    this.unflushedMessages = 0;
    this.oldestUnflushedMs = null;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    if (this.offline) throw this.offline;
    try {
      await Promise.all(segments.map((s) => s.log.datasync().catch((e: unknown) => (s.deleted ? undefined : Promise.reject(e)))));
    } catch (e) {
      throw this.goOffline(e);
    }
  }

  private goOffline(cause: unknown): LogOfflineError {
    if (!this.offline) {
      this.offline = new LogOfflineError(this.dir, { cause });
      this.ctx.logger.error({ dir: this.dir, err: cause }, 'fsync failed; log refuses appends');
    }
    return this.offline;
  }

  /** fsyncs every append that has resolved so far (their bytes, not the indexes). */
  flush(): Promise<void> {
    if (this.offline) return Promise.reject(this.offline);
    return this.flusher.request();
  }

  // ---------------------------------------------------------------- rolling

  /** Starts a new segment at the log end, unless the active one is empty. */
  roll(): Promise<void> {
    return this.enqueueOpen(() => this.rollActive());
  }

  private async rollActive(): Promise<void> {
    const old = this.activeSegment;
    if (old.isEmpty) return;
    old.sealTimeIndex();
    const fresh = await Segment.create(this.ctx, old.nextOffset, this.ctx.rollJitterMs());
    // The new file's directory entry must be durable before fsynced appends land in it.
    await fsyncDirectory(this.dir);
    this.segments = [...this.segments, fresh];
    this.flushRolledSegment(old);
  }

  /** In the background: persist and fsync a rolled segment, then move the recovery point past it. */
  private flushRolledSegment(segment: Segment): void {
    const truncations = this.truncations;
    this.background = this.background.then(async () => {
      if (segment.deleted || this.offline) return;
      try {
        await segment.persistIndexes();
        await segment.sync();
      } catch (e) {
        if (segment.deleted) return;
        this.goOffline(e);
        return;
      }
      this.unflushed.delete(segment);
      if (truncations !== this.truncations || segment.nextOffset <= this.recoveryPointValue) return;
      this.recoveryPointValue = segment.nextOffset;
      await this.checkpoints.write().catch((e: unknown) => this.ctx.logger.error({ dir: this.dir, err: e }, 'writing the log-state checkpoint failed'));
    });
  }

  // ---------------------------------------------------------------- reads

  /**
   * Whole batches from the one holding `fetchOffset`, from a single segment: at most
   * `maxBytes` unless `minOneBatch` and the first batch alone is larger, and only batches
   * entirely below `maxOffset` (default and ceiling: the log end). Throws
   * OffsetOutOfRangeError outside [logStartOffset, logEndOffset].
   */
  async read(fetchOffset: number, maxBytes: number, opts: ReadOptions): Promise<ReadResult> {
    assertOffset('fetch offset', fetchOffset);
    for (let attempt = 0; ; attempt++) {
      const start = this.logStartOffsetValue;
      const end = this.logEndOffset;
      if (fetchOffset < start || fetchOffset > end) throw new OffsetOutOfRangeError(fetchOffset, start, end, 'fetch offset');
      const maxOffset = Math.min(opts.maxOffset ?? end, end);
      if (fetchOffset >= maxOffset) return { records: EMPTY, firstOffset: -1, nextOffset: fetchOffset };
      try {
        return await this.readSegments(fetchOffset, maxBytes, maxOffset, opts.minOneBatch);
      } catch (e) {
        // A segment deleted (retention, DeleteRecords, truncation) under the read: look again.
        if (attempt > 0 || !(e instanceof SamsaError) || e.code !== 'CLOSED' || this.state !== 'open') throw e;
      }
    }
  }

  private async readSegments(fetchOffset: number, maxBytes: number, maxOffset: number, minOneBatch: boolean): Promise<ReadResult> {
    const segments = this.segments;
    for (let i = this.segmentIndexFor(segments, fetchOffset); i < segments.length; i++) {
      const segment = segments[i]!;
      if (segment.baseOffset >= maxOffset) break;
      const found = await segment.read(Math.max(fetchOffset, segment.baseOffset), maxBytes, maxOffset, minOneBatch);
      if (found) return found;
    }
    return { records: EMPTY, firstOffset: -1, nextOffset: fetchOffset };
  }

  /** Index of the last segment whose base offset is <= offset (0 if none). */
  private segmentIndexFor(segments: readonly Segment[], offset: number): number {
    let lo = 0;
    let hi = segments.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (segments[mid]!.baseOffset <= offset) lo = mid + 1;
      else hi = mid;
    }
    return Math.max(0, lo - 1);
  }

  /**
   * ListOffsets by timestamp: the first record at or after the log start whose timestamp is
   * >= `timestamp`, or null. Per-record exact except in compressed batches, where the
   * answer is the batch (see Segment.findByTimestamp).
   */
  async offsetForTimestamp(timestamp: number): Promise<OffsetAndTimestamp | null> {
    const start = this.logStartOffsetValue;
    for (const segment of this.segments) {
      if (segment.nextOffset <= start && segment !== this.activeSegment) continue;
      const found = await segment.findByTimestamp(timestamp, Math.max(start, segment.baseOffset));
      if (found) return found;
    }
    return null;
  }

  /**
   * ListOffsets MAX_TIMESTAMP: the first record holding the largest timestamp in the log.
   * Limitation: a maximum that lies below logStartOffset inside the first segment (after
   * DeleteRecords) is still counted as the segment's maximum, and then null is returned.
   */
  async maxTimestamp(): Promise<OffsetAndTimestamp | null> {
    let best: Segment | null = null;
    for (const segment of this.segments) {
      if (segment.isEmpty) continue;
      await segment.ensureIndexes();
      if (!best || segment.maxTimestamp > best.maxTimestamp) best = segment;
    }
    if (!best) return null;
    if (best.maxTimestamp < 0) return { offset: Math.max(best.offsetOfMaxTimestamp, this.logStartOffsetValue), timestamp: -1 };
    return best.findByTimestamp(best.maxTimestamp, Math.max(this.logStartOffsetValue, best.baseOffset));
  }

  // ---------------------------------------------------------------- deletion and truncation

  /** DeleteRecords: moves the log start to `offset` (durably) and deletes segments wholly below it. */
  deleteRecordsBefore(offset: number): Promise<number> {
    assertOffset('delete-records offset', offset);
    return this.enqueueOpen(async () => {
      const end = this.logEndOffset;
      if (offset > end) throw new OffsetOutOfRangeError(offset, this.logStartOffsetValue, end, 'delete-records offset');
      if (offset <= this.logStartOffsetValue) return this.logStartOffsetValue;
      this.logStartOffsetValue = offset;
      await this.checkpoints.write();
      await this.deleteSegments(await selectForDeletion(this.segments, { retentionMs: -1, retentionBytes: -1 }, 0, offset));
      return this.logStartOffsetValue;
    });
  }

  /** Deletes the oldest segments that retention.ms / retention.bytes / the log start let go. */
  applyRetention(nowMs: number): Promise<RetentionResult> {
    return this.enqueueOpen(async () => {
      const chosen = await selectForDeletion(this.segments, this.config, nowMs, this.logStartOffsetValue);
      const deleted = chosen.map(({ segment, reason }) => ({ baseOffset: segment.baseOffset, nextOffset: segment.nextOffset, size: segment.size, reason }));
      await this.deleteSegments(chosen);
      if (deleted.length > 0) this.ctx.logger.info({ dir: this.dir, deleted, logStartOffset: this.logStartOffsetValue }, 'retention deleted segments');
      return { deleted, logStartOffset: this.logStartOffsetValue };
    });
  }

  /** Runs in the queue. Rolls first if the active segment is among them. */
  private async deleteSegments(chosen: readonly Deletion[]): Promise<void> {
    if (chosen.length === 0) return;
    const doomed = new Set(chosen.map((d) => d.segment));
    if (doomed.has(this.activeSegment)) await this.rollActive();
    await this.background;
    this.segments = this.segments.filter((s) => !doomed.has(s));
    for (const s of doomed) {
      this.unflushed.delete(s);
      await s.delete();
    }
    const first = this.segments[0]!.baseOffset;
    if (first > this.logStartOffsetValue) {
      this.logStartOffsetValue = first;
      await this.checkpoints.write();
    }
  }

  /**
   * Removes every batch holding an offset >= `offset` (for a follower diverging from its
   * leader). Batches are not split: the log end becomes the start of the batch holding
   * `offset`. Returns the new log end offset.
   */
  truncateTo(offset: number): Promise<number> {
    assertOffset('truncation offset', offset);
    return this.enqueueOpen(async () => {
      if (offset >= this.logEndOffset) return this.logEndOffset;
      if (offset < this.segments[0]!.baseOffset) {
        await this.startAt(offset);
        return offset;
      }
      await this.lowerRecoveryPoint(offset);
      const keep = this.segments.filter((s) => s.baseOffset <= offset);
      const drop = this.segments.filter((s) => s.baseOffset > offset);
      this.segments = keep;
      for (const s of drop) {
        this.unflushed.delete(s);
        await s.delete();
      }
      const active = this.activeSegment;
      await active.truncateTo(offset);
      this.unflushed.add(active);
      if (this.logStartOffsetValue > active.nextOffset) {
        this.logStartOffsetValue = active.nextOffset;
        await this.checkpoints.write();
      }
      this.ctx.logger.info({ dir: this.dir, offset, logEndOffset: this.logEndOffset }, 'truncated log');
      return this.logEndOffset;
    });
  }

  /** Deletes everything and starts an empty log whose start and end are `offset`. */
  truncateFullyAndStartAt(offset: number): Promise<void> {
    assertOffset('start offset', offset);
    return this.enqueueOpen(() => this.startAt(offset));
  }

  private async startAt(offset: number): Promise<void> {
    await this.lowerRecoveryPoint(offset);
    const old = this.segments;
    const fresh = await Segment.create(this.ctx, offset, this.ctx.rollJitterMs());
    this.segments = [fresh];
    for (const s of old) {
      this.unflushed.delete(s);
      if (s.baseOffset !== offset) await s.delete();
      else await s.close(); // same file names: Segment.create already emptied them
    }
    await fsyncDirectory(this.dir);
    this.logStartOffsetValue = offset;
    this.recoveryPointValue = offset;
    await this.checkpoints.write();
  }

  /** Before cutting files: no background flush may still move the recovery point past the cut. */
  private async lowerRecoveryPoint(offset: number): Promise<void> {
    this.truncations++;
    await this.background;
    if (this.recoveryPointValue > offset) {
      this.recoveryPointValue = offset;
      await this.checkpoints.write();
    }
  }

  // ---------------------------------------------------------------- shutdown

  /** Finishes queued work, fsyncs everything, and writes the clean-shutdown marker. */
  async close(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'closing';
    try {
      await this.quiesce();
      // After a failed fsync nothing more is trusted to disk: no marker, recovery next time.
      if (this.offline) return;
      this.activeSegment.sealTimeIndex();
      for (const s of this.segments) await s.persistIndexes();
      await Promise.all(this.segments.map((s) => s.sync(this.unflushed.has(s))));
      this.unflushed.clear();
      this.recoveryPointValue = this.logEndOffset;
      await this.checkpoints.write();
      await writeCleanShutdown(this.dir, { logEndOffset: this.logEndOffset, segmentCount: this.segments.length });
    } finally {
      await this.closeSegments();
    }
  }

  /** Closes without a marker and removes the directory (the topic or replica is gone). */
  async delete(): Promise<void> {
    if (this.state === 'closed') {
      await rm(this.dir, { recursive: true, force: true });
      return;
    }
    this.state = 'closing';
    try {
      await this.quiesce();
    } finally {
      await this.closeSegments();
      await rm(this.dir, { recursive: true, force: true });
    }
  }

  private async quiesce(): Promise<void> {
    await this.enqueue(async () => undefined); // everything queued before has run
    await this.background;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    await this.flusher.idle();
  }

  private async closeSegments(): Promise<void> {
    this.state = 'closed';
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    await Promise.all(this.segments.map((s) => s.close()));
  }
}
