/**
 * cleaner-offset-checkpoint, one per log directory (Kafka's file of the same name): for
 * each compacted log, the first dirty offset (where the next cleaning pass starts) and the
 * earliest delete horizon of the tombstones the cleaner kept (-1: none), so a restart
 * neither re-cleans what is clean nor forgets tombstones that become removable.
 *
 * Kafka's file is plain text; ours is checksummed like every format we invent
 * (platform/checksummed-file.ts: magic, kind "CLNR", version, length, CRC-32C; temp file,
 * fsync, rename):
 *
 *   count uint32 | count x (name length uint16 | name utf8 | firstDirtyOffset int64 | deleteHorizonMs int64)
 */
import { join } from 'node:path';
import { SamsaError } from '@samsa/protocol';
import { readChecksummedFile, removeStaleTemp, writeChecksummedFile } from '../../platform/checksummed-file.js';
import { readInt64, writeInt64 } from '../batch-header.js';

export const CLEANER_CHECKPOINT_FILE = 'cleaner-offset-checkpoint';
const KIND = 'CLNR';
const VERSION = 1;

export interface CleanerCheckpointEntry {
  /** Where the next pass starts: everything below it has been cleaned. */
  firstDirtyOffset: number;
  /** The earliest deleteHorizonMs of a tombstone batch kept by the last pass; -1 when none. */
  deleteHorizonMs: number;
}

export type CleanerCheckpoint = Map<string, CleanerCheckpointEntry>;

function corrupt(path: string, why: string): SamsaError {
  return new SamsaError('CORRUPT_RECORD', `${path}: ${why}`);
}

/** Reads the checkpoint; an absent file is empty; throws CORRUPT_RECORD if it fails a check. */
export async function readCleanerCheckpoint(dir: string): Promise<CleanerCheckpoint> {
  const path = join(dir, CLEANER_CHECKPOINT_FILE);
  await removeStaleTemp(path);
  const file = await readChecksummedFile(path, KIND);
  const out: CleanerCheckpoint = new Map();
  if (!file) return out;
  if (file.version !== VERSION) throw corrupt(path, `version ${file.version}, this broker reads ${VERSION}`);
  const p = file.payload;
  if (p.length < 4) throw corrupt(path, 'no entry count');
  const count = p.readUInt32BE(0);
  let at = 4;
  for (let i = 0; i < count; i++) {
    if (p.length - at < 2) throw corrupt(path, `entry ${i} cut short`);
    const nameBytes = p.readUInt16BE(at);
    at += 2;
    if (p.length - at < nameBytes + 16) throw corrupt(path, `entry ${i} cut short`);
    const name = p.toString('utf8', at, at + nameBytes);
    at += nameBytes;
    const firstDirtyOffset = readInt64(p, at);
    const deleteHorizonMs = readInt64(p, at + 8);
    at += 16;
    if (firstDirtyOffset === null || firstDirtyOffset < 0 || deleteHorizonMs === null) throw corrupt(path, `entry ${i} holds an out-of-range number`);
    out.set(name, { firstDirtyOffset, deleteHorizonMs });
  }
  if (at !== p.length) throw corrupt(path, `${p.length - at} bytes after the last entry`);
  return out;
}

export async function writeCleanerCheckpoint(dir: string, entries: CleanerCheckpoint): Promise<void> {
  const parts: Buffer[] = [Buffer.alloc(4)];
  parts[0]!.writeUInt32BE(entries.size, 0);
  for (const [name, e] of entries) {
    const nameBuf = Buffer.from(name, 'utf8');
    if (nameBuf.length > 0xffff) throw new SamsaError('INTERNAL', `log name of ${nameBuf.length} bytes is too long for the cleaner checkpoint`);
    const entry = Buffer.alloc(2 + nameBuf.length + 16);
    entry.writeUInt16BE(nameBuf.length, 0);
    nameBuf.copy(entry, 2);
    writeInt64(entry, e.firstDirtyOffset, 2 + nameBuf.length);
    writeInt64(entry, e.deleteHorizonMs, 10 + nameBuf.length);
    parts.push(entry);
  }
  await writeChecksummedFile(join(dir, CLEANER_CHECKPOINT_FILE), KIND, VERSION, Buffer.concat(parts));
}
