/**
 * Snappy as Kafka carries it. The Java client writes snappy-java's xerial framing (a 16-byte
 * header, then [int32 length][raw snappy block] chunks); librdkafka and kafkajs may send one
 * raw snappy block. Readers tell them apart by the xerial magic, as snappy-java and
 * librdkafka do; we always write the xerial form, which every client reads.
 *
 * Every raw block starts with its uncompressed length (a varint) and the snappy library
 * refuses a block whose output does not match it, so checking that preamble against
 * maxBytes bounds memory exactly. `copyOutputData` avoids napi external buffers, which
 * measured 2-3x slower here (their finalizers cost more than the copy).
 */
import { lazyNative } from '../lazy-native.js';
import { SamsaError } from '../errors/samsa-error.js';
import { tooLarge } from './types.js';

// Loaded on first use (lazy-native.ts): most brokers start without needing this codec.
const snappy = lazyNative<typeof import('snappy')>('snappy');

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]); // \x82SNAPPY\0
const XERIAL_HEADER_BYTES = 16; // magic, int32 version, int32 minimum compatible version
const XERIAL_VERSION = 1;
/** snappy-java's SnappyOutputStream default block size, which the Java producer uses. */
const XERIAL_BLOCK_BYTES = 32 * 1024;

const ENCODE = { copyOutputData: true } as const;
const DECODE = { asBuffer: true, copyOutputData: true } as const;

export function isXerialSnappy(data: Uint8Array): boolean {
  if (data.length < XERIAL_HEADER_BYTES) return false;
  for (let i = 0; i < XERIAL_MAGIC.length; i++) if (data[i] !== XERIAL_MAGIC[i]) return false;
  return true;
}

/** The uncompressed length a raw snappy block declares in its varint preamble. */
export function snappyUncompressedLength(block: Uint8Array): number {
  let value = 0;
  for (let i = 0; i < 5 && i < block.length; i++) {
    const b = block[i]!;
    value += (b & 0x7f) * 2 ** (7 * i);
    if ((b & 0x80) === 0) {
      if (value > 0xffffffff) break;
      return value;
    }
  }
  throw new SamsaError('COMPRESSION', 'snappy block has no valid length preamble');
}

function xerialHeader(): Buffer {
  const header = Buffer.allocUnsafe(XERIAL_HEADER_BYTES);
  XERIAL_MAGIC.copy(header, 0);
  header.writeInt32BE(XERIAL_VERSION, 8);
  header.writeInt32BE(XERIAL_VERSION, 12);
  return header;
}

function chunksOf(data: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at < data.length; at += XERIAL_BLOCK_BYTES) out.push(data.subarray(at, at + XERIAL_BLOCK_BYTES));
  if (out.length === 0) out.push(data);
  return out;
}

function frame(blocks: Buffer[]): Buffer {
  const parts: Buffer[] = [xerialHeader()];
  let bytes = XERIAL_HEADER_BYTES;
  for (const block of blocks) {
    const length = Buffer.allocUnsafe(4);
    length.writeInt32BE(block.length, 0);
    parts.push(length, block);
    bytes += 4 + block.length;
  }
  return Buffer.concat(parts, bytes);
}

export function snappyCompressSyncXerial(data: Uint8Array): Buffer {
  return frame(chunksOf(data).map((chunk) => snappy().compressSync(chunk, ENCODE)));
}

export async function snappyCompressXerial(data: Uint8Array): Promise<Buffer> {
  return frame(await Promise.all(chunksOf(data).map((chunk) => snappy().compress(chunk, ENCODE))));
}

/** The raw blocks of a snappy payload (one for the raw form), each checked against the running limit. */
function blocksOf(data: Uint8Array, maxBytes: number): { blocks: Uint8Array[]; bytes: number } {
  if (!isXerialSnappy(data)) {
    const bytes = snappyUncompressedLength(data);
    if (bytes > maxBytes) throw tooLarge('snappy', maxBytes, bytes);
    return { blocks: [data], bytes };
  }
  const view = Buffer.from(data.buffer, data.byteOffset, data.length);
  const blocks: Uint8Array[] = [];
  let bytes = 0;
  let at = XERIAL_HEADER_BYTES;
  while (at < view.length) {
    if (at + 4 > view.length) throw new SamsaError('COMPRESSION', `xerial snappy chunk length truncated at ${at}`);
    const length = view.readInt32BE(at);
    at += 4;
    if (length < 0 || at + length > view.length) {
      throw new SamsaError('COMPRESSION', `xerial snappy chunk of ${length} bytes at ${at} overruns the ${view.length} bytes`);
    }
    const block = view.subarray(at, at + length);
    at += length;
    bytes += snappyUncompressedLength(block);
    if (bytes > maxBytes) throw tooLarge('snappy', maxBytes, bytes);
    blocks.push(block);
  }
  return { blocks, bytes };
}

function join(parts: Buffer[], bytes: number): Buffer {
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts, bytes);
}

export function snappyDecompressSync(data: Uint8Array, maxBytes: number): Buffer {
  const { blocks, bytes } = blocksOf(data, maxBytes);
  return join(blocks.map((block) => snappy().uncompressSync(block, DECODE) as Buffer), bytes);
}

export async function snappyDecompress(data: Uint8Array, maxBytes: number): Promise<Buffer> {
  const { blocks, bytes } = blocksOf(data, maxBytes);
  return join(await Promise.all(blocks.map(async (block) => (await snappy().uncompress(block, DECODE)) as Buffer)), bytes);
}
