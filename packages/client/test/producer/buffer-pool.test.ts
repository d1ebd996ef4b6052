import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BufferPool } from '../../src/producer/buffer-pool.js';

test('the pool hands out at most buffer.memory and reuses batch.size buffers', () => {
  let released = 0;
  const pool = new BufferPool(1000, 300, () => released++);
  const a = pool.tryAllocate(300)!;
  const b = pool.tryAllocate(300)!;
  const c = pool.tryAllocate(300)!;
  assert.equal(pool.availableMemory, 100);
  assert.equal(pool.tryAllocate(300), null, 'no room for a fourth batch');
  const big = pool.tryAllocate(100)!;
  assert.equal(big.length, 100);
  assert.equal(pool.availableMemory, 0);
  pool.release(b);
  assert.equal(released, 1);
  assert.equal(pool.tryAllocate(300), b, 'a released batch.size buffer is reused');
  pool.release(a);
  pool.release(c);
  pool.release(big);
  assert.equal(pool.availableMemory, 700);
  // A larger request drops pooled buffers to make room.
  const large = pool.tryAllocate(650)!;
  assert.equal(large.length, 650);
  assert.equal(pool.availableMemory, 50);
});
