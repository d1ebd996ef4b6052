/**
 * Mangled batches: any flipped byte in the CRC range is caught, any truncation ends in a
 * typed error, and legacy message formats are refused rather than misread.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SamsaError, type SamsaErrorCode } from '../../src/errors/samsa-error.js';
import { crc32c } from '../../src/crc32c.js';
import { buildRecordBatch, CRC_START, isValidBatch, validateBatch } from '../../src/records/index.js';
import { batchArb } from './arbitrary.js';

const withCode = (code: SamsaErrorCode) => (e: unknown) => e instanceof SamsaError && e.code === code;

test('a flipped byte anywhere in the CRC range is a CRC mismatch', () => {
  fc.assert(
    fc.property(batchArb(), fc.nat(), fc.integer({ min: 1, max: 255 }), (input, where, x) => {
      const bytes = buildRecordBatch(input);
      const at = CRC_START + (where % (bytes.length - CRC_START));
      bytes[at] ^= x;
      assert.throws(() => validateBatch(bytes), /CRC mismatch/);
      assert.equal(isValidBatch(bytes), false);
    }),
    { seed: 0xf11b, numRuns: 500 },
  );
});

test('a flipped byte in the stored CRC itself is caught', () => {
  const bytes = buildRecordBatch({ records: [{ value: Buffer.from('v') }] });
  bytes[18] ^= 0x40;
  assert.throws(() => validateBatch(bytes), /CRC mismatch/);
});

test('truncating a batch anywhere gives CORRUPT_RECORD, never another error', () => {
  fc.assert(
    fc.property(batchArb(), fc.nat(), (input, where) => {
      const bytes = buildRecordBatch(input);
      const cut = bytes.subarray(0, where % bytes.length);
      assert.throws(() => validateBatch(cut), withCode('CORRUPT_RECORD'));
    }),
    { seed: 0x7c47, numRuns: 300 },
  );
});

/** A magic 0 or 1 message, laid out as Kafka's LegacyRecord writes it in a message set. */
function legacyMessage(magic: 0 | 1): Buffer {
  const body = Buffer.alloc(magic === 0 ? 14 : 22);
  body.writeInt8(magic, 4); // after the crc
  body.writeInt32BE(-1, body.length - 8); // null key
  body.writeInt32BE(0, body.length - 4); // empty value
  body.writeUInt32BE(crc32c(body.subarray(4)), 0); // (v0/v1 used CRC-32, but the value is not what is checked here)
  const head = Buffer.alloc(12);
  head.writeBigInt64BE(5n, 0);
  head.writeInt32BE(body.length, 8);
  return Buffer.concat([head, body]);
}

test('message formats v0 and v1 are refused with UNSUPPORTED_MAGIC, never read as v2', () => {
  for (const magic of [0, 1] as const) {
    const legacy = legacyMessage(magic);
    assert.throws(() => validateBatch(legacy), withCode('UNSUPPORTED_MAGIC'));
    // Padded out to a v2 header's length, it still must not pass as one.
    assert.throws(() => validateBatch(Buffer.concat([legacy, Buffer.alloc(64)])), withCode('UNSUPPORTED_MAGIC'));
  }
  const v2 = buildRecordBatch({ records: [{ value: Buffer.from('v') }] });
  for (const magic of [0, 1]) {
    const downgraded = Buffer.from(v2);
    downgraded[16] = magic;
    assert.throws(() => validateBatch(downgraded), withCode('UNSUPPORTED_MAGIC'));
  }
  const future = Buffer.from(v2);
  future[16] = 3;
  assert.throws(() => validateBatch(future), withCode('CORRUPT_RECORD'));
});

/** Rewrites a header field and restores the CRC, so only the field check can object. */
function resealed(bytes: Buffer, edit: (b: Buffer) => void): Buffer {
  const copy = Buffer.from(bytes);
  edit(copy);
  copy.writeUInt32BE(crc32c(copy.subarray(CRC_START)), 17);
  return copy;
}

test('header fields that cannot be valid are CORRUPT_RECORD even with a matching CRC', () => {
  const bytes = buildRecordBatch({ records: [{ value: Buffer.from('v') }] });
  const cases: [string, (b: Buffer) => void][] = [
    ['codec id 5', (b) => b.writeInt16BE(5, 21)],
    ['negative record count', (b) => b.writeInt32BE(-1, 57)],
    ['more records than bytes', (b) => b.writeInt32BE(1000, 57)],
    ['negative lastOffsetDelta', (b) => b.writeInt32BE(-2, 23)],
  ];
  for (const [name, edit] of cases) assert.throws(() => validateBatch(resealed(bytes, edit)), withCode('CORRUPT_RECORD'), name);
  const short = Buffer.from(bytes);
  short.writeInt32BE(40, 8);
  assert.throws(() => validateBatch(short), withCode('CORRUPT_RECORD'));
  const long = Buffer.from(bytes);
  long.writeInt32BE(bytes.length, 8);
  assert.throws(() => validateBatch(long), /overruns/);
});
