import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Throttler } from '../../../src/log/cleaner/throttler.js';

test('the throttler sleeps to hold log.cleaner.io.max.bytes.per.second, and not at all without a limit', async () => {
  let now = 0;
  const limited = new Throttler(10_000, () => now);
  now = 100; // 2000 bytes in 100 ms is twice the rate: about 100 ms of sleep is owed
  let started = performance.now();
  await limited.maybeThrottle(2_000);
  assert.ok(performance.now() - started >= 90, `slept ${performance.now() - started} ms`);

  const free = new Throttler(Infinity, () => now);
  started = performance.now();
  for (let i = 0; i < 100; i++) await free.maybeThrottle(1 << 20);
  assert.ok(performance.now() - started < 1_000, 'unlimited: only yields to the event loop');
});
