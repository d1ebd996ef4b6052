/**
 * Key queues: records of one key run one at a time in push order, different keys overlap,
 * keyless records go by partition, and remove() drops only queued records.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { murmur2 } from '@samsa/protocol';
import { CompletionTracker, KeyQueues, queueIndexOf, type ConsumerRecord, type QueuedRecord } from '../../src/index.js';

function rec(partition: number, offset: number, key: string | null): ConsumerRecord {
  return { topic: 't', partition, offset, timestamp: 0, timestampType: 'CreateTime', key: key === null ? null : Buffer.from(key), value: Buffer.from(`v${offset}`), headers: [], leaderEpoch: null };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`waited ${ms} ms for ${what}`);
    await sleep(5);
  }
}

test('16 queues, random delays: each key in push order, one at a time; keys overlap', async () => {
  let seed = 42;
  const random = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const running = new Map<string, number>();
  const seen = new Map<string, number[]>();
  let concurrent = 0;
  let maxConcurrent = 0;
  const tracker = new CompletionTracker();
  const queues = new KeyQueues(16, {
    handle: async (r) => {
      const k = r.key!.toString();
      assert.equal(running.get(k) ?? 0, 0, `key ${k} runs twice at once`);
      running.set(k, 1);
      maxConcurrent = Math.max(maxConcurrent, ++concurrent);
      await sleep(random() * 4);
      concurrent--;
      running.set(k, 0);
      (seen.get(k) ?? seen.set(k, []).get(k)!).push(r.offset);
    },
    onDone: (q) => q.tracker.complete(q.record.offset),
    onError: (_q, e) => assert.fail(String(e)),
  });
  for (let i = 0; i < 2000; i++) {
    tracker.add(i);
    queues.push({ record: rec(0, i, `key-${Math.floor(random() * 50)}`), tracker, bytes: 10 });
  }
  await until(() => queues.records === 0, 20_000, 'all records handled');
  assert.equal(tracker.committable, 2000);
  for (const [k, offsets] of seen) assert.deepEqual(offsets, [...offsets].sort((a, b) => a - b), `key ${k} in order`);
  assert.ok(maxConcurrent > 8, `keys ran in parallel (at most ${maxConcurrent} at once)`);
  assert.equal(queues.bytes, 0);
});

test('keyless records go by topic-partition: one partition\'s keyless records keep their order', () => {
  const a = queueIndexOf(rec(3, 1, null), 16);
  for (let o = 0; o < 50; o++) assert.equal(queueIndexOf(rec(3, o, null), 16), a);
  const spread = new Set(Array.from({ length: 32 }, (_, p) => queueIndexOf(rec(p, 0, null), 16)));
  assert.ok(spread.size > 4, 'different partitions spread over queues');
});

test('remove() drops queued records of a partition but not the one running; a failure stops the worker', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const handled: number[] = [];
  let failed: QueuedRecord | null = null;
  const queues = new KeyQueues(1, {
    handle: async (r) => {
      if (r.offset === 0) await gate;
      if (r.offset === 3) throw new Error('boom');
      handled.push(r.offset);
    },
    onDone: () => undefined,
    onError: (q) => {
      failed = q;
      queues.stop();
    },
  });
  const tracker = new CompletionTracker();
  for (let i = 0; i < 6; i++) queues.push({ record: rec(i === 1 || i === 2 ? 1 : 0, i, 'same'), tracker, bytes: 1 });
  assert.equal(queues.remove((q) => q.record.partition === 1), 2);
  release();
  await until(() => failed !== null, 5_000, 'the failure');
  await sleep(20);
  assert.deepEqual(handled, [0], 'offset 3 failed; 4 and 5 were not taken');
  assert.equal((failed as QueuedRecord | null)?.record.offset, 3);
});

test('one partition\'s keys reach every queue: the queue hash is independent of murmur2 % partitions', () => {
  const queues = new Set<number>();
  for (let i = 0; i < 2000; i++) {
    const key = `key-${i}`;
    // Only keys the partitioner would put in partition 0 of 4.
    if ((murmur2(Buffer.from(key)) & 0x7fffffff) % 4 !== 0) continue;
    queues.add(queueIndexOf(rec(0, i, key), 16));
  }
  assert.equal(queues.size, 16);
});
