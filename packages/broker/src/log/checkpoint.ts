/**
 * The two small files a partition log writes besides its segments, both through
 * platform/checksummed-file (magic, kind, version, length, CRC-32C; temp + fsync + rename):
 *
 * - log-state.checkpoint, kind "LGST" v1: logStartOffset int64, recoveryPoint int64.
 *   logStartOffset must survive a restart (DeleteRecords moved it); the recovery point says
 *   which segments are durable with their indexes, so recovery can skip them.
 * - clean-shutdown, kind "CLSD" v1: logEndOffset int64, segment count uint32. Written last
 *   by a clean close, removed by the next open before anything is written, so its presence
 *   proves the files were left whole.
 */
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { SamsaError } from '@samsa/protocol';
import { fsyncDirectory, readChecksummedFile, removeStaleTemp, writeChecksummedFile } from '../platform/checksummed-file.js';
import { readInt64, writeInt64 } from './batch-header.js';
import { CLEAN_SHUTDOWN_FILE, LOG_STATE_FILE } from './file-names.js';

export interface LogState {
  logStartOffset: number;
  recoveryPoint: number;
}

export interface CleanShutdown {
  logEndOffset: number;
  segmentCount: number;
}

const LOG_STATE_KIND = 'LGST';
const CLEAN_SHUTDOWN_KIND = 'CLSD';
const VERSION = 1;

function decodeOffsets(payload: Buffer, what: string, count: number): number[] {
  if (payload.length < count * 8) throw new SamsaError('CORRUPT_RECORD', `${what}: payload of ${payload.length} bytes is too short`);
  const values: number[] = [];
  for (let i = 0; i < count; i++) {
    const v = readInt64(payload, i * 8);
    if (v === null || v < 0) throw new SamsaError('CORRUPT_RECORD', `${what}: offset ${i} is not a non-negative safe integer`);
    values.push(v);
  }
  return values;
}

function checkVersion(version: number, path: string): void {
  if (version !== VERSION) throw new SamsaError('CORRUPT_RECORD', `${path}: version ${version}, this broker reads ${VERSION}`);
}

/** Reads log-state.checkpoint: null if absent; throws CORRUPT_RECORD if it fails a check. */
export async function readLogState(dir: string): Promise<LogState | null> {
  const path = join(dir, LOG_STATE_FILE);
  const file = await readChecksummedFile(path, LOG_STATE_KIND);
  if (!file) return null;
  checkVersion(file.version, path);
  const [logStartOffset, recoveryPoint] = decodeOffsets(file.payload, path, 2) as [number, number];
  return { logStartOffset, recoveryPoint };
}

/**
 * Writes the checkpoint. Writes are serialized and each writes the state current when it
 * starts (`state()`), so the file never goes back to an older state than one already written.
 */
export class LogStateWriter {
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly dir: string,
    private readonly state: () => LogState,
  ) {}

  write(): Promise<void> {
    const run = async (): Promise<void> => {
      const { logStartOffset, recoveryPoint } = this.state();
      const payload = Buffer.alloc(16);
      writeInt64(payload, logStartOffset, 0);
      writeInt64(payload, recoveryPoint, 8);
      await writeChecksummedFile(join(this.dir, LOG_STATE_FILE), LOG_STATE_KIND, VERSION, payload);
    };
    const result = this.chain.then(run, run);
    this.chain = result.catch(() => undefined);
    return result;
  }
}

/** Reads the clean-shutdown marker: null if absent; throws CORRUPT_RECORD if it fails a check. */
export async function readCleanShutdown(dir: string): Promise<CleanShutdown | null> {
  const path = join(dir, CLEAN_SHUTDOWN_FILE);
  const file = await readChecksummedFile(path, CLEAN_SHUTDOWN_KIND);
  if (!file) return null;
  checkVersion(file.version, path);
  const [logEndOffset] = decodeOffsets(file.payload, path, 1) as [number];
  if (file.payload.length !== 12) throw new SamsaError('CORRUPT_RECORD', `${path}: payload of ${file.payload.length} bytes, expected 12`);
  return { logEndOffset, segmentCount: file.payload.readUInt32BE(8) };
}

export async function writeCleanShutdown(dir: string, marker: CleanShutdown): Promise<void> {
  const payload = Buffer.alloc(12);
  writeInt64(payload, marker.logEndOffset, 0);
  payload.writeUInt32BE(marker.segmentCount, 8);
  await writeChecksummedFile(join(dir, CLEAN_SHUTDOWN_FILE), CLEAN_SHUTDOWN_KIND, VERSION, payload);
}

/** Removes temp files a crash left in the middle of a write (only while nothing writes). */
export async function removeStaleTemps(dir: string): Promise<void> {
  await removeStaleTemp(join(dir, LOG_STATE_FILE));
  await removeStaleTemp(join(dir, CLEAN_SHUTDOWN_FILE));
}

/** Removes the marker durably: after this returns, a crash is seen as one by the next open. */
export async function removeCleanShutdown(dir: string): Promise<void> {
  try {
    await unlink(join(dir, CLEAN_SHUTDOWN_FILE));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  await fsyncDirectory(dir);
}
