import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compressSync as rawSnappy } from 'snappy';
import { compressSync, CompressionType, decompressSync } from '../../src/compression/index.js';
import { isXerialSnappy, snappyUncompressedLength } from '../../src/compression/snappy.js';
import { SamsaError } from '../../src/errors/samsa-error.js';

const text = Buffer.from('snappy in kafka: xerial framing from Java, raw blocks from librdkafka. '.repeat(2000));

test('compression writes the xerial form: magic, version 1, compatible version 1, 32 KiB chunks', () => {
  const packed = compressSync(CompressionType.snappy, text);
  assert.ok(isXerialSnappy(packed));
  assert.deepEqual([...packed.subarray(0, 8)], [0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
  assert.equal(packed.readInt32BE(8), 1);
  assert.equal(packed.readInt32BE(12), 1);
  let at = 16;
  let chunks = 0;
  while (at < packed.length) {
    const length = packed.readInt32BE(at);
    assert.ok(snappyUncompressedLength(packed.subarray(at + 4, at + 4 + length)) <= 32 * 1024);
    at += 4 + length;
    chunks++;
  }
  assert.equal(at, packed.length);
  assert.equal(chunks, Math.ceil(text.length / (32 * 1024)));
});

test('a raw snappy block (no xerial header) decodes too', () => {
  const raw = rawSnappy(text);
  assert.ok(!isXerialSnappy(raw));
  assert.deepEqual(decompressSync(CompressionType.snappy, raw), text);
});

test('xerial chunks made elsewhere decode, including an empty stream', () => {
  const header = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1]);
  const parts = [text.subarray(0, 1000), text.subarray(1000, 50_000), text.subarray(50_000)];
  const chunks = parts.map((p) => {
    const block = rawSnappy(p);
    const length = Buffer.alloc(4);
    length.writeInt32BE(block.length);
    return Buffer.concat([length, block]);
  });
  assert.deepEqual(decompressSync(CompressionType.snappy, Buffer.concat([header, ...chunks])), text);
  assert.equal(decompressSync(CompressionType.snappy, header).length, 0);
});

test('a xerial chunk length past the end, or a block claiming more than maxBytes, is refused before decoding', () => {
  const packed = compressSync(CompressionType.snappy, text);
  const lying = Buffer.from(packed);
  lying.writeInt32BE(0x7fffffff, 16);
  const isCompression = (e: unknown) => e instanceof SamsaError && e.code === 'COMPRESSION';
  assert.throws(() => decompressSync(CompressionType.snappy, lying), isCompression);
  // A raw block whose preamble claims 4 GiB - 1: refused from the preamble alone.
  assert.throws(() => decompressSync(CompressionType.snappy, Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00])), /exceeds the limit/);
});
