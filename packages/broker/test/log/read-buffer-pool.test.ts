import assert from 'node:assert/strict';
import { test } from 'node:test';
import { POOLED_MIN_BYTES, ReadBufferPool } from '../../src/log/read-buffer-pool.js';
import { appendRecords, batchOfSize, openLog, tempDir } from './helpers.js';

const MiB = 1024 * 1024;

test('a released buffer serves the next read of a similar size', () => {
  const pool = new ReadBufferPool({ maxRetainedBytes: 64 * MiB, idleTrimMs: 60_000 });
  const a = pool.acquire(3 * MiB);
  assert.equal(a.length, 3 * MiB);
  assert.equal(pool.leasedCount, 1);
  pool.release(a.subarray(100, 200)); // any view of it returns it
  assert.equal(pool.leasedCount, 0);
  const b = pool.acquire(2 * MiB);
  assert.equal(b.buffer, a.buffer, 'reused');
  assert.equal(b.length, 2 * MiB);
  const c = pool.acquire(2 * MiB);
  assert.notEqual(c.buffer, a.buffer, 'a leased buffer is never handed out twice');
  pool.clear();
});

test('a big free buffer is not wasted on a small read, and small reads are not pooled', () => {
  const pool = new ReadBufferPool({ maxRetainedBytes: 64 * MiB, idleTrimMs: 60_000 });
  const big = pool.acquire(8 * MiB);
  pool.release(big);
  const small = pool.acquire(1 * MiB);
  assert.notEqual(small.buffer, big.buffer);
  const tiny = pool.acquire(POOLED_MIN_BYTES - 1);
  assert.equal(pool.leasedCount, 1, 'only the 1 MiB read is leased');
  pool.release(tiny); // not from the pool: nothing happens
  pool.release(Buffer.alloc(10));
  assert.equal(pool.leasedCount, 1);
  pool.clear();
});

test('free buffers beyond maxRetainedBytes are dropped, and all are dropped when idle', async () => {
  const pool = new ReadBufferPool({ maxRetainedBytes: 3 * MiB, idleTrimMs: 50 });
  const bufs = [pool.acquire(MiB), pool.acquire(MiB), pool.acquire(MiB), pool.acquire(MiB)];
  for (const b of bufs) pool.release(b);
  assert.equal(pool.retainedBytes, 3 * MiB);
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(pool.retainedBytes, 0, 'trimmed after idleTrimMs');
});

test('a pooled read returns the same bytes as a plain one, and leases only what it returns', async (t) => {
  const log = await openLog(t, await tempDir(t), { config: { segmentBytes: 64 * MiB } });
  for (let i = 0; i < 40; i++) await log.append(batchOfSize(i, 100_000), { lastOffset: i });
  await appendRecords(log, 5);
  const pool = new ReadBufferPool({ maxRetainedBytes: 64 * MiB, idleTrimMs: 60_000 });
  for (const [offset, maxBytes] of [[0, 1 * MiB], [17, 2 * MiB], [39, 50], [40, MiB], [44, MiB]] as const) {
    const plain = await log.read(offset, maxBytes, { minOneBatch: true });
    const pooled = await log.read(offset, maxBytes, { minOneBatch: true, pool });
    assert.deepEqual(pooled.records, plain.records, `read at ${offset}`);
    assert.equal(pooled.nextOffset, plain.nextOffset);
    pool.release(pooled.records);
    assert.equal(pool.leasedCount, 0, `read at ${offset} leaves nothing leased after release`);
  }
  const empty = await log.read(10, 50, { minOneBatch: false, pool });
  assert.equal(empty.records.length, 0);
  assert.equal(pool.leasedCount, 0, 'a read that returns nothing keeps nothing leased');
  pool.clear();
});
