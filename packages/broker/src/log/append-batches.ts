/**
 * The log's checks on what it is asked to append. The replica manager has already
 * validated the batches (CRC, sizes, timestamps) and assigned their offsets; the log only
 * asserts the invariants it depends on, which if broken mean a bug upstream (STYLE habit
 * 5): whole v2 batches back to back, offsets contiguous from the log end (or, for a
 * follower copying its leader, increasing from the log end: a compacted leader's log has
 * gaps), and the caller's idea of the last offset matching the bytes.
 */
import { SamsaError } from '@samsa/protocol';
import { parseBatchHeader, type BatchMeta } from './batch-header.js';

export interface AppendInfo {
  /** Offset of the last record appended (from the caller's offset assignment). */
  lastOffset: number;
  /** Informational: the log takes timestamps from the batch headers it writes. */
  maxTimestamp?: number;
  offsetOfMaxTimestamp?: number;
  /**
   * The offsets were assigned by the leader (a follower's append): they must increase from
   * the log end but may skip offsets, which compaction removed on the leader.
   */
  fromLeader?: boolean;
}

/** Called when an append's turn comes, with the offset its first batch must get. */
export type AssignOffsets = (baseOffset: number) => AppendInfo;

export interface PreparedAppend {
  baseOffset: number;
  lastOffset: number;
  bytes: number;
  recordCount: number;
  /** Positions relative to the start of the appended buffer. */
  batches: BatchMeta[];
}

function broken(where: string, why: string): SamsaError {
  return new SamsaError('INTERNAL', `append to ${where}: ${why}`);
}

export function prepareAppend(blob: Buffer, info: AppendInfo, expectedBaseOffset: number, where: string): PreparedAppend {
  if (!Number.isSafeInteger(info.lastOffset)) throw broken(where, `lastOffset ${info.lastOffset} is not a safe integer`);
  if (blob.length === 0) throw broken(where, 'no batches');
  const batches: BatchMeta[] = [];
  let expected = expectedBaseOffset;
  let recordCount = 0;
  let position = 0;
  while (position < blob.length) {
    const batch = parseBatchHeader(blob, position, blob.length - position);
    if (typeof batch === 'string') throw broken(where, `${batch} at byte ${position}`);
    if (info.fromLeader ? batch.baseOffset < expected : batch.baseOffset !== expected) {
      throw broken(where, `batch at byte ${position} has base offset ${batch.baseOffset}, the log expects ${expected}`);
    }
    batches.push(batch);
    recordCount += batch.recordCount;
    expected = batch.lastOffset + 1;
    position += batch.size;
  }
  const lastOffset = expected - 1;
  if (lastOffset !== info.lastOffset) throw broken(where, `batches end at offset ${lastOffset}, the caller says ${info.lastOffset}`);
  return { baseOffset: batches[0]!.baseOffset, lastOffset, bytes: blob.length, recordCount, batches };
}
