/**
 * The log of one partition replica: a directory of segments (segment.ts) and the log start
 * offset, with serialized appends and rolling, reads, timestamp lookups, retention,
 * DeleteRecords, truncation and clean shutdown.
 *
 * Offsets are JS numbers, checked with Number.isSafeInteger wherever they enter (append,
 * read, truncate, delete) and wherever they are read from disk (batch-header.ts): 2^53 is
 * 285 years of a million records a second, and a number is much cheaper than a bigint on
 * the produce and fetch paths. The protocol layer keeps int64 as bigint; handlers convert.
 *
 * Concurrency. Every mutation runs through one FIFO queue (serial-queue.ts), one at a time.
 * Appends waiting together are written with a single writev when they fit the active
 * segment. An append resolves once its bytes reached the OS (a process kill cannot lose
 * them) and, when the flush policy asks, once an fdatasync covering them completed
 * (log-flusher.ts); fsyncs do not hold the queue, so later appends are written meanwhile
 * and share the next fsync. Reads do not queue: a segment publishes `size` only after a
 * write returned, so reads see whole batches; the segment list is replaced, never mutated,
 * so a read's snapshot stays consistent. A read that loses a race with deletion or
 * truncation (CLOSED, or bytes that are no longer a batch) is retried once.
 *
 * Durability. A rolled segment is fsynced with its indexes in the background, then the
 * recovery point moves past it: after a crash only segments from the one holding the
 * recovery point are re-read (recovery.ts). A clean close fsyncs everything and writes the
 * clean-shutdown marker.
 */
import { rm } from 'node:fs/promises';
import { SamsaError } from '@samsa/protocol';
import type { LogConfig } from '../config/topic-config.js';
import type { Clock } from '../platform/clock.js';
import { fsyncDirectory } from '../platform/checksummed-file.js';
import { prepareAppend, type AppendInfo, type AssignOffsets, type PreparedAppend } from './append-batches.js';
import { MAX_RELATIVE_OFFSET, type BatchMeta } from './batch-header.js';
import { LogStateWriter, writeCleanShutdown } from './checkpoint.js';
import { OffsetOutOfRangeError } from './errors.js';
import { syncWriteFileOps } from './log-file.js';
import { LogFlusher } from './log-flusher.js';
import type { OffsetAndTimestamp } from './record-timestamps.js';
import { loadLog, type LoadContext } from './recovery.js';
import { selectForDeletion, type Deletion } from './retention.js';
import { Segment } from './segment.js';
import { SerialQueue } from './serial-queue.js';
import { TailCache } from './tail-cache.js';
import { commitCleaned, completeSwap, removeCleaned } from './cleaner/segment-swap.js';
import type { AppendResult, PartitionLogOptions, ReadOptions, ReadResult, RetentionResult } from './types.js';

export { OffsetOutOfRangeError, LogOfflineError } from './errors.js';
export type { AppendInfo, AssignOffsets } from './append-batches.js';
export type { OffsetAndTimestamp } from './record-timestamps.js';
export { nodeFileOps, syncWriteFileOps, type FileOps } from './log-file.js';
export type * from './types.js';

interface PendingAppend {
  blob: Buffer;
  info: AppendInfo | AssignOffsets;
  prepared: PreparedAppend | null;
  resolve: (result: AppendResult) => void;
  reject: (e: unknown) => void;
}

/** Appends coalesced into one writev: bounded in count and bytes. */
const GROUP_MAX_APPENDS = 1024;
const GROUP_MAX_BYTES = 8 * 1024 * 1024;
const EMPTY = Buffer.alloc(0);

function assertOffset(what: string, offset: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0) throw new SamsaError('INTERNAL', `${what} ${offset} is not a non-negative safe integer`);
}

function closedError(dir: string): SamsaError {
  return new SamsaError('CLOSED', `log ${dir} is closed`);
}

