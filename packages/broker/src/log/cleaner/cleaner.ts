/**
 * One cleaning pass over one log (Kafka's Cleaner.clean):
 *
 *   1. find the cleanable range (cleanable.ts);
 *   2. build the offset map over the dirty section [firstDirty, firstUncleanable), stopping
 *      early when the map is full: the pass then ends at `endOffset`, the offset after the
 *      last batch mapped, and the next pass starts there;
 *   3. rewrite every closed segment below endOffset, clean part included (that is where old
 *      values of newly written keys live, and where tombstones expire), in groups of small
 *      adjacent segments, each into one `.cleaned` file (batch-filter.ts decides per record);
 *   4. swap each group in through the log's queue (PartitionLog.replaceSegments and
 *      segment-swap.ts).
 *
 * The pass checks `aborted()` between batches (topic deletion, shutdown) and gives the
 * event loop back regularly (throttler.ts). Any failure removes its `.cleaned` file; the
 * log is untouched until a swap commits.
 */
import { join } from 'node:path';
import { isControlBatch, iterateRecords, readBatchHeader, recordsDataAsync, SamsaError } from '@samsa/protocol';
import type { LogConfig } from '../../config/topic-config.js';
import { scanValidBatches } from '../batch-scanner.js';
import { LogFile, type FileOps } from '../log-file.js';
import type { Segment } from '../segment.js';
import { filterBatch, type FilterPolicy } from './batch-filter.js';
import { cleanableRange, groupSegmentsBySize, type CleanableRange } from './cleanable.js';
import { OffsetMap } from './offset-map.js';
import { cleanedFileName, removeCleaned } from './segment-swap.js';
import { segmentBatches } from './segment-batches.js';
import type { Throttler } from './throttler.js';

/** What the cleaner needs of a PartitionLog. */
export interface CleanableLog {
  readonly dir: string;
  readonly config: LogConfig;
  readonly logStartOffset: number;
  readonly segmentsForCleaning: readonly Segment[];
  replaceSegments(old: readonly Segment[]): Promise<boolean>;
}

export interface CleanRequest {
  log: CleanableLog;
  /** From the cleaner checkpoint; undefined when the log was never cleaned. */
  firstDirtyOffset: number | undefined;
  /** Nothing at or above it is cleaned (the high watermark). */
  highWatermark?: number;
  /** producer id -> last offset of its last batch (Kafka: active producers' lastDataOffset). */
  producerLastOffsets?: ReadonlyMap<bigint, number>;
  nowMs: number;
  aborted(): boolean;
}

export interface CleanResult {
  range: CleanableRange;
  /** The next pass's firstDirtyOffset. */
  endOffset: number;
  /** Earliest delete horizon among the tombstone batches kept; -1 if none. */
  deleteHorizonMs: number;
  segmentsBefore: number;
  segmentsAfter: number;
  bytesRead: number;
  bytesWritten: number;
  recordsRemoved: number;
  /** False when the log changed under the pass (a group was not swapped in). */
  complete: boolean;
}

export interface CleanerOptions {
  dedupeBufferBytes: number;
  throttler: Throttler;
  fileOps: FileOps;
}

/** Batches written to a `.cleaned` file per write call. */
const WRITE_BUFFER_BYTES = 1 << 20;

export class AbortedError extends SamsaError {
  constructor(dir: string) {
    super('CLOSED', `cleaning of ${dir} aborted`);
  }
}

export class Cleaner {
  private readonly map: OffsetMap;

  constructor(private readonly opts: CleanerOptions) {
    this.map = new OffsetMap(opts.dedupeBufferBytes);
  }

  /**
   * Cleans the log if it has anything cleanable (or `force`: rewrite the clean part even
   * with nothing dirty, for tombstones whose horizon passed). Null when there was nothing to do.
   */
  async clean(req: CleanRequest, force = false): Promise<CleanResult | null> {
    const { log } = req;
    const segments = log.segmentsForCleaning;
    const config = log.config;
    const range = await cleanableRange(segments, log.logStartOffset, req.firstDirtyOffset, req.nowMs, config, req.highWatermark);
    if (range.cleanableBytes === 0 && !force) return null;
    const stats = { bytesRead: 0, bytesWritten: 0, recordsRemoved: 0 };
    this.map.clear();
    const endOffset = await this.buildOffsetMap(req, segments, range, stats);
    const toClean = segments.slice(0, -1).filter((s) => s.baseOffset < endOffset);
    if (toClean.length === 0) return null;
    const groups = groupSegmentsBySize(toClean, { maxBytes: config.segmentBytes, maxIndexBytes: config.segmentIndexBytes });
    const policy: FilterPolicy = {
      map: this.map,
      nowMs: req.nowMs,
      deleteRetentionMs: config.deleteRetentionMs,
      isLastBatchOfProducer: lastBatchRule(req.producerLastOffsets),
    };
    let deleteHorizonMs = -1;
    let complete = true;
    for (const group of groups) {
      const horizon = await this.cleanGroup(req, group, policy, stats);
      if (horizon === null) {
        complete = false;
        break;
      }
      if (horizon >= 0 && (deleteHorizonMs < 0 || horizon < deleteHorizonMs)) deleteHorizonMs = horizon;
    }
    this.map.clear();
    const segmentsAfter = log.segmentsForCleaning.length;
    return { range, endOffset, deleteHorizonMs, segmentsBefore: segments.length, segmentsAfter, ...stats, complete };
  }

