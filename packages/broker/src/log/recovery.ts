/**
 * Opening a partition directory: what to trust, what to check, what to cut.
 *
 * - After a clean shutdown (a valid clean-shutdown marker whose log end offset and segment
 *   count match what is on disk) every file is trusted: the active segment loads its
 *   indexes now (rebuilding one that is missing or inconsistent), older segments on first
 *   use.
 * - Otherwise segments wholly below the recovery point are trusted the same way, and every
 *   segment from the one holding the recovery point on is read batch by batch (length,
 *   magic 2, contiguous offsets (increasing in a compacted log), CRC-32C). At the first batch that fails, that segment is
 *   cut there and every later segment deleted: a log never has a hole in the middle.
 *   Recovered segments get new indexes and are fsynced.
 *
 * Before anything is listed, the log cleaner's interrupted work is settled
 * (cleaner/segment-swap.ts): `.cleaned` files are deleted, committed `.swap` files finish
 * replacing the segments they were cleaned from.
 *
 * The log start offset comes from the checkpoint, never below the first segment; segments
 * wholly below it are deleted. The marker is removed (durably) before open returns, so a
 * crash from then on is detected by the next open.
 */
import { mkdir, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { SamsaError } from '@samsa/protocol';
import { fsyncDirectory } from '../platform/checksummed-file.js';
import { readCleanShutdown, readLogState, removeCleanShutdown, removeStaleTemps, type CleanShutdown, type LogState } from './checkpoint.js';
import { recoverCleanerFiles } from './cleaner/segment-swap.js';
import { parseSegmentFileName } from './file-names.js';
import { Segment, type SegmentContext } from './segment.js';

export interface LoadContext extends SegmentContext {
  /** segment.jitter.ms drawn for a new segment. */
  rollJitterMs(): number;
}

export interface LoadedLog {
  segments: Segment[];
  logStartOffset: number;
  /** What the checkpoint on disk holds after open (null: nothing written). */
  checkpoint: LogState | null;
  cleanShutdown: boolean;
  /** Segments read batch by batch, and bytes cut from them. */
  recoveredSegments: number;
  truncatedBytes: number;
}

async function readOrWarn<T>(ctx: LoadContext, what: string, read: () => Promise<T | null>): Promise<T | null> {
  try {
    return await read();
  } catch (e) {
    if (!(e instanceof SamsaError)) throw e;
    ctx.logger.warn({ dir: ctx.dir, err: e.message }, `ignoring unreadable ${what}`);
    return null;
  }
}

/** Segment base offsets with a .log; index files without a .log and temp files are removed. */
async function inventory(dir: string): Promise<number[]> {
  const names = await readdir(dir);
  const logs = new Set<number>();
  for (const name of names) {
    const parsed = parseSegmentFileName(name);
    if (parsed?.kind === 'log') logs.add(parsed.baseOffset);
  }
  for (const name of names) {
    const parsed = parseSegmentFileName(name);
    if (parsed && parsed.kind !== 'log' && !logs.has(parsed.baseOffset)) await unlink(join(dir, name));
  }
  return [...logs].sort((a, b) => a - b);
}

/** Index of the first segment to read batch by batch; segments.length when none. */
function firstToRecover(ctx: LoadContext, segments: Segment[], marker: CleanShutdown | null, recoveryPoint: number): number {
  if (marker) {
    if (marker.segmentCount === segments.length) return segments.length;
    ctx.logger.warn({ dir: ctx.dir, marker, segments: segments.length }, 'clean-shutdown marker does not match the segments on disk; recovering all');
    return 0;
  }
  let i = 0;
  while (i + 1 < segments.length && segments[i + 1]!.baseOffset <= recoveryPoint) i++;
  return i;
}

async function deleteFrom(segments: Segment[], from: number): Promise<void> {
  for (const s of segments.splice(from)) await s.delete();
}

/** Reads segments [from, end) batch by batch; returns bytes cut. */
async function recoverSegments(ctx: LoadContext, segments: Segment[], from: number): Promise<number> {
  let truncated = 0;
  for (let i = from; i < segments.length; i++) {
    const segment = segments[i]!;
    const sizeBefore = (await segment.log.stat()).size;
    const scan = await segment.recover();
    truncated += sizeBefore - scan.validBytes;
    const next = segments[i + 1];
    let cutHere = scan.problem !== null;
    if (scan.problem !== null) {
      ctx.logger.warn(
        { segment: segment.path, problem: scan.problem, validBytes: scan.validBytes, truncatedBytes: sizeBefore - scan.validBytes, laterSegments: segments.length - i - 1 },
        'recovery cut a segment at its first invalid batch',
      );
    } else if (next && next.baseOffset < segment.nextOffset) {
      ctx.logger.warn({ segment: segment.path, nextOffset: segment.nextOffset, nextSegment: next.baseOffset }, 'next segment overlaps; deleting it and those after');
      cutHere = true;
    }
    if (i + 1 < segments.length && !cutHere) segment.sealTimeIndex();
    await segment.persistIndexes();
    await segment.sync();
    if (cutHere) {
      for (const s of segments.slice(i + 1)) truncated += s.size;
      await deleteFrom(segments, i + 1);
    }
  }
  return truncated;
}

export async function loadLog(ctx: LoadContext, recoveryPointOverride?: number): Promise<LoadedLog> {
  await mkdir(ctx.dir, { recursive: true });
  await removeStaleTemps(ctx.dir);
  const swaps = await recoverCleanerFiles(ctx.dir);
  if (swaps.discarded.length + swaps.completed.length > 0) ctx.logger.warn({ dir: ctx.dir, ...swaps }, 'finished the log cleaner\'s interrupted work');
  const bases = await inventory(ctx.dir);
  const marker = await readOrWarn(ctx, 'clean-shutdown marker', () => readCleanShutdown(ctx.dir));
  const state = await readOrWarn(ctx, 'log-state checkpoint', () => readLogState(ctx.dir));
  const segments: Segment[] = [];
  for (const base of bases) segments.push(await Segment.open(ctx, base, ctx.rollJitterMs()));
  // Provisional until a segment's indexes are loaded: a segment ends where the next begins.
  for (let i = 0; i + 1 < segments.length; i++) segments[i]!.nextOffset = segments[i + 1]!.baseOffset;

  let from = firstToRecover(ctx, segments, marker, recoveryPointOverride ?? state?.recoveryPoint ?? 0);
  const last = segments[segments.length - 1];
  if (last && from >= segments.length) {
    try {
      await last.ensureIndexes();
      if (last.nextOffset !== marker?.logEndOffset) {
        ctx.logger.warn({ dir: ctx.dir, marker, logEndOffset: last.nextOffset }, 'clean-shutdown marker disagrees with the log end; recovering all');
        from = 0;
      }
    } catch (e) {
      if (!(e instanceof SamsaError)) throw e;
      ctx.logger.warn({ segment: last.path, err: e.message }, 'active segment unreadable after a clean shutdown; recovering it');
      from = segments.length - 1;
    }
  }
  const recoveredSegments = Math.max(0, segments.length - from);
  const truncatedBytes = await recoverSegments(ctx, segments, from);

  let changed = false;
  if (segments.length === 0) {
    segments.push(await Segment.create(ctx, state?.logStartOffset ?? 0, ctx.rollJitterMs()));
    changed = true;
  }
  const active = segments[segments.length - 1]!;
  await active.ensureIndexes();
  let logStartOffset = Math.max(state?.logStartOffset ?? 0, segments[0]!.baseOffset);
  if (logStartOffset > active.nextOffset) {
    ctx.logger.warn({ dir: ctx.dir, logStartOffset, logEndOffset: active.nextOffset }, 'log start offset is past the log end; starting an empty log there');
    await deleteFrom(segments, 0);
    segments.push(await Segment.create(ctx, logStartOffset, ctx.rollJitterMs()));
    changed = true;
  }
  let below = 0;
  while (below + 1 < segments.length && segments[below + 1]!.baseOffset <= logStartOffset) below++;
  if (below > 0) {
    for (const s of segments.splice(0, below)) await s.delete();
    changed = true;
  }
  logStartOffset = Math.max(logStartOffset, segments[0]!.baseOffset);
  if (changed || truncatedBytes > 0) await fsyncDirectory(ctx.dir);
  if (marker) await removeCleanShutdown(ctx.dir);
  return { segments, logStartOffset, checkpoint: state, cleanShutdown: marker !== null && from >= bases.length, recoveredSegments, truncatedBytes };
}
