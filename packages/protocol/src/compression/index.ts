/**
 * One entry point per direction for the codecs Kafka batches use. Every failure, from our
 * checks or from a library, surfaces as SamsaError('COMPRESSION'). Decompression takes a
 * maxBytes limit; see each codec's file for how tightly it holds:
 *   gzip   exact (zlib stops at the limit)
 *   snappy exact (checked against each block's declared length before decoding)
 *   lz4    exact (our own frame walker; the output buffer never grows past the limit)
 *   zstd   exact for output; the decoder window (<= 128 MiB) is allocated by zstd itself
 * The async forms run gzip and snappy on libuv's thread pool; lz4 and zstd run
 * synchronously underneath (their libraries have no one-shot async form that fits).
 */
import { gzipCompress, gzipCompressSync, gzipDecompress, gzipDecompressSync } from './gzip.js';
import { lz4Compress, lz4CompressSync, lz4Decompress, lz4DecompressSync } from './lz4.js';
import { snappyCompressSyncXerial, snappyCompressXerial, snappyDecompress, snappyDecompressSync } from './snappy.js';
import { compressionError, compressionNames, CompressionType, DEFAULT_DECOMPRESSED_MAX_BYTES, type CompressOptions } from './types.js';
import { zstdCompress, zstdCompressSync, zstdDecompress, zstdDecompressSync } from './zstd.js';

export {
  CompressionType,
  compressionNames,
  compressionTypeOf,
  parseCompressionType,
  DEFAULT_DECOMPRESSED_MAX_BYTES,
  type CompressOptions,
} from './types.js';
export { isXerialSnappy } from './snappy.js';

function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.length);
}

function name(type: number): string {
  return compressionNames[type] ?? `codec ${type}`;
}

function unknown(type: number): never {
  throw compressionError('compress', new Error(`unknown compression type ${type}`));
}

export function compressSync(type: CompressionType, data: Uint8Array, options: CompressOptions = {}): Buffer {
  try {
    switch (type) {
      case CompressionType.none:
        return asBuffer(data);
      case CompressionType.gzip:
        return gzipCompressSync(data, options.level);
      case CompressionType.snappy:
        return snappyCompressSyncXerial(data);
      case CompressionType.lz4:
        return lz4CompressSync(data);
      case CompressionType.zstd:
        return zstdCompressSync(data, options.level);
      default:
        return unknown(type);
    }
  } catch (err) {
    throw compressionError(`${name(type)} compression failed`, err);
  }
}

export async function compress(type: CompressionType, data: Uint8Array, options: CompressOptions = {}): Promise<Buffer> {
  try {
    switch (type) {
      case CompressionType.none:
        return asBuffer(data);
      case CompressionType.gzip:
        return await gzipCompress(data, options.level);
      case CompressionType.snappy:
        return await snappyCompressXerial(data);
      case CompressionType.lz4:
        return await lz4Compress(data);
      case CompressionType.zstd:
        return await zstdCompress(data, options.level);
      default:
        return unknown(type);
    }
  } catch (err) {
    throw compressionError(`${name(type)} compression failed`, err);
  }
}

/** Decompresses `data`; throws SamsaError('COMPRESSION') if the output would pass maxBytes. */
export function decompressSync(type: CompressionType, data: Uint8Array, maxBytes = DEFAULT_DECOMPRESSED_MAX_BYTES): Buffer {
  try {
    switch (type) {
      case CompressionType.none:
        return asBuffer(data); // nothing is allocated, so there is nothing to bound
      case CompressionType.gzip:
        return gzipDecompressSync(data, maxBytes);
      case CompressionType.snappy:
        return snappyDecompressSync(data, maxBytes);
      case CompressionType.lz4:
        return lz4DecompressSync(data, maxBytes);
      case CompressionType.zstd:
        return zstdDecompressSync(data, maxBytes);
      default:
        return unknown(type);
    }
  } catch (err) {
    throw compressionError(`${name(type)} decompression failed`, err);
  }
}

export async function decompress(type: CompressionType, data: Uint8Array, maxBytes = DEFAULT_DECOMPRESSED_MAX_BYTES): Promise<Buffer> {
  try {
    switch (type) {
      case CompressionType.gzip:
        return await gzipDecompress(data, maxBytes);
      case CompressionType.snappy:
        return await snappyDecompress(data, maxBytes);
      case CompressionType.lz4:
        return await lz4Decompress(data, maxBytes);
      case CompressionType.zstd:
        return await zstdDecompress(data, maxBytes);
      default:
        return decompressSync(type, data, maxBytes);
    }
  } catch (err) {
    throw compressionError(`${name(type)} decompression failed`, err);
  }
}
