/**
 * leader-epoch-checkpoint, kind "LEPC" v1 (platform/checksummed-file: magic, kind, version,
 * length, CRC-32C; temp + fsync + rename): the partition's leader epochs and the offset each
 * began at, as Kafka's leader-epoch-checkpoint file keeps them.
 *
 *   count uint32 | count x (leaderEpoch int32, startOffset int64)
 */
import { join } from 'node:path';
import { SamsaError } from '@samsa/protocol';
import { readChecksummedFile, removeStaleTemp, writeChecksummedFile } from '../platform/checksummed-file.js';
import { readInt64, writeInt64 } from './batch-header.js';

export const LEADER_EPOCH_FILE = 'leader-epoch-checkpoint';
const KIND = 'LEPC';
const VERSION = 1;
const ENTRY_BYTES = 12;

export interface EpochEntry {
  readonly epoch: number;
  readonly startOffset: number;
}

/** Null when absent; throws CORRUPT_RECORD when the file fails a check. */
export async function readLeaderEpochCheckpoint(dir: string): Promise<EpochEntry[] | null> {
  const path = join(dir, LEADER_EPOCH_FILE);
  await removeStaleTemp(path);
  const file = await readChecksummedFile(path, KIND);
  if (!file) return null;
  const corrupt = (why: string): never => {
    throw new SamsaError('CORRUPT_RECORD', `${path}: ${why}`);
  };
  if (file.version !== VERSION) corrupt(`version ${file.version}, this broker reads ${VERSION}`);
  const p = file.payload;
  if (p.length < 4) corrupt('payload too short');
  const count = p.readUInt32BE(0);
  if (p.length !== 4 + count * ENTRY_BYTES) corrupt(`${count} entries need ${4 + count * ENTRY_BYTES} bytes, the payload has ${p.length}`);
  const entries: EpochEntry[] = [];
  for (let i = 0; i < count; i++) {
    const at = 4 + i * ENTRY_BYTES;
    const epoch = p.readInt32BE(at);
    const startOffset = readInt64(p, at + 4);
    if (epoch < 0 || startOffset === null || startOffset < 0) corrupt(`entry ${i} is out of range`);
    const prev = entries[entries.length - 1];
    if (prev && (epoch <= prev.epoch || startOffset! < prev.startOffset)) corrupt(`entry ${i} does not follow entry ${i - 1}`);
    entries.push({ epoch, startOffset: startOffset! });
  }
  return entries;
}

export async function writeLeaderEpochCheckpoint(dir: string, entries: readonly EpochEntry[]): Promise<void> {
  const payload = Buffer.alloc(4 + entries.length * ENTRY_BYTES);
  payload.writeUInt32BE(entries.length, 0);
  entries.forEach((e, i) => {
    payload.writeInt32BE(e.epoch, 4 + i * ENTRY_BYTES);
    writeInt64(payload, e.startOffset, 4 + i * ENTRY_BYTES + 4);
  });
  await writeChecksummedFile(join(dir, LEADER_EPOCH_FILE), KIND, VERSION, payload);
}
