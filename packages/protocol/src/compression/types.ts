import { SamsaError } from '../errors/samsa-error.js';

/** The codec ids of record batch attributes bits 0-2, and of Kafka's `compression.type`. */
export const CompressionType = {
  none: 0,
  gzip: 1,
  snappy: 2,
  lz4: 3,
  zstd: 4,
} as const;
export type CompressionType = (typeof CompressionType)[keyof typeof CompressionType];

export const compressionNames: readonly string[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

/**
 * How far one decompression may grow by default. A batch is capped by message.max.bytes
 * (1 MiB by default) before compression; 64 MiB leaves room for generous settings while
 * keeping a 1 KiB "bomb" from asking for gigabytes.
 */
export const DEFAULT_DECOMPRESSED_MAX_BYTES = 64 * 1024 * 1024;

export interface CompressOptions {
  /** gzip 1-9 (default 6, as Kafka's compression.gzip.level); zstd 1-22 (default 3). lz4 and snappy have no level here. */
  level?: number;
}

/** Maps a codec id (attributes & 0x07) to a CompressionType; ids 5-7 are not codecs. */
export function compressionTypeOf(id: number): CompressionType {
  if (Number.isInteger(id) && id >= 0 && id <= 4) return id as CompressionType;
  throw new SamsaError('COMPRESSION', `unknown compression codec id ${id}`);
}

/** Maps Kafka's compression.type setting value ("none", "gzip", ...) to its codec id. */
export function parseCompressionType(name: string): CompressionType {
  const id = compressionNames.indexOf(name);
  if (id < 0) throw new SamsaError('CONFIG_INVALID', `compression.type must be one of ${compressionNames.join(', ')}, got ${JSON.stringify(name)}`);
  return id as CompressionType;
}

export function compressionError(what: string, cause: unknown): SamsaError {
  if (cause instanceof SamsaError) return cause;
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new SamsaError('COMPRESSION', `${what}: ${detail}`, { cause });
}

/** The error for output past the caller's limit; `bytes` when the codec told the size up front. */
export function tooLarge(codec: string, maxBytes: number, bytes?: number): SamsaError {
  const declared = bytes === undefined ? '' : ` (it declares ${bytes})`;
  return new SamsaError('COMPRESSION', `${codec} output exceeds the limit of ${maxBytes} bytes${declared}`);
}
