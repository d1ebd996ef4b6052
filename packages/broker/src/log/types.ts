/** The public shapes of PartitionLog's API (re-exported by partition-log.ts). */
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import type { FileOps } from './log-file.js';
import type { ReadBufferPool } from './read-buffer-pool.js';
import type { DeletionReason } from './retention.js';

export interface PartitionLogOptions {
  clock: Clock;
  logger: Logger;
  /** Overrides the recovery point kept in log-state.checkpoint. */
  recoveryPoint?: number;
  /** The disk; syncWriteFileOps unless a test or benchmark injects another. */
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
  /** Read into a buffer leased from this pool; the caller releases `records` when done with it. */
  pool?: ReadBufferPool;
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
