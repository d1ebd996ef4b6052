import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GroupFlusher } from '../../src/log/group-flusher.js';

test('requests made while an fsync runs share the next one', async () => {
  let syncs = 0;
  const releases: Array<() => void> = [];
  const flusher = new GroupFlusher(() => {
    syncs++;
    return new Promise<void>((resolve) => releases.push(resolve));
  });
  const first = flusher.request();
  const waiting = Array.from({ length: 10 }, () => flusher.request());
  assert.equal(syncs, 1);
  let resolved = 0;
  for (const w of waiting) void w.then(() => resolved++);
  releases.shift()!();
  await first;
  await new Promise((r) => setImmediate(r));
  assert.equal(syncs, 2, 'the ten waiting requests started exactly one more fsync');
  assert.equal(resolved, 0, 'they wait for the fsync that started after them');
  releases.shift()!();
  await Promise.all(waiting);
  assert.equal(syncs, 2);
  await flusher.idle();
});

test('a failed fsync rejects the requests it covered, and the next round still runs', async () => {
  let n = 0;
  const flusher = new GroupFlusher(async () => {
    n++;
    if (n === 1) throw new Error('EIO');
  });
  await assert.rejects(flusher.request(), /EIO/);
  await flusher.request();
  assert.equal(n, 2);
});
