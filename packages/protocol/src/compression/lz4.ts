/**
 * LZ4 in the frame format, which Kafka's magic v2 batches carry (the broken header checksum
 * of old Kafka only existed for magic 0/1). The frame is written and walked here; the blocks
 * inside are (de)compressed by lz4-napi's block functions.
 *
 * Why not lz4-napi's own frame functions: its frame decoder has no output limit and
 * measured 2-4x slower than its block decoder; its encoder writes 4 MiB blocks, which make
 * a Java consumer allocate 4 MiB per batch. So we write what the Java client and librdkafka
 * write (64 KiB independent blocks, no checksums: the batch CRC covers every byte), and read
 * any frame: linked blocks (librdkafka's default) get the previous 64 KiB as a dictionary.
 *
 * The output limit is exact: each block is decoded into at most the bytes left under
 * maxBytes, and lz4-napi fails rather than write past the room it is given. Header and
 * content checksums are skipped, not verified, for the same reason as above.
 */
import { lazyNative } from '../lazy-native.js';
import { SamsaError } from '../errors/samsa-error.js';
import { tooLarge } from './types.js';

// Loaded on first use (lazy-native.ts): most brokers start without needing this codec.
const lz4 = lazyNative<typeof import('lz4-napi')>('lz4-napi');

const FRAME_MAGIC = 0x184d2204;
const SKIPPABLE_MAGIC_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
const BLOCK_MAX_BYTES = [0, 0, 0, 0, 64 * 1024, 256 * 1024, 1024 * 1024, 4 * 1024 * 1024];
const UNCOMPRESSED_BLOCK = 0x80000000;
const LINKED_WINDOW_BYTES = 64 * 1024;

/** FLG 0x60 (version 01, independent blocks), BD 0x40 (64 KiB blocks), and their header checksum (xxh32 >> 8 & 0xff). */
const OUR_DESCRIPTOR = [0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0x82];
const OUR_BLOCK_BYTES = 64 * 1024;

function corrupt(what: string): SamsaError {
  return new SamsaError('COMPRESSION', `lz4 frame corrupt: ${what}`);
}

export function lz4CompressSync(input: Uint8Array): Buffer {
  const data = Buffer.from(input.buffer, input.byteOffset, input.length);
  const parts: Buffer[] = [Buffer.from(OUR_DESCRIPTOR)];
  let bytes = OUR_DESCRIPTOR.length + 4;
  for (let at = 0; at < data.length; at += OUR_BLOCK_BYTES) {
    const chunk = data.subarray(at, at + OUR_BLOCK_BYTES);
    // lz4-napi prefixes the uncompressed size; the frame wants the block size there.
    const packed = lz4().compressSync(chunk);
    const compressedBytes = packed.length - 4;
    if (compressedBytes < chunk.length) {
      packed.writeUInt32LE(compressedBytes, 0);
      parts.push(packed);
      bytes += packed.length;
    } else {
      const word = Buffer.allocUnsafe(4);
      word.writeUInt32LE((UNCOMPRESSED_BLOCK | chunk.length) >>> 0, 0);
      parts.push(word, chunk);
      bytes += 4 + chunk.length;
    }
  }
  parts.push(Buffer.alloc(4)); // end mark
  return Buffer.concat(parts, bytes);
}

/** lz4-napi's block compressor has no asynchronous form worth a thread hop per 64 KiB; this runs synchronously. */
export async function lz4Compress(data: Uint8Array): Promise<Buffer> {
  return lz4CompressSync(data);
}

/** The decoded bytes, kept contiguous so linked blocks can see the previous 64 KiB. */
class Output {
  buf: Buffer;
  length = 0;
  constructor(initialBytes: number) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  append(bytes: Uint8Array): void {
    if (this.length + bytes.length > this.buf.length) {
      const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + bytes.length));
      this.buf.copy(next, 0, 0, this.length);
      this.buf = next;
    }
    this.buf.set(bytes, this.length);
    this.length += bytes.length;
  }

  result(): Buffer {
    // A mostly empty buffer would stay alive as long as any record view into it.
    const used = this.buf.subarray(0, this.length);
    return this.length >= this.buf.length * 0.75 ? used : Buffer.from(used);
  }
}

