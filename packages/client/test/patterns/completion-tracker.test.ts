/**
 * The completion tracker: whatever order records finish in, the committable offset is the
 * lowest offset not handled, never past one, and reaches one past the last when all are.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CompletionTracker } from '../../src/index.js';

test('committable offset never passes an unhandled record, for any completion order and offset gaps', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 300 }), fc.integer(), (gaps, seed) => {
      const offsets: number[] = [];
      let o = 10;
      for (const g of gaps) offsets.push((o += g));
      const t = new CompletionTracker();
      for (const x of offsets) t.add(x);
      // A seeded shuffle: the order workers finish in.
      const order = [...offsets];
      let s = seed >>> 0;
      for (let i = order.length - 1; i > 0; i--) {
        s = (Math.imul(s, 1103515245) + 12345) >>> 0;
        const j = s % (i + 1);
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      const done = new Set<number>();
      for (const x of order) {
        t.complete(x);
        done.add(x);
        const c = t.committable!;
        for (const y of offsets) if (y < c) assert.ok(done.has(y), `committable ${c} passes unhandled ${y}`);
        const firstPending = offsets.find((y) => !done.has(y));
        assert.equal(c, firstPending ?? offsets.at(-1)! + 1);
      }
      assert.equal(t.pending, 0);
    }),
    { seed: 7, numRuns: 200 },
  );
});

test('records must arrive in offset order; accepts() says when the position went back', () => {
  const t = new CompletionTracker();
  assert.equal(t.committable, null);
  t.add(5);
  assert.equal(t.accepts(5), false);
  assert.equal(t.accepts(6), true);
  assert.throws(() => t.add(3), RangeError);
  assert.equal(t.committable, 5);
  t.complete(5);
  assert.equal(t.committable, 6);
});

test('a long run keeps memory to the records not yet passed', () => {
  const t = new CompletionTracker();
  for (let i = 0; i < 100_000; i++) {
    t.add(i);
    if (i >= 10) t.complete(i - 10);
  }
  assert.equal(t.pending, 10);
  assert.equal(t.committable, 99_990);
});
