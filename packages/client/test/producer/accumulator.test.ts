import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CompressionType } from '@samsa/protocol';
import { AppendResult, RecordAccumulator } from '../../src/producer/accumulator.js';
import { BufferPool } from '../../src/producer/buffer-pool.js';
import type { AppendInput } from '../../src/producer/producer-batch.js';

function record(valueBytes: number): AppendInput {
  return { timestamp: 1000, key: null, keyLength: -1, value: Buffer.alloc(valueBytes), valueLength: valueBytes, headers: null, headersBytes: 1, callback: null };
}

test('records join the open batch of their partition until it is full, then a new batch starts', () => {
  const acc = new RecordAccumulator(new BufferPool(1 << 20, 1024), 1024, CompressionType.none);
  assert.equal(acc.append('t', 0, record(100), 0), AppendResult.NewBatch);
  const results: number[] = [];
  for (let i = 0; i < 20; i++) results.push(acc.append('t', 0, record(100), 0));
  const q = acc.queue('t', 0);
  assert.equal(q.batches.length, 3);
  assert.equal(results.filter((r) => r === AppendResult.NewBatch).length, 2);
  assert.ok(q.batches.every((b) => b.sizeInBytes <= 1024));
  assert.equal(q.batches.reduce((n, b) => n + b.recordCount, 0), 21);
  assert.equal(acc.append('t', 1, record(100), 0), AppendResult.NewBatch, 'each partition has its own batches');
  assert.equal(acc.incomplete.size, 4);
});

test('with buffer.memory used up a new batch cannot start until a batch is deallocated', () => {
  const pool = new BufferPool(2048, 1024);
  const acc = new RecordAccumulator(pool, 1024, CompressionType.none);
  acc.append('t', 0, record(900), 0);
  acc.append('t', 0, record(900), 0);
  assert.equal(acc.append('t', 0, record(900), 0), AppendResult.NoMemory);
  const first = acc.queue('t', 0).batches.shift()!;
  acc.deallocate(first);
  assert.equal(acc.append('t', 0, record(900), 0), AppendResult.NewBatch);
});

test('a compressed batch gives its pooled buffer back when sealed', () => {
  const pool = new BufferPool(4096, 1024);
  const acc = new RecordAccumulator(pool, 1024, CompressionType.gzip);
  acc.append('t', 0, record(500), 0);
  assert.equal(pool.availableMemory, 3072);
  const b = acc.queue('t', 0).batches[0]!;
  acc.seal(b);
  assert.equal(pool.availableMemory, 4096);
  assert.ok(b.bytes!.length < 500, 'zeros compress');
});

test('retried batches return to the front in sequence order, before unsent ones', () => {
  const acc = new RecordAccumulator(new BufferPool(1 << 20, 256), 256, CompressionType.none);
  for (let i = 0; i < 5; i++) acc.append('t', 0, record(200), 0);
  const q = acc.queue('t', 0);
  const sent = q.batches.splice(0, 3);
  sent.forEach((b, i) => {
    acc.seal(b);
    b.stamp(1n, 0, i * 10);
    b.attempts = 1;
  });
  acc.reenqueue(sent[1]!);
  acc.reenqueue(sent[2]!);
  acc.reenqueue(sent[0]!);
  assert.deepEqual(q.batches.slice(0, 3).map((b) => b.baseSequence), [0, 10, 20]);
  assert.equal(q.batches.length, 5);
  assert.ok(q.batches.slice(3).every((b) => b.attempts === 0));
});
