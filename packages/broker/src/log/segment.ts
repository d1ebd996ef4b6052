/**
 * One segment: a .log file of whole record batches, named by the offset of its first
 * batch, with its offset index and time index.
 *
 * State kept in memory: `size` (bytes of whole batches: the only bytes reads may see),
 * `nextOffset` (after the last batch), the largest batch timestamp and the base offset of
 * the batch holding it, and the indexes. Appends write at `size` with a positional write
 * and update the state only once the write has returned, so a concurrent read never sees a
 * batch half written. The owner (PartitionLog) serializes every mutation; reads run freely.
 *
 * Segments opened from disk and trusted (below the recovery point, or after a clean
 * shutdown) load their indexes lazily, on the first lookup: a broker with many old segments
 * starts without reading them.
 */
import { unlink } from 'node:fs/promises';
import { SamsaError } from '@samsa/protocol';
import type { LogConfig } from '../config/topic-config.js';
import type { Logger } from '../platform/logger.js';
import { BATCH_HEADER_BYTES, isCompressed, isLogAppendTime, parseBatchHeader, requireBatchHeader, type BatchMeta } from './batch-header.js';
import { HEADER_READ_AHEAD_BYTES, scanHeaders, scanValidBatches, type ValidScan } from './batch-scanner.js';
import { INDEX_SUFFIX, LOG_SUFFIX, segmentPath, TIME_INDEX_SUFFIX } from './file-names.js';
import { LogFile, type FileOps } from './log-file.js';
import { OffsetIndex } from './offset-index.js';
import type { ReadBufferPool } from './read-buffer-pool.js';
import { findRecord, type OffsetAndTimestamp } from './record-timestamps.js';
import { TimeIndex } from './time-index.js';

export interface SegmentContext {
  readonly dir: string;
  readonly ops: FileOps;
  readonly logger: Logger;
  /** Live: topic config changes apply to the next append. */
  config(): LogConfig;
}

export interface SegmentRead {
  /** Whole batches; empty when a limit (maxOffset, maxBytes) excluded the first one. */
  records: Buffer;
  /** Base offset of the first batch returned (it may be below the offset asked for); -1 if none. */
  firstOffset: number;
  /** The offset after the last batch returned; the offset asked for when none. */
  nextOffset: number;
}

const EMPTY = Buffer.alloc(0);

function corrupt(path: string, why: string): SamsaError {
  return new SamsaError('CORRUPT_RECORD', `${path}: ${why}`);
}

export class Segment {
  nextOffset: number;
  size = 0;
  /** Largest batch maxTimestamp in the segment, -1 when none has a timestamp. */
  maxTimestamp = -1;
  /** Base offset of the (first) batch holding maxTimestamp. */
  offsetOfMaxTimestamp: number;
  /** Wall-clock ms that segment.ms counts from: the first append, null while empty. */
  rollStartMs: number | null = null;
  deleted = false;
  readonly offsetIndex: OffsetIndex;
  readonly timeIndex: TimeIndex;
  private bytesSinceIndexEntry = 0;
  private indexesReady: Promise<void> | null = null;

  private constructor(
    private readonly ctx: SegmentContext,
    readonly baseOffset: number,
    readonly log: LogFile,
    readonly rollJitterMs: number,
  ) {
    this.nextOffset = baseOffset;
    this.offsetOfMaxTimestamp = baseOffset;
    const indexBytes = ctx.config().segmentIndexBytes;
    this.offsetIndex = new OffsetIndex(segmentPath(ctx.dir, baseOffset, INDEX_SUFFIX), baseOffset, indexBytes, ctx.ops);
    this.timeIndex = new TimeIndex(segmentPath(ctx.dir, baseOffset, TIME_INDEX_SUFFIX), baseOffset, indexBytes, ctx.ops);
  }

  get path(): string {
    return this.log.path;
  }

