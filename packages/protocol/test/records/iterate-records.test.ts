/**
 * Record framing inside a batch whose CRC is valid (a buggy or hostile producer computes a
 * CRC over bad records): decoding ends in CORRUPT_RECORD before the bad record is handed out.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SamsaError } from '../../src/errors/samsa-error.js';
import { crc32c } from '../../src/crc32c.js';
import { CompressionType } from '../../src/compression/index.js';
import { buildRecordBatch, CRC_START, readRecords, validateBatch, iterateRecords, readBatchHeader } from '../../src/records/index.js';
import { batchArb } from './arbitrary.js';

function reseal(bytes: Buffer): Buffer {
  bytes.writeUInt32BE(crc32c(bytes.subarray(CRC_START)), 17);
  return bytes;
}

function readAll(bytes: Buffer): number {
  const header = validateBatch(bytes);
  let n = 0;
  for (const r of readRecords({ header, bytes }, { maxBytes: 1 << 20 })) {
    assert.ok(r.key === null || r.key.length <= bytes.length);
    n++;
  }
  return n;
}

test('mangled record bytes under a valid CRC: success or a typed error, never anything else', () => {
  fc.assert(
    fc.property(batchArb(), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }), (input, flips) => {
      const bytes = buildRecordBatch(input);
      for (const [where, x] of flips) bytes[61 + (where % Math.max(1, bytes.length - 61))] ^= x;
      try {
        readAll(reseal(bytes));
      } catch (err) {
        assert.ok(err instanceof SamsaError && ['CORRUPT_RECORD', 'COMPRESSION'].includes(err.code), String(err));
      }
    }),
    { seed: 0x3ec0, numRuns: 1000 },
  );
});

test('a record count that disagrees with the records is CORRUPT_RECORD', () => {
  const bytes = buildRecordBatch({ records: [{ value: Buffer.from('a') }, { value: Buffer.from('b') }] });
  for (const count of [1, 3, 1000]) {
    const copy = Buffer.from(bytes);
    copy.writeInt32BE(count, 57);
    const header = readBatchHeader(reseal(copy));
    assert.throws(() => [...iterateRecords(header, copy.subarray(61))], (e: unknown) => e instanceof SamsaError && e.code === 'CORRUPT_RECORD', `count ${count}`);
  }
});

test('keys, values and header values are views of the batch, not copies', () => {
  const bytes = buildRecordBatch({ records: [{ key: Buffer.from('k'), value: Buffer.from('v'), headers: [{ key: 'h', value: Buffer.from('hv') }] }] });
  const [r] = [...readRecords({ header: validateBatch(bytes), bytes })];
  assert.equal(r!.key!.buffer, bytes.buffer);
  assert.equal(r!.value!.buffer, bytes.buffer);
  assert.equal(r!.headers[0]!.value!.buffer, bytes.buffer);
});

test('a compressed batch decompresses once, within maxBytes', () => {
  const bytes = buildRecordBatch({ compression: CompressionType.zstd, records: [{ value: Buffer.alloc(100_000) }] });
  const header = validateBatch(bytes);
  assert.throws(() => readRecords({ header, bytes }, { maxBytes: 50_000 }), (e: unknown) => e instanceof SamsaError && e.code === 'COMPRESSION');
  assert.equal([...readRecords({ header, bytes }, { maxBytes: 200_000 })].length, 1);
});
