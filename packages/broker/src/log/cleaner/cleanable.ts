/**
 * Which part of a log a cleaning pass may touch, and how dirty it is (Kafka's
 * LogCleanerManager.cleanableOffsets and LogToClean):
 *
 * - firstDirtyOffset: where the last pass stopped (the cleaner checkpoint), reset to the log
 *   start when the checkpoint is outside the log (DeleteRecords moved the start past it, or
 *   the log was truncated below it);
 * - firstUncleanableOffset: the smallest of the active segment's base offset (never
 *   cleaned), the high watermark (data not yet committed by the ISR), and, with
 *   min.compaction.lag.ms > 0, the base of the first segment holding a record newer than
 *   the lag;
 * - dirty ratio: bytes of the segments in [firstDirty, firstUncleanable) over those plus the
 *   bytes of the segments below firstDirty (the segment holding firstDirty counts in both,
 *   as in Kafka);
 * - needCompactionNow: max.compaction.lag.ms has passed since the first batch of the first
 *   dirty segment was written, so the log is cleaned whatever its ratio.
 *
 * Also the grouping of small adjacent segments into one cleaned segment.
 */
import { MAX_RELATIVE_OFFSET } from '../batch-header.js';
import type { Segment } from '../segment.js';

export interface CleanableRange {
  firstDirtyOffset: number;
  firstUncleanableOffset: number;
  cleanBytes: number;
  cleanableBytes: number;
  dirtyRatio: number;
  needCompactionNow: boolean;
}

export interface LagSettings {
  minCompactionLagMs: number;
  maxCompactionLagMs: number;
}

export async function cleanableRange(
  segments: readonly Segment[],
  logStartOffset: number,
  checkpointOffset: number | undefined,
  nowMs: number,
  config: LagSettings,
  highWatermark = Number.MAX_SAFE_INTEGER,
): Promise<CleanableRange> {
  const active = segments[segments.length - 1]!;
  const logEndOffset = active.nextOffset;
  let firstDirtyOffset = checkpointOffset ?? logStartOffset;
  if (firstDirtyOffset < logStartOffset || firstDirtyOffset > logEndOffset) firstDirtyOffset = logStartOffset;
  let firstUncleanableOffset = Math.min(active.baseOffset, highWatermark);
  const closed = segments.slice(0, -1);
  if (config.minCompactionLagMs > 0) {
    for (const s of closed) {
      if (s.nextOffset <= firstDirtyOffset || s.baseOffset >= firstUncleanableOffset) continue;
      if ((await s.largestTimestamp()) > nowMs - config.minCompactionLagMs) {
        firstUncleanableOffset = Math.min(firstUncleanableOffset, s.baseOffset);
        break;
      }
    }
  }
  firstUncleanableOffset = Math.max(firstUncleanableOffset, firstDirtyOffset);
  let cleanBytes = 0;
  let cleanableBytes = 0;
  let firstDirtySegment: Segment | null = null;
  for (const s of closed) {
    await s.ensureIndexes(); // nextOffset is exact only once loaded
    const overlapsClean = s.baseOffset < firstDirtyOffset && s.nextOffset > logStartOffset;
    const overlapsDirty = s.nextOffset > firstDirtyOffset && s.baseOffset < firstUncleanableOffset;
    if (overlapsClean) cleanBytes += s.size;
    if (overlapsDirty) {
      cleanableBytes += s.size;
      firstDirtySegment ??= s;
    }
  }
  const total = cleanBytes + cleanableBytes;
  let needCompactionNow = false;
  if (firstDirtySegment && config.maxCompactionLagMs < Number.MAX_SAFE_INTEGER) {
    const first = await firstDirtySegment.firstBatchTimestamp();
    needCompactionNow = first !== null && nowMs - first > config.maxCompactionLagMs;
  }
  return { firstDirtyOffset, firstUncleanableOffset, cleanBytes, cleanableBytes, dirtyRatio: total === 0 ? 0 : cleanableBytes / total, needCompactionNow };
}

export interface GroupLimits {
  /** segment.bytes */
  maxBytes: number;
  /** segment.index.bytes, for each of the offset and time index */
  maxIndexBytes: number;
}

/**
 * Splits adjacent segments into groups each cleaned into one segment (Kafka's
 * groupSegmentsBySize): a group grows while its .log bytes fit segment.bytes, its index
 * bytes fit segment.index.bytes, and its offsets stay within an int32 of its base.
 * Segments must have their indexes loaded.
 */
export function groupSegmentsBySize(segments: readonly Segment[], limits: GroupLimits): Segment[][] {
  const groups: Segment[][] = [];
  let i = 0;
  while (i < segments.length) {
    const head = segments[i++]!;
    const group = [head];
    let bytes = head.size;
    let offsetIndexBytes = head.offsetIndex.sizeBytes;
    let timeIndexBytes = head.timeIndex.sizeBytes;
    while (i < segments.length) {
      const next = segments[i]!;
      const fits =
        bytes + next.size <= limits.maxBytes &&
        offsetIndexBytes + next.offsetIndex.sizeBytes <= limits.maxIndexBytes &&
        timeIndexBytes + next.timeIndex.sizeBytes <= limits.maxIndexBytes &&
        next.nextOffset - 1 - head.baseOffset <= MAX_RELATIVE_OFFSET;
      if (!fits) break;
      group.push(next);
      bytes += next.size;
      offsetIndexBytes += next.offsetIndex.sizeBytes;
      timeIndexBytes += next.timeIndex.sizeBytes;
      i++;
    }
    groups.push(group);
  }
  return groups;
}