  /** A new, empty segment; any file of the same name left behind is emptied. */
  static async create(ctx: SegmentContext, baseOffset: number, rollJitterMs: number): Promise<Segment> {
    await Promise.all([INDEX_SUFFIX, TIME_INDEX_SUFFIX].map((s) => unlinkIfPresent(segmentPath(ctx.dir, baseOffset, s))));
    const log = await LogFile.open(segmentPath(ctx.dir, baseOffset, LOG_SUFFIX), ctx.ops, 'create');
    const segment = new Segment(ctx, baseOffset, log, rollJitterMs);
    if ((await log.stat()).size > 0) await log.truncate(0);
    segment.indexesReady = Promise.resolve();
    return segment;
  }

  /** An existing segment; its state is known after ensureIndexes() or recover(). */
  static async open(ctx: SegmentContext, baseOffset: number, rollJitterMs: number): Promise<Segment> {
    const log = await LogFile.open(segmentPath(ctx.dir, baseOffset, LOG_SUFFIX), ctx.ops, 'existing');
    const segment = new Segment(ctx, baseOffset, log, rollJitterMs);
    segment.size = (await log.stat()).size;
    return segment;
  }

  get isEmpty(): boolean {
    return this.size === 0;
  }

  get indexesLoaded(): boolean {
    return this.indexesReady !== null;
  }

  /** Loads the index files, or rebuilds them from the .log when missing or inconsistent. */
  ensureIndexes(): Promise<void> {
    this.indexesReady ??= this.loadIndexes().catch((e: unknown) => {
      this.indexesReady = null;
      throw e;
    });
    return this.indexesReady;
  }

  private async loadIndexes(): Promise<void> {
    const offsets = await this.offsetIndex.load(() => this.offsetIndex.check(this.size));
    const times = await this.timeIndex.load(() => this.timeIndex.check(Number.MAX_SAFE_INTEGER));
    let problem = offsets === 'loaded' ? (times === 'loaded' ? null : `time index ${times}`) : `offset index ${offsets}`;
    if (problem === null) problem = await this.rescanTail();
    if (problem === null) problem = this.timeIndex.check(this.nextOffset);
    if (problem === null) return;
    this.ctx.logger.warn({ segment: this.path, problem }, 'rebuilding segment indexes');
    await this.rebuildIndexes();
  }

  /** Rebuilds both indexes from the batch headers (no CRC check: the segment is trusted). */
  private async rebuildIndexes(): Promise<void> {
    this.resetState();
    const interval = this.ctx.config().indexIntervalBytes;
    const stop = await scanHeaders(this.log, 0, this.size, (b) => this.indexBatch(b, interval));
    if (stop.problem !== null) throw corrupt(this.path, `${stop.problem} at byte ${stop.position} while rebuilding the indexes`);
    this.sealTimeIndex();
    await this.persistIndexes();
  }

  /**
   * Recomputes what follows the last offset index entry (nextOffset, the largest timestamp,
   * bytes since the last entry) from the batch headers there. Returns a problem when the
   * entry does not point at the batch it names or the tail is not whole batches.
   */
  private async rescanTail(): Promise<string | null> {
    const last = this.offsetIndex.lastEntry() ?? { offset: this.baseOffset, position: 0 };
    const lastTime = this.timeIndex.lastEntry();
    this.maxTimestamp = lastTime ? lastTime.timestamp : -1;
    this.offsetOfMaxTimestamp = lastTime ? lastTime.offset : this.baseOffset;
    this.nextOffset = this.baseOffset;
    this.bytesSinceIndexEntry = 0;
    let mismatch: string | null = null;
    const stop = await scanHeaders(this.log, last.position, this.size, (b) => {
      if (b.position === last.position && b.baseOffset !== last.offset) {
        mismatch = `index names offset ${last.offset} at byte ${last.position}, the batch there starts at ${b.baseOffset}`;
        return false;
      }
      this.trackBatch(b);
      this.bytesSinceIndexEntry += b.size;
      return true;
    });
    if (mismatch !== null) return mismatch;
    if (stop.problem !== null) return `${stop.problem} at byte ${stop.position}`;
    if (this.size > 0 && this.nextOffset === this.baseOffset) return 'no batch found';
    return null;
  }

