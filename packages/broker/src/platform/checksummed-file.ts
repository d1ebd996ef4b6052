/**
 * Every file format Samsa invents is wrapped the same way: a magic, the format's name and
 * version, the payload length and a CRC-32C of the payload. Writes go to a temp file that is
 * fsynced and renamed over the old one (then the directory is fsynced), so a crash leaves
 * either the old file or the new one, never a mix.
 *
 *   "SMSA" | kind: 4 ASCII bytes | version uint16 | length uint32 | crc32c uint32 | payload
 */
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { crc32c, SamsaError } from '@samsa/protocol';

const MAGIC = 'SMSA';
const HEADER_BYTES = 4 + 4 + 2 + 4 + 4;

export async function writeChecksummedFile(path: string, kind: string, version: number, payload: Buffer): Promise<void> {
  if (kind.length !== 4) throw new SamsaError('INTERNAL', `file kind must be 4 characters: ${kind}`);
  const header = Buffer.alloc(HEADER_BYTES);
  header.write(MAGIC, 0, 'latin1');
  header.write(kind, 4, 'latin1');
  header.writeUInt16BE(version, 8);
  header.writeUInt32BE(payload.length, 10);
  header.writeUInt32BE(crc32c(payload), 14);
  const tmp = `${path}.tmp`;
  const fh = await open(tmp, 'w');
  try {
    await fh.writev([header, payload]);
    await fh.datasync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
  await fsyncDirectory(dirname(path));
}

export async function fsyncDirectory(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Reads and checks a file written by writeChecksummedFile. Returns null when the file does
 * not exist; throws CORRUPT_RECORD when it exists but fails any check.
 */
export async function readChecksummedFile(path: string, kind: string): Promise<{ version: number; payload: Buffer } | null> {
  let data: Buffer;
  try {
    data = await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  const corrupt = (why: string): never => {
    throw new SamsaError('CORRUPT_RECORD', `${path}: ${why}`);
  };
  if (data.length < HEADER_BYTES) corrupt('shorter than its header');
  if (data.toString('latin1', 0, 4) !== MAGIC) corrupt('bad magic');
  if (data.toString('latin1', 4, 8) !== kind) corrupt(`holds ${data.toString('latin1', 4, 8)}, expected ${kind}`);
  const version = data.readUInt16BE(8);
  const length = data.readUInt32BE(10);
  if (data.length !== HEADER_BYTES + length) corrupt(`length ${data.length - HEADER_BYTES} does not match the ${length} recorded`);
  const payload = data.subarray(HEADER_BYTES);
  if (crc32c(payload) !== data.readUInt32BE(14)) corrupt('checksum mismatch');
  return { version, payload };
}

/** Removes a leftover temp file from a write a crash interrupted. */
export async function removeStaleTemp(path: string): Promise<void> {
  await unlink(`${path}.tmp`).catch(() => undefined);
}
