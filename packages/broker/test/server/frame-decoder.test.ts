import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FrameDecoder, FrameTooLargeError } from '../../src/server/frame-decoder.js';

function framed(payloads: Buffer[]): Buffer {
  return Buffer.concat(payloads.flatMap((p) => [Buffer.from([p.length >>> 24, (p.length >>> 16) & 255, (p.length >>> 8) & 255, p.length & 255]), p]));
}

test('frames come out whole and in order however the stream is split', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 8 }), fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1 }), (arrays, cuts) => {
      const payloads = arrays.map((a) => Buffer.from(a));
      const stream = framed(payloads);
      const d = new FrameDecoder(1000);
      const out: Buffer[] = [];
      let at = 0;
      for (let i = 0; at < stream.length; i++) {
        const n = cuts[i % cuts.length]!;
        out.push(...d.push(stream.subarray(at, at + n)));
        at += n;
      }
      assert.deepEqual(out, payloads);
    }),
    { seed: 11, numRuns: 200 },
  );
});

test('an oversized or negative size is refused before any allocation', () => {
  assert.throws(() => new FrameDecoder(100).push(Buffer.from([0, 0, 0, 101])), FrameTooLargeError);
  assert.throws(() => new FrameDecoder(100).push(Buffer.from([0xff, 0xff, 0xff, 0xff])), /negative frame size/);
});
