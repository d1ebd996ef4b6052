import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameReader } from '../../src/connection/frame-reader.js';

function frame(payload: string): Buffer {
  const b = Buffer.alloc(4 + payload.length);
  b.writeInt32BE(payload.length);
  b.write(payload, 4);
  return b;
}

test('frames split anywhere across chunks come out whole and in order', () => {
  const stream = Buffer.concat([frame('alpha'), frame(''), frame('a much longer frame body'), frame('z')]);
  for (let cut1 = 0; cut1 <= stream.length; cut1 += 3) {
    for (let cut2 = cut1; cut2 <= stream.length; cut2 += 5) {
      const r = new FrameReader(1000);
      const got: string[] = [];
      for (const chunk of [stream.subarray(0, cut1), stream.subarray(cut1, cut2), stream.subarray(cut2)]) r.push(chunk, (f) => got.push(f.toString()));
      assert.deepEqual(got, ['alpha', '', 'a much longer frame body', 'z'], `cuts ${cut1}/${cut2}`);
    }
  }
});

test('a size over the limit or negative is refused before anything is buffered', () => {
  const r = new FrameReader(10);
  const big = Buffer.alloc(4);
  big.writeInt32BE(11);
  assert.throws(() => r.push(big, () => undefined), RangeError);
  const neg = Buffer.alloc(4);
  neg.writeInt32BE(-1);
  assert.throws(() => new FrameReader(10).push(neg, () => undefined), RangeError);
});