export function lz4DecompressSync(data: Uint8Array, maxBytes: number): Buffer {
  const src = Buffer.from(data.buffer, data.byteOffset, data.length);
  if (src.length === 0) throw corrupt('empty input');
  const out = new Output(Math.min(maxBytes, Math.max(1024, src.length * 4)));
  let s = 0;
  while (s < src.length) {
    if (s + 4 > src.length) throw corrupt(`trailing ${src.length - s} bytes`);
    const magic = src.readUInt32LE(s);
    if ((magic & SKIPPABLE_MAGIC_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      if (s + 8 > src.length) throw corrupt('skippable frame truncated');
      s += 8 + src.readUInt32LE(s + 4);
      if (s > src.length) throw corrupt('skippable frame overruns the input');
      continue;
    }
    if (magic !== FRAME_MAGIC) throw corrupt(`bad magic 0x${magic.toString(16)} at ${s}`);
    s = decodeFrame(src, s + 4, out, maxBytes);
  }
  return out.result();
}

/** Decodes one frame after its magic into `out`; returns the input position after it. */
function decodeFrame(src: Buffer, start: number, out: Output, maxBytes: number): number {
  let s = start;
  if (s + 3 > src.length) throw corrupt('frame descriptor truncated');
  const flg = src[s++]!;
  const bd = src[s++]!;
  if (flg >> 6 !== 1) throw corrupt(`unsupported frame version ${flg >> 6}`);
  if (flg & 0x01) throw corrupt('frames with a dictionary id are not supported');
  const linked = (flg & 0x20) === 0;
  const blockChecksums = (flg & 0x10) !== 0;
  const contentChecksum = (flg & 0x04) !== 0;
  const blockMaxBytes = BLOCK_MAX_BYTES[(bd >> 4) & 0x07]!;
  if (blockMaxBytes === 0) throw corrupt(`bad block maximum size id ${(bd >> 4) & 0x07}`);
  if (flg & 0x08) {
    if (s + 8 > src.length) throw corrupt('content size truncated');
    const contentBytes = src.readUInt32LE(s) + src.readUInt32LE(s + 4) * 2 ** 32;
    s += 8;
    if (out.length + contentBytes > maxBytes) throw tooLarge('lz4', maxBytes, out.length + contentBytes);
  }
  s += 1; // header checksum
  const frameStart = out.length;
  for (;;) {
    if (s + 4 > src.length) throw corrupt('block size truncated');
    const word = src.readUInt32LE(s);
    s += 4;
    if (word === 0) break; // end mark
    const size = word & 0x7fffffff;
    if (size > blockMaxBytes) throw corrupt(`block of ${size} bytes exceeds the frame's ${blockMaxBytes}`);
    if (s + size > src.length) throw corrupt(`block of ${size} bytes overruns the input`);
    const block = src.subarray(s, s + size);
    if (word & UNCOMPRESSED_BLOCK) {
      if (out.length + size > maxBytes) throw tooLarge('lz4', maxBytes);
      out.append(block);
    } else {
      const windowStart = linked ? Math.max(frameStart, out.length - LINKED_WINDOW_BYTES) : out.length;
      out.append(decodeBlock(block, Math.min(blockMaxBytes, maxBytes - out.length), out.buf.subarray(windowStart, out.length), blockMaxBytes, maxBytes));
    }
    s += size + (blockChecksums ? 4 : 0);
  }
  s += contentChecksum ? 4 : 0;
  if (s > src.length) throw corrupt('checksum truncated');
  return s;
}

/** One block into at most `room` bytes; `room` below the frame's block size means the limit is what stops it. */
function decodeBlock(block: Buffer, room: number, dictionary: Buffer, blockMaxBytes: number, maxBytes: number): Buffer {
  if (room <= 0) throw tooLarge('lz4', maxBytes);
  const input = Buffer.allocUnsafe(4 + block.length);
  input.writeUInt32LE(room, 0);
  block.copy(input, 4);
  try {
    return dictionary.length > 0 ? lz4().uncompressSync(input, dictionary) : lz4().uncompressSync(input);
  } catch (err) {
    if (room < blockMaxBytes && /too small/.test(String((err as Error).message))) throw tooLarge('lz4', maxBytes);
    throw corrupt(`block does not decode: ${(err as Error).message}`);
  }
}

/** Decoding is synchronous (linked blocks depend on each other); the async form keeps the codec interface uniform. */
export async function lz4Decompress(data: Uint8Array, maxBytes: number): Promise<Buffer> {
  return lz4DecompressSync(data, maxBytes);
}
