/**
 * Names of the files in a partition directory. Segments are named, as in Kafka, by their
 * base offset zero-padded to 20 digits, so that a directory listing sorts them in offset
 * order: 00000000000000000000.log, .index, .timeindex.
 */
import { join } from 'node:path';

export const LOG_SUFFIX = '.log';
export const INDEX_SUFFIX = '.index';
export const TIME_INDEX_SUFFIX = '.timeindex';
/** logStartOffset and recovery point (checksummed, see checkpoint.ts). */
export const LOG_STATE_FILE = 'log-state.checkpoint';
/** Present only between a clean close and the next open. */
export const CLEAN_SHUTDOWN_FILE = 'clean-shutdown';
/** Producer-state snapshots, named like segments by the offset they cover up to (exclusive). */
export const SNAPSHOT_SUFFIX = '.snapshot';

const SEGMENT_FILE = /^(\d{20})\.(log|index|timeindex)$/;
const SNAPSHOT_FILE = /^(\d{20})\.snapshot$/;

export function segmentFileName(baseOffset: number, suffix: string): string {
  return String(baseOffset).padStart(20, '0') + suffix;
}

export function segmentPath(dir: string, baseOffset: number, suffix: string): string {
  return join(dir, segmentFileName(baseOffset, suffix));
}

/** The base offset and kind of a segment file name, or null for any other file. */
export function parseSegmentFileName(name: string): { baseOffset: number; kind: 'log' | 'index' | 'timeindex' } | null {
  const m = SEGMENT_FILE.exec(name);
  if (!m) return null;
  const baseOffset = Number(m[1]);
  if (!Number.isSafeInteger(baseOffset)) return null;
  return { baseOffset, kind: m[2] as 'log' | 'index' | 'timeindex' };
}

/** The offset a producer-state snapshot file covers, or null for any other file. */
export function parseSnapshotFileName(name: string): number | null {
  const m = SNAPSHOT_FILE.exec(name);
  if (!m) return null;
  const offset = Number(m[1]);
  return Number.isSafeInteger(offset) ? offset : null;
}
