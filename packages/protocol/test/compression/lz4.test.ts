import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compressFrameSync } from 'lz4-napi';
import { compressSync, CompressionType, decompressSync } from '../../src/compression/index.js';
import { SamsaError } from '../../src/errors/samsa-error.js';
import { linkedPlain, linkedWithChecksums, plainText } from './lz4-fixtures.js';

const isCompression = (e: unknown) => e instanceof SamsaError && e.code === 'COMPRESSION';

test('frames with linked blocks (librdkafka default) decode, with and without checksums and content size', () => {
  const plain = plainText();
  assert.deepEqual(decompressSync(CompressionType.lz4, linkedPlain), plain);
  assert.deepEqual(decompressSync(CompressionType.lz4, linkedWithChecksums), plain);
});

test('maxBytes holds: from a declared content size, or mid-frame when none is declared', () => {
  assert.throws(() => decompressSync(CompressionType.lz4, linkedWithChecksums, 100_000), /declares 204800/);
  for (const limit of [0, 1, 65_535, 65_536, 100_000, 204_799]) {
    assert.throws(() => decompressSync(CompressionType.lz4, linkedPlain, limit), isCompression, `limit ${limit}`);
  }
  assert.equal(decompressSync(CompressionType.lz4, linkedPlain, 204_800).length, 204_800);
});

test('our frames are what Java and librdkafka write: 64 KiB independent blocks, valid header checksum', () => {
  const packed = compressSync(CompressionType.lz4, plainText());
  assert.deepEqual([...packed.subarray(0, 7)], [0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0x82]);
  assert.deepEqual(decompressSync(CompressionType.lz4, packed), plainText());
  const random = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (Math.imul(i, 2654435761) >>> 13) & 0xff));
  assert.deepEqual(decompressSync(CompressionType.lz4, compressSync(CompressionType.lz4, random)), random);
});

function frame(blocks: Buffer[]): Buffer {
  // FLG 0x60: version 01, independent blocks; BD 0x40: 64 KiB blocks; header checksum not checked.
  const parts: Buffer[] = [Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0x00])];
  for (const b of blocks) parts.push(b);
  parts.push(Buffer.alloc(4)); // end mark
  return Buffer.concat(parts);
}

function stored(data: Buffer): Buffer {
  const word = Buffer.alloc(4);
  word.writeUInt32LE((0x80000000 | data.length) >>> 0);
  return Buffer.concat([word, data]);
}

test('uncompressed blocks, skippable frames and concatenated frames decode', () => {
  const a = Buffer.from('stored as is');
  const b = Buffer.from(' then compressed '.repeat(100));
  const skippable = Buffer.from([0x5a, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 9, 9, 9]);
  const joined = Buffer.concat([frame([stored(a)]), skippable, compressFrameSync(b)]);
  assert.deepEqual(decompressSync(CompressionType.lz4, joined), Buffer.concat([a, b]));
});

test('a block larger than the frame maximum, a match before the window and a bad magic are refused', () => {
  const tooBig = Buffer.alloc(4);
  tooBig.writeUInt32LE(64 * 1024 + 1);
  assert.throws(() => decompressSync(CompressionType.lz4, frame([Buffer.concat([tooBig, Buffer.alloc(64 * 1024 + 1)])])), /exceeds the frame/);
  // token: 1 literal then a match at offset 5, with only 1 byte written
  const block = Buffer.from([0x10, 0x41, 0x05, 0x00, 0x00]);
  const size = Buffer.alloc(4);
  size.writeUInt32LE(block.length);
  assert.throws(() => decompressSync(CompressionType.lz4, frame([Buffer.concat([size, block])])), isCompression);
  assert.throws(() => decompressSync(CompressionType.lz4, Buffer.from([1, 2, 3, 4, 5, 6, 7, 8])), /bad magic/);
});

test('overlapping matches (runs) decode across the copy strategies', () => {
  for (const length of [4, 20, 33, 100, 5000]) {
    for (const period of [1, 2, 3, 7, 8, 31, 200]) {
      const pattern = Buffer.from(Array.from({ length: period }, (_, i) => 65 + (i % 26)));
      const data = Buffer.alloc(period + length);
      for (let i = 0; i < data.length; i++) data[i] = pattern[i % period]!;
      const packed = compressFrameSync(Buffer.concat([data, Buffer.from('end')]));
      assert.deepEqual(decompressSync(CompressionType.lz4, packed), Buffer.concat([data, Buffer.from('end')]));
    }
  }
});
