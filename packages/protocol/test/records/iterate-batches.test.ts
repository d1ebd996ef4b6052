import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SamsaError } from '../../src/errors/samsa-error.js';
import { buildRecordBatch, iterateBatches, splitBatches } from '../../src/records/index.js';
import { batchArb } from './arbitrary.js';

const blob = Buffer.concat(fc.sample(batchArb(), { seed: 3, numRuns: 4 }).map((i) => buildRecordBatch(i)));
const sizes = splitBatches(blob).batches.map((b) => b.bytes.length);

test('a blob cut anywhere yields the whole batches before the cut and stops cleanly', () => {
  for (let cut = 0; cut <= blob.length; cut++) {
    const { batches, partialBytes } = splitBatches(blob.subarray(0, cut));
    let whole = 0;
    let bytes = 0;
    while (whole < sizes.length && bytes + sizes[whole]! <= cut) bytes += sizes[whole++]!;
    assert.equal(batches.length, whole, `cut at ${cut}`);
    assert.equal(partialBytes, cut - bytes);
  }
});

test('the batches are views of the input, not copies', () => {
  const [first] = iterateBatches(blob);
  assert.equal(first!.bytes.buffer, blob.buffer);
  assert.equal(first!.header.position, 0);
});

test('a negative or too-short batch length is CORRUPT_RECORD', () => {
  for (const length of [-1, -2147483648, 0, 13, 48]) {
    const bad = Buffer.from(blob);
    bad.writeInt32BE(length, sizes[0]! + 8); // the second batch
    assert.throws(() => splitBatches(bad), (e: unknown) => e instanceof SamsaError && e.code === 'CORRUPT_RECORD', `length ${length}`);
  }
});

test('random bytes either split or throw a SamsaError, and never loop', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
      try {
        const { batches, partialBytes } = splitBatches(Buffer.from(bytes));
        assert.ok(partialBytes >= 0 && batches.length <= bytes.length / 61);
      } catch (err) {
        assert.ok(err instanceof SamsaError, String(err));
      }
    }),
    { seed: 0x5b1, numRuns: 2000 },
  );
});
