/**
 * Every codec through the public entry points: round trips (sync and async, crossed),
 * output limits, and hostile input, which must end in SamsaError('COMPRESSION') and nothing else.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compress, compressSync, CompressionType, decompress, decompressSync, parseCompressionType } from '../../src/compression/index.js';
import { SamsaError } from '../../src/errors/samsa-error.js';

const CODECS = [CompressionType.gzip, CompressionType.snappy, CompressionType.lz4, CompressionType.zstd] as const;
const NAMES = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

function isCompressionError(err: unknown): boolean {
  return err instanceof SamsaError && err.code === 'COMPRESSION';
}

/** Bytes that compress somewhat, like records: runs of a small alphabet mixed with noise. */
const payload = fc.oneof(
  fc.uint8Array({ maxLength: 70_000 }),
  fc.array(fc.constantFrom('offset', 'value', 'key', '{"a":1}', 'x'), { maxLength: 8000 }).map((w) => new Uint8Array(Buffer.from(w.join(' ')))),
);

for (const type of CODECS) {
  const name = NAMES[type]!;

  test(`${name}: round trip, sync and async, in either combination`, async () => {
    await fc.assert(
      fc.asyncProperty(payload, async (data) => {
        const input = Buffer.from(data);
        const a = compressSync(type, input);
        const b = await compress(type, input);
        assert.deepEqual(decompressSync(type, a), input);
        assert.deepEqual(await decompress(type, a), input);
        assert.deepEqual(decompressSync(type, b), input);
      }),
      { seed: 0xc0dec + type, numRuns: 40 },
    );
  });

  test(`${name}: output past maxBytes is refused, exactly at the limit is not`, async () => {
    const zeros = Buffer.alloc(4 * 1024 * 1024); // a 4 MiB bomb that compresses to a few KiB
    const packed = compressSync(type, zeros);
    assert.ok(packed.length < 256 * 1024, `${name} packed 4 MiB of zeros into ${packed.length} bytes`);
    assert.throws(() => decompressSync(type, packed, 1024 * 1024), isCompressionError);
    await assert.rejects(decompress(type, packed, 1024 * 1024), isCompressionError);
    assert.equal(decompressSync(type, packed, zeros.length).length, zeros.length);
    assert.throws(() => decompressSync(type, packed, zeros.length - 1), isCompressionError);
  });

  test(`${name}: garbage and truncated input fail with COMPRESSION, never another error`, async () => {
    const valid = compressSync(type, Buffer.from('a record value that repeats, a record value that repeats'.repeat(50)));
    const hostile = fc.oneof(
      fc.uint8Array({ maxLength: 2000 }),
      fc.nat({ max: valid.length - 1 }).map((n) => valid.subarray(0, n)),
      fc.tuple(fc.nat({ max: valid.length - 1 }), fc.integer({ min: 1, max: 255 })).map(([at, x]) => {
        const copy = Buffer.from(valid);
        copy[at] ^= x;
        return copy;
      }),
    );
    await fc.assert(
      fc.asyncProperty(hostile, async (data) => {
        for (const run of [() => decompressSync(type, data, 1 << 20), () => decompress(type, data, 1 << 20)]) {
          try {
            const out = await run();
            assert.ok(out.length <= 1 << 20);
          } catch (err) {
            assert.ok(isCompressionError(err), `${name}: ${String(err)}`);
          }
        }
      }),
      { seed: 0xbad + type, numRuns: 300 },
    );
  });
}

test('none passes the bytes through untouched', async () => {
  const data = Buffer.from('as is');
  assert.equal(compressSync(CompressionType.none, data), data);
  assert.equal(await decompress(CompressionType.none, data), data);
});

test('an unknown codec id is a COMPRESSION error; compression.type names parse', async () => {
  assert.throws(() => compressSync(5 as CompressionType, Buffer.alloc(1)), isCompressionError);
  await assert.rejects(decompress(7 as CompressionType, Buffer.alloc(1)), isCompressionError);
  assert.equal(parseCompressionType('zstd'), CompressionType.zstd);
  assert.throws(() => parseCompressionType('brotli'), (e: unknown) => e instanceof SamsaError && e.code === 'CONFIG_INVALID');
});