export class PartitionLog {
  private readonly queue: SerialQueue<PendingAppend>;
  private readonly flusher: LogFlusher;
  private readonly checkpoints: LogStateWriter;
  /** Background fsyncs of rolled segments, in roll order. */
  private background: Promise<void> = Promise.resolve();
  /** Bumped by truncations, so a read racing one knows to look again. */
  private truncations = 0;
  private recoveryPointValue: number;
  private state: 'open' | 'closing' | 'closed' = 'open';
  /** The leader's recent appends in memory (tail-cache.ts); null unless setTailCache turned it on. */
  private tail: TailCache | null = null;
  /** The segment list and truncation count the tail cache's entries belong to: any change empties it. */
  private tailSegments: readonly Segment[] | null = null;
  private tailTruncations = -1;
  private closing: Promise<void> | null = null;
  /**
   * Told, inside the append queue and synchronously, the offset at which a new segment
   * began: the partition snapshots its producer state there (producer-state-snapshot.ts).
   */
  onRoll: ((offset: number) => void) | null = null;

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
    this.flusher = new LogFlusher(dir, clock, ctx.logger, () => this.config);
    this.queue = new SerialQueue(
      () => this.writeAppends(),
      (e) => ctx.logger.error({ dir, err: e }, 'append failed unexpectedly'),
    );
  }

  /** Opens the log in `dir`, creating or recovering it (recovery.ts). */
  static async open(dir: string, config: LogConfig, opts: PartitionLogOptions): Promise<PartitionLog> {
    if (opts.recoveryPoint !== undefined) assertOffset('recovery point', opts.recoveryPoint);
    const random = opts.random ?? Math.random;
    const holder: { log: PartitionLog | null } = { log: null };
    const current = (): LogConfig => holder.log?.config ?? config;
    const ctx: LoadContext = {
      dir,
      ops: opts.fileOps ?? syncWriteFileOps,
      logger: opts.logger,
      config: current,
      rollJitterMs: () => (current().segmentJitterMs > 0 ? Math.floor(random() * Math.min(current().segmentJitterMs, current().segmentMs)) : 0),
    };
    const loaded = await loadLog(ctx, opts.recoveryPoint);
    const log = new PartitionLog(dir, config, ctx, opts.clock, loaded.segments, loaded.logStartOffset);
    holder.log = log;
    const active = log.activeSegment;
    // segment.ms after a restart counts from the first batch's timestamp, as in Kafka.
    if (!active.isEmpty) active.rollStartMs = (await active.firstBatchTimestamp()) ?? opts.clock.now();
    const saved = loaded.checkpoint;
    if (saved?.logStartOffset !== log.logStartOffset || saved.recoveryPoint !== log.recoveryPoint) await log.checkpoints.write();
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

  /** Bytes in all segments. */
  get size(): number {
    let bytes = 0;
    for (const s of this.segments) bytes += s.size;
    return bytes;
  }

  get segmentCount(): number {
    return this.segments.length;
  }

  /** Base offsets of the segments, oldest first. */
  get segmentBaseOffsets(): number[] {
    return this.segments.map((s) => s.baseOffset);
  }

  /** fsync rounds run by the flush policy and flush(). */
  get flushCount(): number {
    return this.flusher.rounds;
  }

  private get activeSegment(): Segment {
    return this.segments[this.segments.length - 1]!;
  }

  // ---------------------------------------------------------------- appends

  /**
   * Appends whole v2 batches whose offsets are assigned. `info` is either that assignment
   * (the first batch's baseOffset must equal logEndOffset when the append's turn comes), or
   * a function called at that moment with the base offset to assign, which must rewrite the
   * offsets in `batches` in place and return the info: callers can then queue several
   * appends without waiting for each.
   */
  append(batches: Buffer, info: AppendInfo | AssignOffsets): Promise<AppendResult> {
    if (this.state !== 'open') return Promise.reject(closedError(this.dir));
    if (this.flusher.offline) return Promise.reject(this.flusher.offline);
    return new Promise<AppendResult>((resolve, reject) => this.queue.pushAppend({ blob: batches, info, prepared: null, resolve, reject }));
  }

  private runOpen<T>(run: () => Promise<T>): Promise<T> {
    return this.state === 'open' ? this.queue.run(run) : Promise.reject(closedError(this.dir));
  }

  private prepare(item: PendingAppend, baseOffset: number): PreparedAppend {
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

  /** Takes the appends at the head of the queue that fit the active segment, and writes them. */
  private async writeAppends(): Promise<void> {
    const segment = this.activeSegment;
    const nowMs = this.clock.now();
    const group: PendingAppend[] = [];
    const buffers: Buffer[] = [];
    const batches: BatchMeta[] = [];
    let bytes = 0;
    let records = 0;
    let expected = segment.nextOffset;
    for (let item = this.queue.headAppend(); item && group.length < GROUP_MAX_APPENDS && bytes < GROUP_MAX_BYTES; item = this.queue.headAppend()) {
      let prepared: PreparedAppend;
      try {
        if (this.flusher.offline) throw this.flusher.offline;
        prepared = this.prepare(item, expected);
      } catch (e) {
        this.queue.shiftAppend();
        item.reject(e);
        continue;
      }
      if (this.shouldRoll(segment, bytes, bytes + prepared.bytes, prepared.lastOffset, nowMs)) {
        if (group.length > 0) break;
        await this.rollActive().catch((e: unknown) => {
          this.queue.shiftAppend();
          item!.reject(e);
        });
        return;
      }
      this.queue.shiftAppend();
      group.push(item);
      buffers.push(item.blob);
      for (const b of prepared.batches) batches.push({ ...b, position: bytes + b.position });
      bytes += prepared.bytes;
      records += prepared.recordCount;
      expected = prepared.lastOffset + 1;
    }
    if (group.length === 0) return;
    let position: number;
    try {
      position = await segment.append(buffers, batches, bytes, nowMs);
    } catch (e) {
      for (const item of group) item.reject(e);
      return;
    }
    if (this.tail) {
      this.tailMatchesLog();
      for (const item of group) this.tail.add(item.blob, item.prepared!.batches);
    }
    const flushed = this.flusher.written(segment, records);
    for (const item of group) {
      const p = item.prepared!;
      const result: AppendResult = { baseOffset: p.baseOffset, lastOffset: p.lastOffset, segmentBaseOffset: segment.baseOffset, position };
      position += p.bytes;
      if (flushed) flushed.then(() => item.resolve(result), item.reject);
      else item.resolve(result);
    }
  }

  /** fsyncs every append that has resolved so far (their bytes; indexes are rebuilt after a crash). */
  flush(): Promise<void> {
    return this.flusher.flush();
  }

  // ---------------------------------------------------------------- tail cache

  /**
   * Keeps appends from now on in memory, up to `maxBytes`, to serve reads of the log's tail
   * (tail-cache.ts); 0 turns it off and drops what it holds. The partition turns it on while
   * it leads followers.
   */
  setTailCache(maxBytes: number): void {
    if (maxBytes <= 0) this.tail = null;
    else if (!this.tail || this.tail.maxBytes !== maxBytes) this.tail = new TailCache(maxBytes);
  }

  /** Drops cached appends below `offset` (its followers hold them). */
  trimTailCache(offset: number): void {
    this.tail?.trimBelow(offset);
  }

  get tailCache(): TailCache | null {
    return this.tail;
  }

  /** Empties the tail cache if a roll, truncation, compaction or deletion changed the log since its entries were added. */
  private tailMatchesLog(): void {
    if (this.tailSegments === this.segments && this.tailTruncations === this.truncations) return;
    this.tail?.clear();
    this.tailSegments = this.segments;
    this.tailTruncations = this.truncations;
  }

  // ---------------------------------------------------------------- rolling

  /** Starts a new segment at the log end, unless the active one is empty. */
  roll(): Promise<void> {
    return this.runOpen(() => this.rollActive());
  }

  private async rollActive(): Promise<void> {
    const old = this.activeSegment;
    if (old.isEmpty) return;
    old.sealTimeIndex();
    const fresh = await Segment.create(this.ctx, old.nextOffset, this.ctx.rollJitterMs());
    try {
      // The new file's name must be durable before fsynced appends land in it.
      await fsyncDirectory(this.dir);
    } catch (e) {
      await fresh.delete().catch(() => undefined);
      throw e;
    }
    this.segments = [...this.segments, fresh];
    this.flushRolledSegment(old);
    this.onRoll?.(fresh.baseOffset);
  }

  /** In the background: persist and fsync a rolled segment, then move the recovery point past it. */
  private flushRolledSegment(segment: Segment): void {
    this.background = this.background.then(async () => {
      if (segment.deleted || this.flusher.offline) return;
      // Indexes can be rebuilt, so failing to write them (a full disk, say) is not a reason to
      // stop the log: the recovery point stays put and the next start rebuilds them.
      let indexesWritten = true;
      try {
        await segment.persistIndexes();
      } catch (e) {
        indexesWritten = false;
        this.ctx.logger.warn({ dir: this.dir, err: e }, 'writing the indexes of a rolled segment failed; recovery will rebuild them');
      }
      try {
        await segment.sync();
      } catch (e) {
        if (!segment.deleted) this.flusher.goOffline(e);
        return;
      }
      this.flusher.forget(segment);
      if (!indexesWritten) return;
      if (segment.deleted || segment.nextOffset <= this.recoveryPointValue) return;
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
      const truncations = this.truncations;
      const segments = this.segments;
      if (this.tail && this.state === 'open') {
        this.tailMatchesLog();
        const cached = this.tail.read(fetchOffset, maxBytes, maxOffset, opts.minOneBatch, opts.pool);
        if (cached) return cached;
      }
      try {
        return await this.readSegments(segments, fetchOffset, maxBytes, maxOffset, opts);
      } catch (e) {
        const raced = this.segments !== segments || this.truncations !== truncations;
        const retriable = e instanceof SamsaError && (e.code === 'CLOSED' || e.code === 'CORRUPT_RECORD');
        if (attempt > 0 || !raced || !retriable || this.state !== 'open') throw e;
      }
    }
  }

  private async readSegments(segments: readonly Segment[], fetchOffset: number, maxBytes: number, maxOffset: number, opts: ReadOptions): Promise<ReadResult> {
    for (let i = segmentIndexFor(segments, fetchOffset); i < segments.length; i++) {
      const segment = segments[i]!;
      if (segment.baseOffset >= maxOffset) break;
      const found = await segment.read(Math.max(fetchOffset, segment.baseOffset), maxBytes, maxOffset, opts.minOneBatch, opts.pool);
      if (found) return found;
    }
    return { records: EMPTY, firstOffset: -1, nextOffset: fetchOffset };
  }

  /**
   * ListOffsets by timestamp: the first record at or after the log start whose timestamp is
   * >= `timestamp`, or null. Exact per record, except in compressed batches, where the
   * answer is the batch (see Segment.findByTimestamp).
   */
  async offsetForTimestamp(timestamp: number): Promise<OffsetAndTimestamp | null> {
    const start = this.logStartOffsetValue;
    const segments = this.segments;
    for (let i = segmentIndexFor(segments, start); i < segments.length; i++) {
      const found = await segments[i]!.findByTimestamp(timestamp, Math.max(start, segments[i]!.baseOffset));
      if (found) return found;
    }
    return null;
  }

  /**
   * ListOffsets MAX_TIMESTAMP: the first record holding the largest timestamp. Limitation:
   * if that maximum lies below logStartOffset in the first segment (after DeleteRecords),
   * the answer is null.
   */
  async maxTimestamp(): Promise<OffsetAndTimestamp | null> {
    let best: Segment | null = null;
    for (const segment of this.segments) {
      if (segment.isEmpty) continue;
      await segment.ensureIndexes();
      if (!best || segment.maxTimestamp > best.maxTimestamp) best = segment;
    }
    if (!best) return null;
    const minOffset = Math.max(this.logStartOffsetValue, best.baseOffset);
    if (best.maxTimestamp < 0) return { offset: Math.max(best.offsetOfMaxTimestamp, minOffset), timestamp: -1 };
    return best.findByTimestamp(best.maxTimestamp, minOffset);
  }

  // ---------------------------------------------------------------- compaction (cleaner/)

  /** The segments, oldest first, the last one active: the log cleaner reads closed ones. */
  get segmentsForCleaning(): readonly Segment[] {
    return this.segments;
  }

  /**
   * Swaps in the cleaned file the log cleaner wrote for `old` (adjacent closed segments),
   * by the protocol in cleaner/segment-swap.ts. Runs in the queue, so no append, roll,
   * retention or truncation interleaves. Reads holding the old segment list keep reading
   * the old files (their descriptors stay open until those reads finish; later ones get
   * CLOSED and retry on the new list). Returns false, discarding the cleaned file, when
   * the log changed since the cleaner looked.
   */
  replaceSegments(old: readonly Segment[]): Promise<boolean> {
    return this.runOpen(async () => {
      const base = old[0]!.baseOffset;
      const first = this.segments.indexOf(old[0]!);
      const intact = first >= 0 && first + old.length < this.segments.length && old.every((s, i) => this.segments[first + i] === s && !s.deleted);
      if (!intact) {
        await removeCleaned(this.dir, base);
        return false;
      }
      await this.background;
      const swap = await commitCleaned(this.dir, base, old[old.length - 1]!.nextOffset);
      await completeSwap(this.dir, swap);
      const cleaned = await Segment.open(this.ctx, base, 0);
      // Builds the indexes (gaps allowed even if cleanup.policy changed meanwhile). The file
      // was checked before the commit, so a problem here is new damage: say so loudly.
      const scan = await cleaned.recover(true);
      if (scan.problem !== null) this.ctx.logger.error({ dir: this.dir, segment: cleaned.path, problem: scan.problem }, 'a cleaned segment failed its check after the swap');
      cleaned.sealTimeIndex();
      await cleaned.persistIndexes();
      await cleaned.sync(false);
      this.segments = [...this.segments.slice(0, first), cleaned, ...this.segments.slice(first + old.length)];
      for (const s of old) {
        // Not s.delete(): the files are gone already, and the first one's name is the new segment's.
        s.deleted = true;
        this.flusher.forget(s);
      }
      await Promise.all(old.map((s) => s.close()));
      return true;
    });
  }

  // ---------------------------------------------------------------- deletion and truncation

  /** DeleteRecords: moves the log start to `offset` (durably) and deletes segments wholly below it. */
  deleteRecordsBefore(offset: number): Promise<number> {
    assertOffset('delete-records offset', offset);
    return this.runOpen(async () => {
      const end = this.logEndOffset;
      if (offset > end) throw new OffsetOutOfRangeError(offset, this.logStartOffsetValue, end, 'delete-records offset');
      if (offset <= this.logStartOffsetValue) return this.logStartOffsetValue;
      this.logStartOffsetValue = offset;
      await this.checkpoints.write();
      await this.deleteSegments(await selectForDeletion(this.segments, { retentionMs: -1, retentionBytes: -1 }, 0, offset));
      return this.logStartOffsetValue;
    });
  }

  /** Deletes the oldest segments that retention.ms, retention.bytes or the log start let go. */
  applyRetention(nowMs: number): Promise<RetentionResult> {
    return this.runOpen(async () => {
      // Time and size retention apply only to topics whose cleanup.policy includes delete: a
      // compact-only topic (__consumer_offsets) keeps its data until compaction replaces it.
      const policy = this.config.cleanupPolicy.includes('delete') ? this.config : { retentionMs: -1, retentionBytes: -1 };
      const chosen = await selectForDeletion(this.segments, policy, nowMs, this.logStartOffsetValue);
      const deleted = chosen.map(({ segment, reason }) => ({ baseOffset: segment.baseOffset, nextOffset: segment.nextOffset, size: segment.size, reason }));
      await this.deleteSegments(chosen);
      if (deleted.length > 0) this.ctx.logger.info({ dir: this.dir, deleted, logStartOffset: this.logStartOffsetValue }, 'retention deleted segments');
      return { deleted, logStartOffset: this.logStartOffsetValue };
    });
  }

  /** In the queue. Rolls first when the active segment is among them, as Kafka does. */
  private async deleteSegments(chosen: readonly Deletion[]): Promise<void> {
    if (chosen.length === 0) return;
    const doomed = new Set(chosen.map((d) => d.segment));
    if (doomed.has(this.activeSegment)) await this.rollActive();
    await this.background;
    this.segments = this.segments.filter((s) => !doomed.has(s));
    await this.deleteAll(doomed);
    const first = this.segments[0]!.baseOffset;
    if (first > this.logStartOffsetValue) {
      this.logStartOffsetValue = first;
      await this.checkpoints.write();
    }
  }

  private async deleteAll(segments: Iterable<Segment>): Promise<void> {
    for (const s of segments) {
      this.flusher.forget(s);
      await s.delete();
    }
  }

  /**
   * Removes every batch holding an offset >= `offset` (a follower cutting a divergent
   * suffix). Batches are not split: the log end becomes the start of the batch holding
   * `offset`. Returns the new log end offset.
   */
  truncateTo(offset: number): Promise<number> {
    assertOffset('truncation offset', offset);
    return this.runOpen(async () => {
      if (offset >= this.logEndOffset) return this.logEndOffset;
      if (offset < this.segments[0]!.baseOffset) {
        await this.startAt(offset);
        return offset;
      }
      await this.lowerRecoveryPoint(offset);
      const drop = this.segments.filter((s) => s.baseOffset > offset);
      this.segments = this.segments.filter((s) => s.baseOffset <= offset);
      await this.deleteAll(drop);
      const active = this.activeSegment;
      await active.truncateTo(offset);
      this.flusher.touched(active);
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
    return this.runOpen(() => this.startAt(offset));
  }

  private async startAt(offset: number): Promise<void> {
    await this.lowerRecoveryPoint(offset);
    const old = this.segments;
    const fresh = await Segment.create(this.ctx, offset, this.ctx.rollJitterMs());
    this.segments = [fresh];
    for (const s of old) {
      this.flusher.forget(s);
      // A segment with the same base offset shares the file names Segment.create just emptied.
      if (s.baseOffset === offset) await s.close();
      else await s.delete();
    }
    await fsyncDirectory(this.dir);
    this.logStartOffsetValue = offset;
    this.recoveryPointValue = offset;
    await this.checkpoints.write();
  }

  /**
   * Before cutting files: wait for background segment flushes (so none can move the
   * recovery point past the cut afterwards), then lower the recovery point durably.
   */
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
  close(): Promise<void> {
    if (this.state === 'open') {
      this.state = 'closing';
      this.closing = this.closeCleanly();
    }
    return this.closing ?? Promise.resolve();
  }

  private async closeCleanly(): Promise<void> {
    try {
      await this.quiesce();
      // After a failed fsync nothing more is trusted to disk: no marker, recovery next time.
      if (this.flusher.offline) return;
      this.activeSegment.sealTimeIndex();
      for (const s of this.segments) await s.persistIndexes();
      await Promise.all(this.segments.map((s) => s.sync(this.flusher.hasUnflushed(s))));
      this.recoveryPointValue = this.logEndOffset;
      await this.checkpoints.write();
      await writeCleanShutdown(this.dir, { logEndOffset: this.logEndOffset, segmentCount: this.segments.length });
    } finally {
      await this.closeSegments();
    }
  }

  /**
   * Closes the files as a crash would: no fsync, no index or checkpoint writes, no marker,
   * so the next open runs recovery. Appends already handed to the OS stay, as after kill -9.
   */
  async abandon(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'closed';
    this.closing = Promise.resolve();
    await this.flusher.stop();
    await Promise.all(this.segments.map((s) => s.close()));
  }

  /** Closes without a marker and removes the directory (the topic or the replica is gone). */
  async delete(): Promise<void> {
    await this.closeForDelete();
    await rm(this.dir, { recursive: true, force: true });
  }

  /** Closes without a marker, leaving the files to the caller (which renames the directory, then removes it). */
  async closeForDelete(): Promise<void> {
    if (this.state === 'open') {
      this.state = 'closing';
      this.closing = (async () => {
        try {
          await this.quiesce();
        } finally {
          await this.closeSegments();
        }
      })();
    }
    await this.closing?.catch(() => undefined);
  }

  private async quiesce(): Promise<void> {
    await this.queue.run(async () => undefined); // everything queued before has run
    await this.background;
    await this.flusher.stop();
  }

  private async closeSegments(): Promise<void> {
    this.state = 'closed';
    await this.flusher.stop();
    await Promise.all(this.segments.map((s) => s.close()));
  }
}

/** Index of the last segment whose base offset is <= offset (0 if none). */
function segmentIndexFor(segments: readonly Segment[], offset: number): number {
  let lo = 0;
  let hi = segments.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (segments[mid]!.baseOffset <= offset) lo = mid + 1;
    else hi = mid;
  }
  return Math.max(0, lo - 1);
}
