import { test } from 'node:test';
import assert from 'node:assert/strict';
import { murmur2, toPositive } from '@samsa/protocol';
import { BuiltInPartitioner } from '../../src/producer/partitioner.js';
import type { TopicMetadata } from '../../src/metadata/metadata-cache.js';

function topic(name: string, leaders: number[]): TopicMetadata {
  const partitions = leaders.map((leaderId, partition) => ({ partition, leaderId, leaderEpoch: 0, errorCode: 0 }));
  return { name, errorCode: 0, partitions, available: partitions.filter((p) => p.leaderId >= 0).map((p) => p.partition) };
}

test('keyed records use murmur2 as the Java client does (Kafka UtilsTest vectors)', () => {
  // Java's Utils.murmur2 results for these keys; partition = toPositive(hash) % n.
  const vectors: [string, number][] = [
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['abc', 479470107],
  ];
  for (const [key, hash] of vectors) {
    assert.equal(murmur2(Buffer.from(key)), hash);
    for (const n of [1, 3, 7, 100]) assert.equal(BuiltInPartitioner.forKey(Buffer.from(key), n), toPositive(hash) % n, `${key} over ${n}`);
  }
});

test('unkeyed records stick to one partition until batch.size bytes went to it, then move to another', () => {
  let seed = 1;
  const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const p = new BuiltInPartitioner(1000, random);
  const t = topic('t', [0, 0, 0, 0]);
  const first = p.partition(t);
  for (let i = 0; i < 9; i++) {
    assert.equal(p.partition(t), first, `record ${i} stays`);
    p.onAppend(t, first, 100);
  }
  p.onAppend(t, first, 100); // the 1000th byte
  const second = p.partition(t);
  assert.notEqual(second, first, 'moved on after batch.size bytes');
  // Bytes counted against another partition (an explicit one) do not move the sticky one.
  p.onAppend(t, (second + 1) % 4, 5000);
  assert.equal(p.partition(t), second);
});

test('past batch.size the sticky partition waits for the batch to be full, and moves on regardless at twice batch.size', () => {
  // The bug: 100-byte values were counted raw (100 bytes, ~109 encoded), so the partitioner
  // moved on after 655 records while a 64 KiB batch took ~600: each full batch left a
  // 55-record one behind, sent alone after linger.ms.
  let seed = 5;
  const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const p = new BuiltInPartitioner(1000, random);
  const t = topic('t', [0, 0, 0, 0]);
  const first = p.partition(t);
  p.onAppend(t, first, 1200, false);
  assert.equal(p.partition(t), first, 'not while the batch can take more');
  p.onAppend(t, first, 100, true);
  const second = p.partition(t);
  assert.notEqual(second, first, 'moved on once the batch is full');
  p.onAppend(t, second, 1999, false);
  assert.equal(p.partition(t), second);
  p.onAppend(t, second, 1, false);
  assert.notEqual(p.partition(t), second, 'moved on at twice batch.size');
});

test('the sticky partition is chosen among partitions that have a leader', () => {
  let seed = 3;
  const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const p = new BuiltInPartitioner(10, random);
  const t = topic('t', [-1, 0, -1, 0]);
  const seen = new Set<number>();
  for (let i = 0; i < 200; i++) {
    const part = p.partition(t);
    seen.add(part);
    p.onAppend(t, part, 10);
  }
  assert.deepEqual([...seen].sort(), [1, 3]);
});
