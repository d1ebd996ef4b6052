/**
 * The consumer against a real broker: what our producer wrote comes back in order, from the
 * beginning or the end, group-less (assign) and in a group (subscribe); seek, pause/resume.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { consumerFor, FAST_GROUP, groupBroker, pollUntil, produceNumbered, values } from './consumer-fixture.js';

test('assign() reads what the producer wrote, from earliest, in order, with every field', { timeout: 60_000 }, async (t) => {
  const broker = await groupBroker(t, { 'num.partitions': 2 });
  const bootstrap = broker.current.bootstrap;
  await produceNumbered(bootstrap, 'basic', 200, { partitions: 2 });
  const c = consumerFor(t, { 'bootstrap.servers': bootstrap, 'auto.offset.reset': 'earliest', ...FAST_GROUP });
  c.assign([{ topic: 'basic', partition: 0 }, { topic: 'basic', partition: 1 }]);
  const all = await pollUntil(c, (a) => a.length >= 200, 20_000);
  assert.equal(all.length, 200);
  for (const p of [0, 1]) {
    const part = all.filter((r) => r.partition === p);
    assert.deepEqual(part.map((r) => r.offset), Array.from({ length: 100 }, (_, i) => i), `partition ${p} offsets in order`);
    assert.deepEqual(values(part), Array.from({ length: 100 }, (_, i) => `v-${i * 2 + p}`));
    assert.equal(part[0]!.key!.toString(), `k-${p}`);
    assert.equal(part[0]!.topic, 'basic');
    assert.ok(part[0]!.timestamp > Date.now() - 60_000);
    assert.equal(part[0]!.timestampType, 'CreateTime');
    assert.equal(typeof part[0]!.leaderEpoch, 'number');
  }
  assert.equal(await c.position({ topic: 'basic', partition: 0 }), 100);
  await c.close();
});

test('auto.offset.reset=latest starts at the end: only records written after are read', { timeout: 60_000 }, async (t) => {
  const broker = await groupBroker(t);
  const bootstrap = broker.current.bootstrap;
  await produceNumbered(bootstrap, 'latest', 50, { partitions: 1, prefix: 'old' });
  const c = consumerFor(t, { 'bootstrap.servers': bootstrap, ...FAST_GROUP });
  c.assign([{ topic: 'latest', partition: 0 }]);
  assert.equal(await c.position({ topic: 'latest', partition: 0 }), 50);
  await produceNumbered(bootstrap, 'latest', 10, { partitions: 1, prefix: 'new', from: 50 });
  const all = await pollUntil(c, (a) => a.length >= 10, 20_000);
  assert.deepEqual(values(all), Array.from({ length: 10 }, (_, i) => `new-${50 + i}`));
  await c.close();
});

test('subscribe() in a group reads everything and commits it; a new consumer of the group resumes after it', { timeout: 60_000 }, async (t) => {
  const broker = await groupBroker(t, { 'num.partitions': 3 });
  const bootstrap = broker.current.bootstrap;
  await produceNumbered(bootstrap, 'grp', 90, { partitions: 3 });
  const config = { 'bootstrap.servers': bootstrap, 'group.id': 'g1', 'auto.offset.reset': 'earliest' as const, ...FAST_GROUP };
  const c1 = consumerFor(t, config);
  const assigned: string[] = [];
  c1.subscribe(['grp'], { onPartitionsAssigned: (tps) => void assigned.push(...tps.map((tp) => `${tp.topic}-${tp.partition}`)) });
  const first = await pollUntil(c1, (a) => a.length >= 90, 20_000);
  assert.equal(first.length, 90);
  assert.deepEqual(assigned.sort(), ['grp-0', 'grp-1', 'grp-2']);
  await c1.close();
  await produceNumbered(bootstrap, 'grp', 30, { partitions: 3, from: 90 });
  const c2 = consumerFor(t, config);
  c2.subscribe(['grp']);
  const second = await pollUntil(c2, (a) => a.length >= 30, 20_000);
  assert.deepEqual(values(second).sort(), Array.from({ length: 30 }, (_, i) => `v-${90 + i}`).sort(), 'resumed after what was committed on close');
  const committed = await c2.committed([{ topic: 'grp', partition: 0 }]);
  assert.ok(committed[0] !== null && committed[0].offset >= 30);
  await c2.close();
});

test('seek, seekToBeginning, seekToEnd, pause and resume', { timeout: 60_000 }, async (t) => {
  const broker = await groupBroker(t, { 'num.partitions': 2 });
  const bootstrap = broker.current.bootstrap;
  await produceNumbered(bootstrap, 'seek', 40, { partitions: 2 });
  const c = consumerFor(t, { 'bootstrap.servers': bootstrap, 'auto.offset.reset': 'earliest', ...FAST_GROUP });
  const p0 = { topic: 'seek', partition: 0 };
  const p1 = { topic: 'seek', partition: 1 };
  c.assign([p0, p1]);
  c.seek(p0, 15);
  c.pause([p1]);
  const got = await pollUntil(c, (a) => a.length >= 5, 20_000);
  assert.deepEqual(got.map((r) => `${r.partition}:${r.offset}`), ['0:15', '0:16', '0:17', '0:18', '0:19'], 'from the sought offset; nothing of the paused partition');
  const idle = await c.poll(300);
  assert.deepEqual(idle, [], 'paused partition stays quiet');
  c.resume([p1]);
  c.seekToEnd([p0]);
  const p1Records = await pollUntil(c, (a) => a.length >= 20, 20_000);
  assert.ok(p1Records.every((r) => r.partition === 1), 'p0 sits at its end');
  assert.deepEqual(p1Records.map((r) => r.offset), Array.from({ length: 20 }, (_, i) => i));
  assert.equal(await c.position(p0), 20);
  c.seekToBeginning([p0]);
  const again = await pollUntil(c, (a) => a.length >= 20, 20_000);
  assert.deepEqual(again.map((r) => r.offset), Array.from({ length: 20 }, (_, i) => i));
  assert.deepEqual(values(again.slice(0, 2)), ['v-0', 'v-2']);
  await c.close();
});

test('the async iterator and run() read everything; breaking out of the iterator gives back what it did not hand out', { timeout: 60_000 }, async (t) => {
  const broker = await groupBroker(t);
  const bootstrap = broker.current.bootstrap;
  await produceNumbered(bootstrap, 'iter', 100, { partitions: 1 });
  const c = consumerFor(t, { 'bootstrap.servers': bootstrap, 'group.id': 'iter-g', 'auto.offset.reset': 'earliest', 'max.poll.records': 30, ...FAST_GROUP });
  c.subscribe(['iter']);
  const seen: number[] = [];
  for await (const r of c) {
    seen.push(r.offset);
    if (seen.length === 10) break; // 20 more of this poll were not handed out
  }
  assert.equal(await c.position({ topic: 'iter', partition: 0 }), 10, 'sought back to the first record not handed out');
  const done = c.run({
    eachMessage: async (r) => {
      seen.push(r.offset);
      if (seen.length === 100) void c.close();
    },
  });
  await done;
  await c.close();
  assert.deepEqual(seen, Array.from({ length: 100 }, (_, i) => i));
});
