import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { crc32c } from '../src/crc32c.js';

/** Bit-at-a-time CRC-32C (reflected polynomial 0x82F63B78): slow, obviously right. */
function reference(buf: Uint8Array, initial = 0): number {
  let c = ~initial >>> 0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return ~c >>> 0;
}

test('crc32c matches the CRC-32C check value of "123456789"', () => {
  assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
  assert.equal(crc32c(new Uint8Array(0)), 0);
});

test('crc32c is unsigned and agrees with a bitwise reference on random input', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 3000 }), (bytes) => {
      const got = crc32c(bytes);
      assert.ok(got >= 0 && got <= 0xffffffff);
      assert.equal(got, reference(bytes));
    }),
    { seed: 0x32c, numRuns: 300 },
  );
});

test('crc32c continues across pieces and reads subarrays at their offset', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 500 }), fc.uint8Array({ maxLength: 500 }), (a, b) => {
      const joined = Buffer.concat([a, b]);
      assert.equal(crc32c(b, crc32c(a)), crc32c(joined));
      const padded = Buffer.concat([Buffer.from([1, 2, 3]), joined, Buffer.from([4])]);
      assert.equal(crc32c(padded.subarray(3, 3 + joined.length)), crc32c(joined));
    }),
    { seed: 0x32c + 1, numRuns: 200 },
  );
});
