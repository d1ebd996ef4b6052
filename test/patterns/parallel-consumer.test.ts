/**
 * ParallelConsumer against a real broker: key order with 16 workers and random delays,
 * commits that never pass an unhandled record, bounded queues (partitions paused), and a
 * second member joining mid-stream (revoke settles and commits, nothing lost).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Consumer, ParallelConsumer, Producer, type ConsumerConfig, type ConsumerRecord } from '@samsa/client';
import { FAST_GROUP, groupBroker, waitFor } from '../client/consumer-fixture.js';

const PARTITIONS = 4;

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
}

/** Produces `count` records with keys key-0..key-(keys-1) (partitioned by murmur2); returns the log end per partition. */
async function produceKeyed(bootstrap: string, topic: string, count: number, keys: number): Promise<Map<number, number>> {
  const p = new Producer({ 'bootstrap.servers': bootstrap, 'linger.ms': 2 });
  const ends = new Map<number, number>();
  try {
    const mds = await Promise.all(Array.from({ length: count }, (_, i) => p.send({ topic, key: `key-${i % keys}`, value: `v-${i}` })));
    for (const md of mds) ends.set(md.partition, Math.max(ends.get(md.partition) ?? 0, md.offset + 1));
  } finally {
    await p.close(5_000);
  }
  return ends;
}

function config(bootstrap: string, group: string): ConsumerConfig {
  return { 'bootstrap.servers': bootstrap, 'group.id': group, 'enable.auto.commit': false, 'auto.offset.reset': 'earliest', 'max.poll.records': 100, ...FAST_GROUP };
}

test('16 workers, random delays: every key in offset order, commits never pass an unhandled record, queues bounded', { timeout: 90_000 }, async (t) => {
  const broker = await groupBroker(t, { 'num.partitions': PARTITIONS });
  const bootstrap = broker.current.bootstrap;
  const ends = await produceKeyed(bootstrap, 'orders', 3000, 97);
  const consumer = new Consumer(config(bootstrap, 'par'));
  t.after(() => consumer.close(500));
  const random = seeded(1234);
  const handled = new Map<number, Set<number>>(); // partition -> offsets
  const byKey = new Map<string, number[]>();
  const running = new Set<string>();
  let maxRunning = 0;
  let maxQueued = 0;
  let pausedSeen = 0;
  const violations: string[] = [];
  const commits: Array<{ partition: number; offset: number }> = [];
  const pc = new ParallelConsumer(consumer, {
    workers: 16,
    maxQueuedRecords: 300,
    commitIntervalMs: 100,
    handler: async (r: ConsumerRecord) => {
      const k = r.key!.toString();
      if (running.has(k)) violations.push(`${k} ran twice at once`);
      running.add(k);
      maxRunning = Math.max(maxRunning, running.size);
      await new Promise((res) => setTimeout(res, random() * 6));
      running.delete(k);
      (byKey.get(k) ?? byKey.set(k, []).get(k)!).push(r.offset);
      (handled.get(r.partition) ?? handled.set(r.partition, new Set()).get(r.partition)!).add(r.offset);
      const s = pc.stats();
      maxQueued = Math.max(maxQueued, s.queuedRecords);
      pausedSeen = Math.max(pausedSeen, s.pausedPartitions);
    },
    onCommit: (offsets) => {
      for (const o of offsets) {
        commits.push(o);
        const done = handled.get(o.partition) ?? new Set<number>();
        for (let x = 0; x < o.offset; x++) if (!done.has(x)) violations.push(`commit ${o.partition}@${o.offset} passes unhandled ${x}`);
      }
    },
  });
  pc.subscribe(['orders']);
  const run = pc.run();
  const total = (): number => [...handled.values()].reduce((n, s) => n + s.size, 0);
  await waitFor(() => total() >= 3000, 60_000, 'all 3000 records handled');
  await pc.stop(10_000);
  await run;
  assert.deepEqual(violations, []);
  for (const [k, offsets] of byKey) assert.deepEqual(offsets, [...offsets].sort((a, b) => a - b), `${k} in offset order`);
  assert.ok(maxRunning >= 8, `keys ran in parallel: at most ${maxRunning} at once`);
  assert.ok(maxQueued <= 300 + 100, `queues bounded by maxQueuedRecords + max.poll.records: saw ${maxQueued}`);
  assert.ok(pausedSeen > 0, 'partitions were paused for backpressure');
  assert.ok(commits.length > 3, 'periodic commits');
  const committed = await consumer.committed([...ends.keys()].map((partition) => ({ topic: 'orders', partition })));
  assert.deepEqual(committed.map((c) => c?.offset), [...ends.values()], 'stop() committed every partition to its end');
  await consumer.close();
});

test('a second member joins mid-stream: revoked partitions settle and commit, no record lost', { timeout: 90_000 }, async (t) => {
  const broker = await groupBroker(t, { 'num.partitions': PARTITIONS });
  const bootstrap = broker.current.bootstrap;
  const ends = await produceKeyed(bootstrap, 'moves', 1500, 61);
  const handled = new Map<string, number>(); // "p:o" -> times
  const violations: string[] = [];
  const make = (): { consumer: Consumer; pc: ParallelConsumer } => {
    const consumer = new Consumer(config(bootstrap, 'moves'));
    t.after(() => consumer.close(500));
    const pc: ParallelConsumer = new ParallelConsumer(consumer, {
      workers: 16,
      commitIntervalMs: 100,
      handler: async (r) => {
        await new Promise((res) => setTimeout(res, 3));
        const id = `${r.partition}:${r.offset}`;
        handled.set(id, (handled.get(id) ?? 0) + 1);
      },
      onCommit: (offsets) => {
        for (const o of offsets) for (let x = 0; x < o.offset; x++) if (!handled.has(`${o.partition}:${x}`)) violations.push(`commit ${o.partition}@${o.offset} passes ${x}`);
      },
    });
    pc.subscribe(['moves']);
    return { consumer, pc };
  };
  const a = make();
  const runA = a.pc.run();
  await waitFor(() => handled.size >= 200, 30_000, 'the first member to handle 200 records');
  const b = make();
  const runB = b.pc.run();
  await waitFor(() => handled.size >= 1500, 60_000, 'all 1500 records handled');
  await Promise.all([a.pc.stop(10_000), b.pc.stop(10_000)]);
  await Promise.all([runA, runB]);
  assert.deepEqual(violations, []);
  const expected = [...ends.values()].reduce((n, e) => n + e, 0);
  assert.equal(handled.size, expected, 'every record handled');
  await Promise.all([a.consumer.close(), b.consumer.close()]);
});

test('enable.auto.commit=true is refused: the consumer would commit records still queued', () => {
  const c = new Consumer({ 'bootstrap.servers': '127.0.0.1:1', 'group.id': 'g' });
  assert.throws(() => new ParallelConsumer(c, { handler: () => undefined }), /enable.auto.commit=false/);
  void c.close(100);
});
