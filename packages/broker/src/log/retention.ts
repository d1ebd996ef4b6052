/**
 * Which segments retention deletes: always a prefix of the log, oldest first, in Kafka's
 * three passes:
 *
 * - retention.ms: while the segment's largest timestamp is more than retention.ms old.
 * - retention.bytes: while the log would still hold at least retention.bytes without the
 *   segment (Kafka's `size - retentionBytes - segment.size >= 0`).
 * - log start offset: while the next segment starts at or below logStartOffset (the
 *   segment holds nothing readable), or the segment is the last and ends at or below it.
 *
 * -1 disables a limit. An empty active segment is never chosen; a non-empty active
 * segment may be, and the log then rolls before deleting it, as Kafka does.
 */
import type { LogConfig } from '../config/topic-config.js';
import type { Segment } from './segment.js';

export type DeletionReason = 'retention.ms' | 'retention.bytes' | 'log-start-offset';

export interface Deletion {
  segment: Segment;
  reason: DeletionReason;
}

export async function selectForDeletion(
  segments: readonly Segment[],
  config: Pick<LogConfig, 'retentionMs' | 'retentionBytes'>,
  nowMs: number,
  logStartOffset: number,
): Promise<Deletion[]> {
  const chosen: Deletion[] = [];
  const last = segments.length - 1;
  const eligible = (i: number): boolean => i <= last && !(i === last && segments[i]!.isEmpty);
  let i = 0;
  if (config.retentionMs >= 0) {
    while (eligible(i) && nowMs - (await segments[i]!.largestTimestamp()) > config.retentionMs) {
      chosen.push({ segment: segments[i++]!, reason: 'retention.ms' });
    }
  }
  if (config.retentionBytes >= 0) {
    let excess = -config.retentionBytes;
    for (let k = i; k <= last; k++) excess += segments[k]!.size;
    while (eligible(i) && excess - segments[i]!.size >= 0) {
      excess -= segments[i]!.size;
      chosen.push({ segment: segments[i++]!, reason: 'retention.bytes' });
    }
  }
  while (eligible(i) && (i < last ? segments[i + 1]!.baseOffset <= logStartOffset : segments[i]!.nextOffset <= logStartOffset)) {
    chosen.push({ segment: segments[i++]!, reason: 'log-start-offset' });
  }
  return chosen;
}
