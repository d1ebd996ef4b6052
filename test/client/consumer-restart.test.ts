/**
 * What survives a restart: committed offsets across a consumer restart (auto commit and
 * manual commits: nothing lost, nothing repeated beyond at-least-once), and a consumer
 * reading through a restart of its broker (nothing lost).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Producer, type ConsumerConfig } from '@samsa/client';
import { consumerFor, FAST_GROUP, groupBroker, pollUntil, produceNumbered, values } from './consumer-fixture.js';

test('manual commitSync of what was processed: a restarted consumer resumes exactly after it', { timeout: 60_000 }, async (t) => {
  const broker = await groupBroker(t);
  const bootstrap = broker.current.bootstrap;
  await produceNumbered(bootstrap, 'manual', 50, { partitions: 1 });
  const config: ConsumerConfig = { 'bootstrap.servers': bootstrap, 'group.id': 'manual', 'enable.auto.commit': false, 'auto.offset.reset': 'earliest', 'max.poll.records': 7, ...FAST_GROUP };
  const c1 = consumerFor(t, config);
  c1.subscribe(['manual']);
  const first = await pollUntil(c1, (a) => a.length >= 20, 20_000);
  const processed = first.slice(0, 20);
  await c1.commitSync([{ topic: 'manual', partition: 0, offset: processed.at(-1)!.offset + 1 }]);
  await c1.close(); // no auto commit: the records polled past 20 are not committed
  const c2 = consumerFor(t, config);
  c2.subscribe(['manual']);
  const rest = await pollUntil(c2, (a) => a.length >= 30, 20_000);
  assert.deepEqual([...values(processed), ...values(rest)], Array.from({ length: 50 }, (_, i) => `v-${i}`), 'no loss, no repeat');
  assert.deepEqual(await c2.committed([{ topic: 'manual', partition: 0 }]).then((x) => x[0]?.offset), 20);
  let asyncResult: unknown = 'pending';
  c2.commitAsync(undefined, (err) => (asyncResult = err));
  await new Promise<void>((resolve, reject) => {
    const deadline = Date.now() + 10_000;
    const check = (): void => (asyncResult !== 'pending' ? resolve() : Date.now() > deadline ? reject(new Error('commitAsync callback not called')) : void setTimeout(check, 20));
    check();
  });
  assert.equal(asyncResult, null);
  assert.equal((await c2.committed([{ topic: 'manual', partition: 0 }]))[0]?.offset, 50, 'commitAsync committed every position');
  await c2.close();
});

test('auto commit: a consumer restarted after a clean close repeats nothing and loses nothing', { timeout: 60_000 }, async (t) => {
  const broker = await groupBroker(t, { 'num.partitions': 2 });
  const bootstrap = broker.current.bootstrap;
  await produceNumbered(bootstrap, 'auto', 60, { partitions: 2 });
  const config: ConsumerConfig = { 'bootstrap.servers': bootstrap, 'group.id': 'auto', 'auto.offset.reset': 'earliest', 'auto.commit.interval.ms': 200, ...FAST_GROUP };
  const c1 = consumerFor(t, config);
  c1.subscribe(['auto']);
  const seen: string[] = [];
  for await (const r of c1) {
    seen.push(r.value!.toString());
    if (seen.length === 25) break;
  }
  await c1.close(); // commits the positions of what the iterator handed out
  await produceNumbered(bootstrap, 'auto', 20, { partitions: 2, from: 60 });
  const c2 = consumerFor(t, config);
  c2.subscribe(['auto']);
  const rest = await pollUntil(c2, (a) => a.length >= 55, 20_000);
  await new Promise((r) => setTimeout(r, 300));
  const extra = await c2.poll(200);
  const all = [...seen, ...values(rest), ...values(extra)];
  assert.equal(all.length, 80, 'nothing repeated');
  assert.deepEqual([...all].sort(), Array.from({ length: 80 }, (_, i) => `v-${i}`).sort(), 'nothing lost');
  await c2.close();
});

test('a consumer reads through a restart of its broker: every record once written is read, in order', { timeout: 120_000 }, async (t) => {
  const broker = await groupBroker(t, { 'num.partitions': 2 });
  const config: ConsumerConfig = { 'bootstrap.servers': broker.current.bootstrap, 'group.id': 'restart', 'auto.offset.reset': 'earliest', ...FAST_GROUP, 'reconnect.backoff.ms': 50, 'reconnect.backoff.max.ms': 300, 'request.timeout.ms': 5000 };
  const c = consumerFor(t, config);
  c.subscribe(['survive']);
  const seen = new Map<number, number[]>();
  let stop = false;
  let failure: unknown = null;
  const reader = (async () => {
    while (!stop) {
      try {
        for (const r of await c.poll(100)) {
          const list = seen.get(r.partition) ?? [];
          list.push(Number(r.value!.toString().slice(2)));
          seen.set(r.partition, list);
        }
      } catch (e) {
        failure = e;
        return;
      }
    }
  })();
  const write = async (from: number, count: number): Promise<void> => {
    const p = new Producer({ 'bootstrap.servers': broker.current.bootstrap, 'linger.ms': 2 });
    await Promise.all(Array.from({ length: count }, (_, i) => p.send({ topic: 'survive', partition: (from + i) % 2, value: `v-${from + i}` })));
    await p.close(5_000);
  };
  await write(0, 200);
  await new Promise((r) => setTimeout(r, 500));
  await broker.restart();
  await write(200, 200);
  const deadline = Date.now() + 60_000;
  while ([...seen.values()].reduce((n, l) => n + new Set(l).size, 0) < 400 && Date.now() < deadline && failure === null) await new Promise((r) => setTimeout(r, 50));
  stop = true;
  await reader;
  assert.equal(failure, null, String(failure));
  for (const [p, list] of seen) {
    const distinct = [...new Set(list)];
    assert.deepEqual(distinct, [...distinct].sort((a, b) => a - b), `partition ${p} in order`);
    assert.equal(distinct.length, 200, `partition ${p} complete`);
  }
  await c.close();
});
