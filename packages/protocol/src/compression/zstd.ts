/**
 * zstd through zstd-napi (native, zstd bundled and built from source by node-gyp at install).
 * Compression writes the content size into the frame header, so our own batches take the
 * exact-size path on the way back.
 *
 * Output is bounded by maxBytes: frames that declare their content size are checked before
 * any allocation; frames that do not (the Java client streams, so its frames do not) are
 * decoded in chunks and stopped as soon as the total passes the limit. What maxBytes cannot
 * bound is the decoder's window: a frame may declare up to 2^27 bytes (zstd's default
 * windowLogMax, which level-22 producers need), and zstd allocates it while streaming.
 *
 * zstd-napi has no asynchronous one-shot API; the async forms run synchronously.
 */
import type { Compressor } from 'zstd-napi';
import type Binding from 'zstd-napi/binding.js';
import { lazyNative } from '../lazy-native.js';
import { SamsaError } from '../errors/samsa-error.js';
import { tooLarge } from './types.js';

// Loaded on first use (lazy-native.ts): most brokers start without needing this codec.
const zstd = lazyNative<typeof import('zstd-napi')>('zstd-napi');
const zstdBinding = lazyNative<typeof Binding>('zstd-napi/binding.js');

export const ZSTD_DEFAULT_LEVEL = 3;

const compressors = new Map<number, Compressor>();
// One decompression context, reused: everything here is synchronous, so it is never shared.
type DCtx = InstanceType<typeof Binding.DCtx>;
let dctx: DCtx | undefined;

function compressorFor(level: number): Compressor {
  let c = compressors.get(level);
  if (c === undefined) {
    c = new (zstd().Compressor)();
    c.setParameters({ compressionLevel: level });
    compressors.set(level, c);
  }
  return c;
}

export function zstdCompressSync(data: Uint8Array, level = ZSTD_DEFAULT_LEVEL): Buffer {
  return compressorFor(level).compress(data);
}

export async function zstdCompress(data: Uint8Array, level = ZSTD_DEFAULT_LEVEL): Promise<Buffer> {
  return zstdCompressSync(data, level);
}

/** The total declared content size of all frames, or null when a frame does not declare it. */
function declaredBytes(src: Uint8Array, maxBytes: number): number | null {
  let total = 0;
  let frame = src;
  while (frame.length > 0) {
    const size = zstdBinding().getFrameContentSize(frame);
    if (size === null) return null;
    total += size;
    if (total > maxBytes) throw tooLarge('zstd', maxBytes, total);
    frame = frame.subarray(zstdBinding().findFrameCompressedSize(frame));
  }
  return total;
}

export function zstdDecompressSync(data: Uint8Array, maxBytes: number): Buffer {
  if (data.length === 0) throw new SamsaError('COMPRESSION', 'zstd input is empty');
  dctx ??= new (zstdBinding().DCtx)();
  const known = declaredBytes(data, maxBytes);
  if (known !== null) {
    const out = Buffer.allocUnsafe(known);
    const written = dctx.decompress(out, data);
    if (written !== known) throw new SamsaError('COMPRESSION', `zstd frame declared ${known} bytes but held ${written}`);
    return out;
  }
  return streamBounded(dctx, data, maxBytes);
}

function streamBounded(ctx: DCtx, data: Uint8Array, maxBytes: number): Buffer {
  ctx.reset(zstdBinding().ResetDirective.sessionOnly);
  const chunks: Buffer[] = [];
  let total = 0;
  let input = data;
  let pending = 1; // zstd's hint: 0 once a frame is complete and flushed
  while (input.length > 0 || pending !== 0) {
    // One byte past the limit is enough to learn the limit was passed.
    const room = Math.min(maxBytes - total + 1, Math.max(zstdBinding().dStreamOutSize(), input.length * 4));
    const chunk = Buffer.allocUnsafe(room);
    const [hint, written, consumed] = ctx.decompressStream(chunk, input);
    if (written === 0 && consumed === 0) throw new SamsaError('COMPRESSION', 'zstd frame is truncated');
    total += written;
    if (total > maxBytes) throw tooLarge('zstd', maxBytes);
    chunks.push(chunk.subarray(0, written));
    input = input.subarray(consumed);
    pending = hint;
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
}

export async function zstdDecompress(data: Uint8Array, maxBytes: number): Promise<Buffer> {
  return zstdDecompressSync(data, maxBytes);
}