  private resetState(): void {
    this.offsetIndex.reset();
    this.timeIndex.reset();
    this.maxTimestamp = -1;
    this.offsetOfMaxTimestamp = this.baseOffset;
    this.nextOffset = this.baseOffset;
    this.bytesSinceIndexEntry = 0;
  }

  private trackBatch(b: BatchMeta): void {
    if (b.maxTimestamp > this.maxTimestamp) {
      this.maxTimestamp = b.maxTimestamp;
      this.offsetOfMaxTimestamp = b.baseOffset;
    }
    this.nextOffset = b.lastOffset + 1;
  }

  /** The per-batch index policy, shared by append, rebuild and recovery. */
  private indexBatch(b: BatchMeta, indexIntervalBytes: number): void {
    this.trackBatch(b);
    if (this.bytesSinceIndexEntry > indexIntervalBytes) {
      this.offsetIndex.append(b.baseOffset, b.position);
      this.timeIndex.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp);
      this.bytesSinceIndexEntry = 0;
    }
    this.bytesSinceIndexEntry += b.size;
  }

  /** Adds a last time index entry for the largest timestamp (on roll and close). */
  sealTimeIndex(): void {
    this.timeIndex.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp);
  }

  /**
   * Checks every batch (length, magic, contiguous offsets, or increasing in a compacted log, CRC-32C), rebuilds the indexes,
   * and cuts the .log at the first batch that fails. Returns what the scan found.
   */
  async recover(offsetGaps = this.ctx.config().cleanupPolicy.includes('compact')): Promise<ValidScan> {
    this.indexesReady = Promise.resolve();
    this.resetState();
    this.size = (await this.log.stat()).size;
    const interval = this.ctx.config().indexIntervalBytes;
    const scan = await scanValidBatches(this.log, 0, this.size, this.baseOffset, (b) => this.indexBatch(b, interval), undefined, offsetGaps);
    if (scan.validBytes < this.size) {
      await this.log.truncate(scan.validBytes);
      this.size = scan.validBytes;
    }
    this.nextOffset = scan.nextOffset;
    return scan;
  }

  /**
   * Appends whole batches (already checked, offsets assigned) with one positional write.
   * `batches` positions are relative to the start of `buffers`. On a failed write the file
   * is cut back, so a later write cannot leave stale bytes behind it.
   */
  async append(buffers: readonly Buffer[], batches: readonly BatchMeta[], bytes: number, nowMs: number): Promise<number> {
    const position = this.size;
    try {
      await this.log.writeAll(buffers, position);
    } catch (e) {
      await this.log.truncate(position).catch(() => undefined);
      throw e;
    }
    const interval = this.ctx.config().indexIntervalBytes;
    for (const b of batches) this.indexBatch({ ...b, position: position + b.position }, interval);
    this.size = position + bytes;
    this.rollStartMs ??= nowMs;
    return position;
  }

  /** The first batch whose last offset is >= `offset`, or null if the segment has none. */
  async locate(offset: number): Promise<BatchMeta | null> {
    await this.ensureIndexes();
    const hit: { batch: BatchMeta | null } = { batch: null };
    const stop = await scanHeaders(this.log, this.offsetIndex.lookup(offset).position, this.size, (b) => {
      if (b.lastOffset < offset) return true;
      hit.batch = b;
      return false;
    });
    if (stop.problem !== null) throw corrupt(this.path, `${stop.problem} at byte ${stop.position}`);
    return hit.batch;
  }

  /**
   * Whole batches from the one holding `startOffset`: at most `maxBytes` (but the first
   * batch whole if `minOneBatch`), only batches entirely below `maxOffset`. Null when the
   * segment has no batch at or after `startOffset`. With `pool`, non-empty records are a view
   * of a buffer leased from it, which the caller releases once nothing refers to it.
   */
  async read(startOffset: number, maxBytes: number, maxOffset: number, minOneBatch: boolean, pool?: ReadBufferPool): Promise<SegmentRead | null> {
    await this.ensureIndexes();
    const end = this.size;
    const position = this.offsetIndex.lookup(startOffset).position;
    // The batch holding startOffset is usually within index.interval.bytes of the entry;
    // read that far ahead with the data (capped: the setting may be huge), re-read if not.
    const gap = Math.min(this.ctx.config().indexIntervalBytes, HEADER_READ_AHEAD_BYTES) + BATCH_HEADER_BYTES;
    const readAhead = (from: number): number => Math.min(end - from, gap + Math.max(0, Math.min(maxBytes, end)));
    let buf: Buffer = EMPTY; // the latest buffer read, released when replaced or not returned
    const readAt = async (from: number, length: number): Promise<Buffer> => {
      if (pool) pool.release(buf);
      buf = EMPTY;
      if (!pool) return this.log.readAt(from, length);
      const into = pool.acquire(length);
      try {
        const n = await this.log.readInto(into, from);
        return n === length ? into : into.subarray(0, n);
      } catch (e) {
        pool.release(into);
        throw e;
      }
    };
    try {
      const found = await this.readFrom(startOffset, position, end, maxBytes, maxOffset, minOneBatch, readAhead, async (from, length) => (buf = await readAt(from, length)));
      if (found === null || found.records.length === 0) pool?.release(buf);
      return found;
    } catch (e) {
      pool?.release(buf);
      throw e;
    }
  }

  private async readFrom(
    startOffset: number,
    start: number,
    end: number,
    maxBytes: number,
    maxOffset: number,
    minOneBatch: boolean,
    readAhead: (from: number) => number,
    readAt: (from: number, length: number) => Promise<Buffer>,
  ): Promise<SegmentRead | null> {
    let position = start;
    let buf = await readAt(position, readAhead(position));
    let bufStart = position;
    let first: BatchMeta | null = null;
    while (position < end) {
      if (position + BATCH_HEADER_BYTES > bufStart + buf.length) {
        buf = await readAt(position, readAhead(position));
        bufStart = position;
      }
      const header = requireBatchHeader(buf, position - bufStart, end - position, this.path);
      if (header.lastOffset >= startOffset) {
        first = header;
        break;
      }
      position += header.size;
    }
    if (first === null) return null;
    const none: SegmentRead = { records: EMPTY, firstOffset: -1, nextOffset: startOffset };
    if (first.lastOffset >= maxOffset || (first.size > maxBytes && !minOneBatch)) return none;
    const budget = Math.max(first.size, Math.min(maxBytes, end - position));
    if (position + budget > bufStart + buf.length) {
      buf = await readAt(position, budget);
      bufStart = position;
    }
    let cursor = position;
    let nextOffset = startOffset;
    while (cursor < end) {
      const header = parseBatchHeader(buf, cursor - bufStart, Math.min(end, position + budget) - cursor);
      if (typeof header === 'string' || header.lastOffset >= maxOffset) break;
      nextOffset = header.lastOffset + 1;
      cursor += header.size;
    }
    if (cursor === position) return none; // the file was cut under us
    return { records: buf.subarray(position - bufStart, cursor - bufStart), firstOffset: first.baseOffset, nextOffset };
  }

  /**
   * The first record at or after `minOffset` whose timestamp is >= `timestamp`. Exact for
   * uncompressed CreateTime batches; for LogAppendTime batches every record has the batch's
   * timestamp; for compressed batches the answer is the batch (its first offset at or after
   * `minOffset`, and its maxTimestamp), since finding the record would mean decompressing.
   */
  async findByTimestamp(timestamp: number, minOffset: number): Promise<OffsetAndTimestamp | null> {
    await this.ensureIndexes();
    if (this.maxTimestamp < timestamp) return null;
    let from = Math.max(this.timeIndex.lookup(timestamp), minOffset);
    for (;;) {
      const hit: { batch: BatchMeta | null } = { batch: null };
      const stop = await scanHeaders(this.log, this.offsetIndex.lookup(from).position, this.size, (b) => {
        if (b.lastOffset < from || b.maxTimestamp < timestamp) return true;
        hit.batch = b;
        return false;
      });
      if (stop.problem !== null) throw corrupt(this.path, `${stop.problem} at byte ${stop.position}`);
      if (hit.batch === null) return null;
      const found = await this.recordAtOrAfter(hit.batch, timestamp, minOffset);
      if (found) return found;
      from = hit.batch.lastOffset + 1;
    }
  }

  private async recordAtOrAfter(b: BatchMeta, timestamp: number, minOffset: number): Promise<OffsetAndTimestamp | null> {
    if (isCompressed(b) || isLogAppendTime(b)) return { offset: Math.max(b.baseOffset, minOffset), timestamp: b.maxTimestamp };
    const bytes = await this.log.readAt(b.position, b.size);
    if (bytes.length < b.size) return null;
    return findRecord(bytes, (offset, ts) => offset >= minOffset && ts >= timestamp);
  }

  /**
   * Removes every batch holding an offset >= `offset`. A batch is never split: if `offset`
   * falls inside one, that whole batch goes and nextOffset ends below `offset`.
   */
  async truncateTo(offset: number): Promise<number> {
    await this.ensureIndexes();
    if (offset >= this.nextOffset) return 0;
    const batch = offset <= this.baseOffset ? null : await this.locate(offset);
    const position = batch ? batch.position : 0;
    const removed = this.size - position;
    await this.log.truncate(position);
    this.size = position;
    const newNext = batch ? batch.baseOffset : this.baseOffset;
    this.offsetIndex.truncateToOffset(newNext);
    this.timeIndex.truncateToOffset(newNext);
    const problem = await this.rescanTail();
    if (problem !== null) throw corrupt(this.path, `after truncation: ${problem}`);
    if (this.size === 0) this.rollStartMs = null;
    return removed;
  }

  /** Timestamp of the first batch, for segment.ms after a reopen; null if none or empty. */
  async firstBatchTimestamp(): Promise<number | null> {
    if (this.size < BATCH_HEADER_BYTES) return null;
    const header = parseBatchHeader(await this.log.readAt(0, BATCH_HEADER_BYTES), 0, this.size);
    return typeof header === 'string' || header.maxTimestamp < 0 ? null : header.maxTimestamp;
  }

  /** Largest timestamp for retention.ms; the file's mtime when no batch has a timestamp. */
  async largestTimestamp(): Promise<number> {
    await this.ensureIndexes();
    return this.maxTimestamp >= 0 ? this.maxTimestamp : (await this.log.stat()).mtimeMs;
  }

  /** Writes in-memory index entries to the index files (no fsync). */
  async persistIndexes(): Promise<void> {
    if (!this.indexesLoaded) return;
    await this.offsetIndex.persist();
    await this.timeIndex.persist();
  }

  /** fdatasync of the .log (unless told it is clean) and of index files written since their last sync. */
  async sync(includeLog = true): Promise<void> {
    await Promise.all([includeLog ? this.log.datasync() : undefined, this.offsetIndex.sync(), this.timeIndex.sync()]);
  }

  async close(): Promise<void> {
    await Promise.all([this.log.close(), this.offsetIndex.close(), this.timeIndex.close()]);
  }

  /** Removes the files; reads in flight finish on the open descriptors first. */
  async delete(): Promise<void> {
    this.deleted = true;
    await Promise.all([LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX].map((s) => unlinkIfPresent(segmentPath(this.ctx.dir, this.baseOffset, s))));
    await this.close();
  }
}

async function unlinkIfPresent(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}
