/**
 * The embedded metadata store's file: a JSON snapshot of every durable key, in a
 * checksummed envelope. A corrupt file stops the broker with a clear error: unlike an
 * index, cluster metadata cannot be rebuilt from anything else.
 */
import { SamsaError } from '@samsa/protocol';
import { readChecksummedFile, writeChecksummedFile } from '../platform/checksummed-file.js';
import type { KeyValue } from './store.js';

const KIND = 'META';
const VERSION = 1;

export interface Snapshot {
  revision: number;
  entries: KeyValue[];
}

export async function readSnapshot(path: string): Promise<Snapshot | null> {
  const file = await readChecksummedFile(path, KIND);
  if (!file) return null;
  if (file.version !== VERSION) throw new SamsaError('CORRUPT_RECORD', `${path}: metadata format ${file.version} is newer than this broker's ${VERSION}`);
  const parsed = JSON.parse(file.payload.toString('utf8')) as Snapshot;
  if (!Number.isSafeInteger(parsed.revision) || !Array.isArray(parsed.entries)) {
    throw new SamsaError('CORRUPT_RECORD', `${path}: metadata snapshot has an unexpected shape`);
  }
  return parsed;
}

export async function writeSnapshot(path: string, snapshot: Snapshot): Promise<void> {
  await writeChecksummedFile(path, KIND, VERSION, Buffer.from(JSON.stringify(snapshot)));
}
