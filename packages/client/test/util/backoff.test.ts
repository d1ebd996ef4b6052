import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffMs } from '../../src/util/backoff.js';

const low = () => 0; // jitter factor 0.8
const high = () => 0.999999; // jitter factor ~1.2
const mid = () => 0.5; // factor 1.0

test('backoff doubles per attempt from the initial wait and stops at the max', () => {
  const b = { initialMs: 100, maxMs: 1000 };
  assert.deepEqual([0, 1, 2, 3, 4, 10, 1e6].map((n) => backoffMs(b, n, mid)), [100, 200, 400, 800, 1000, 1000, 1000]);
});

test('jitter spreads each wait by +-20% and never passes the max', () => {
  const b = { initialMs: 100, maxMs: 1000 };
  assert.equal(backoffMs(b, 0, low), 80);
  assert.equal(backoffMs(b, 0, high), 119);
  assert.equal(backoffMs(b, 2, low), 320);
  assert.equal(backoffMs(b, 10, high), 1000, 'capped after jitter');
  assert.equal(backoffMs(b, 10, low), 800, 'jitter below the cap still applies');
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  for (let n = 0; n < 1000; n++) {
    const attempts = n % 8;
    const v = backoffMs(b, attempts, random);
    const base = Math.min(1000, 100 * 2 ** attempts);
    assert.ok(v >= Math.floor(base * 0.8) && v <= Math.min(1000, Math.ceil(base * 1.2)), `attempt ${attempts}: ${v}`);
  }
});

test('an initial wait at or above the max is a constant max, as Kafka documents for retry.backoff.ms', () => {
  assert.equal(backoffMs({ initialMs: 2000, maxMs: 1000 }, 0, high), 1000);
  assert.equal(backoffMs({ initialMs: 1000, maxMs: 1000 }, 5, low), 1000);
  assert.equal(backoffMs({ initialMs: 0, maxMs: 1000 }, 3, mid), 0);
});
