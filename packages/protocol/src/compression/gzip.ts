/**
 * gzip through node:zlib. zlib's maxOutputLength stops inflating as soon as the output
 * passes the limit, so a gzip bomb never allocates more than maxBytes.
 */
import { gunzip as gunzipCb, gunzipSync, gzip as gzipCb, gzipSync } from 'node:zlib';
import { promisify } from 'node:util';
import { tooLarge } from './types.js';

const gzipAsync = promisify(gzipCb);
const gunzipAsync = promisify(gunzipCb);

/** Kafka's compression.gzip.level default (Java's Deflater.DEFAULT_COMPRESSION). */
export const GZIP_DEFAULT_LEVEL = 6;

export function gzipCompressSync(data: Uint8Array, level = GZIP_DEFAULT_LEVEL): Buffer {
  return gzipSync(data, { level });
}

export function gzipCompress(data: Uint8Array, level = GZIP_DEFAULT_LEVEL): Promise<Buffer> {
  return gzipAsync(data, { level });
}

// zlib refuses a limit of 0, so the limit it gets is at least 1 and the result is checked too.
function checked(out: Buffer, maxBytes: number): Buffer {
  if (out.length > maxBytes) throw tooLarge('gzip', maxBytes, out.length);
  return out;
}

function rethrowLimit(err: unknown, maxBytes: number): never {
  if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge('gzip', maxBytes);
  throw err;
}

export function gzipDecompressSync(data: Uint8Array, maxBytes: number): Buffer {
  try {
    return checked(gunzipSync(data, { maxOutputLength: Math.max(1, maxBytes) }), maxBytes);
  } catch (err) {
    return rethrowLimit(err, maxBytes);
  }
}

export async function gzipDecompress(data: Uint8Array, maxBytes: number): Promise<Buffer> {
  try {
    return checked(await gunzipAsync(data, { maxOutputLength: Math.max(1, maxBytes) }), maxBytes);
  } catch (err) {
    return rethrowLimit(err, maxBytes);
  }
}