  /** Fills the map from the dirty section; returns the offset after the last batch mapped. */
  private async buildOffsetMap(req: CleanRequest, segments: readonly Segment[], range: CleanableRange, stats: { bytesRead: number }): Promise<number> {
    let endOffset = range.firstDirtyOffset;
    for (const s of segments.slice(0, -1)) {
      if (s.nextOffset <= range.firstDirtyOffset) continue;
      if (s.baseOffset >= range.firstUncleanableOffset) break;
      for await (const { meta, bytes } of segmentBatches(s)) {
        if (req.aborted()) throw new AbortedError(req.log.dir);
        if (meta.lastOffset < range.firstDirtyOffset) continue;
        if (meta.lastOffset >= range.firstUncleanableOffset) return endOffset;
        // A batch is mapped whole or not at all, so endOffset is always a batch boundary.
        const keyed = await keyedRecords(bytes);
        if (this.map.size > 0 && !this.map.hasRoomFor(keyed.map((r) => r.key))) return endOffset;
        for (const r of keyed) this.map.put(r.key, r.offset);
        endOffset = meta.lastOffset + 1;
        stats.bytesRead += meta.size;
        await this.opts.throttler.maybeThrottle(meta.size);
      }
    }
    // Past the last dirty batch: the next pass starts at the first uncleanable offset.
    return Math.max(endOffset, range.firstUncleanableOffset);
  }

  /** Writes one group's kept batches to its `.cleaned` file and swaps it in; the horizon, or null if not swapped. */
  private async cleanGroup(req: CleanRequest, group: Segment[], policy: FilterPolicy, stats: { bytesRead: number; bytesWritten: number; recordsRemoved: number }): Promise<number | null> {
    const { dir } = req.log;
    const base = group[0]!.baseOffset;
    let horizon = -1;
    if (req.aborted()) throw new AbortedError(dir);
    const file = await LogFile.open(join(dir, cleanedFileName(base)), this.opts.fileOps, 'create');
    try {
      await file.truncate(0);
      let position = 0;
      let pending: Buffer[] = [];
      let pendingBytes = 0;
      const flush = async (): Promise<void> => {
        await file.writeAll(pending, position);
        position += pendingBytes;
        pending = [];
        pendingBytes = 0;
      };
      for (const segment of group) {
        for await (const { meta, bytes } of segmentBatches(segment)) {
          if (req.aborted()) throw new AbortedError(dir);
          const out = await filterBatch(bytes, policy);
          stats.bytesRead += meta.size;
          stats.recordsRemoved += out.recordsRemoved;
          if (out.bytes) {
            // Copy: a kept batch is a view of the read chunk, which is reused no further but
            // may be large; the write buffer holds only what it needs.
            pending.push(out.bytes === bytes ? Buffer.from(bytes) : out.bytes);
            pendingBytes += out.bytes.length;
            stats.bytesWritten += out.bytes.length;
            if (pendingBytes >= WRITE_BUFFER_BYTES) await flush();
          }
          if (out.deleteHorizonMs >= 0 && (horizon < 0 || out.deleteHorizonMs < horizon)) horizon = out.deleteHorizonMs;
          await this.opts.throttler.maybeThrottle(meta.size + (out.bytes?.length ?? 0));
        }
      }
      await flush();
      await file.datasync();
      // Invariant before the commit point: the cleaned file is whole, valid batches in
      // increasing offsets, within the group's range. Past the commit it replaces the old data.
      const scan = await scanValidBatches(file, 0, position, base, () => undefined, undefined, true);
      const end = group[group.length - 1]!.nextOffset;
      if (scan.problem !== null || scan.nextOffset > end) {
        throw new SamsaError('INTERNAL', `${file.path}: cleaned output is not valid (${scan.problem ?? `ends at ${scan.nextOffset}, past ${end}`})`);
      }
    } catch (e) {
      await file.close().catch(() => undefined);
      await removeCleaned(dir, base).catch(() => undefined);
      throw e;
    }
    await file.close();
    if (req.aborted()) {
      await removeCleaned(dir, base);
      throw new AbortedError(dir);
    }
    const swapped = await req.log.replaceSegments(group);
    return swapped ? horizon : null;
  }
}

/** The keyed records of a batch (control batches have none that count). */
async function keyedRecords(bytes: Buffer): Promise<Array<{ key: Buffer; offset: number }>> {
  const header = readBatchHeader(bytes, 0);
  if (isControlBatch(header)) return [];
  const base = Number(header.baseOffset);
  const data = await recordsDataAsync({ header, bytes });
  const out: Array<{ key: Buffer; offset: number }> = [];
  for (const r of iterateRecords(header, data)) if (r.key !== null) out.push({ key: r.key, offset: base + r.offsetDelta });
  return out;
}

/**
 * Which emptied batches stay: with the producer-state table, the batch ending at a
 * producer's last offset (as Kafka keeps active producers' last batches). Without it (a
 * log used alone), every emptied batch of an idempotent producer, which keeps at least as much.
 */
function lastBatchRule(known: ReadonlyMap<bigint, number> | undefined): (producerId: bigint, lastOffset: number) => boolean {
  if (known) return (producerId, lastOffset) => known.get(producerId) === lastOffset;
  return () => true;
}
