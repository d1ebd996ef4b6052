import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { CompressStream } from 'zstd-napi';
import { CompressionType, decompressSync } from '../../src/compression/index.js';
import { SamsaError } from '../../src/errors/samsa-error.js';

/** A streamed frame does not declare its content size (the Java client's frames do not). */
async function streamed(data: Buffer): Promise<Buffer> {
  return buffer(Readable.from([data]).pipe(new CompressStream()));
}

test('frames without a declared content size decode through the bounded streaming path', async () => {
  const data = Buffer.from('zstd frame from a streaming producer; '.repeat(20_000));
  const packed = await streamed(data);
  assert.deepEqual(decompressSync(CompressionType.zstd, packed), data);
  assert.deepEqual(decompressSync(CompressionType.zstd, Buffer.concat([packed, packed])), Buffer.concat([data, data]));
  assert.equal(decompressSync(CompressionType.zstd, packed, data.length).length, data.length);
  assert.throws(() => decompressSync(CompressionType.zstd, packed, data.length - 1), (e: unknown) => e instanceof SamsaError && e.code === 'COMPRESSION');
});

test('a streamed frame cut short is a COMPRESSION error, not a hang', async () => {
  const packed = await streamed(Buffer.from('truncated '.repeat(10_000)));
  for (const cut of [1, 5, packed.length >> 1, packed.length - 1]) {
    assert.throws(() => decompressSync(CompressionType.zstd, packed.subarray(0, cut)), (e: unknown) => e instanceof SamsaError && e.code === 'COMPRESSION');
  }
});
