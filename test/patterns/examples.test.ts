/**
 * The examples/ scripts, run as a user would against a real broker: manual commit after
 * processing survives a kill -9 with nothing lost; auto commit plus an in-memory buffer
 * loses the buffered records (shown, not just said); the parallel example dead-letters its
 * poison records and applies the rest.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Producer, type ConsumerConfig } from '@samsa/client';
import { consumerFor, FAST_GROUP, groupBroker, pollUntil } from '../client/consumer-fixture.js';
import { ChildRun, killChildren, runCommand } from '../helpers/child-process.js';

after(killChildren);

const EXAMPLES = resolve(fileURLToPath(import.meta.url), '../../../../../examples');

async function produce(bootstrap: string, topic: string, count: number, value = (i: number) => `v-${i}`): Promise<void> {
  const p = new Producer({ 'bootstrap.servers': bootstrap, 'linger.ms': 2 });
  await Promise.all(Array.from({ length: count }, (_, i) => p.send({ topic, key: `k-${i % 7}`, value: value(i), headers: { 'message-id': `m-${i}` } })));
  await p.close(5_000);
}

const handledOf = (out: string): string[] => out.split('\n').filter((l) => l.startsWith('handled ')).map((l) => l.slice(8));

test('examples/manual-commit.mjs: kill -9 after 60 records, then a rerun: every record handled, none lost', { timeout: 90_000 }, async (t) => {
  const broker = await groupBroker(t);
  const bootstrap = broker.current.bootstrap;
  await produce(bootstrap, 'manual-ex', 150);
  const crashed = new ChildRun(process.execPath, [`${EXAMPLES}/manual-commit.mjs`, bootstrap, 'manual-ex', 'manual-ex-g', '--crash-after', '60'], { timeoutMs: 40_000, what: 'manual-commit crashing' });
  const r = await crashed.finished;
  assert.equal(r.signal, 'SIGKILL', crashed.describe());
  const before = handledOf(r.stdout);
  assert.equal(before.length, 60);
  // Its group's member is gone without leaving: the rerun waits out session.timeout.ms (45 s by default) at most.
  const out = await runCommand(process.execPath, [`${EXAMPLES}/manual-commit.mjs`, bootstrap, 'manual-ex', 'manual-ex-g'], { timeoutMs: 70_000, what: 'manual-commit rerun' });
  const afterRun = handledOf(out);
  const all = new Set([...before, ...afterRun]);
  assert.equal(all.size, 150, 'nothing lost');
  assert.ok(before.length + afterRun.length - 150 <= 1, 'at most the record in hand when it died is handled twice');
});

test('examples/auto-commit-buffer-loss.mjs: after the crash, the buffered records are never delivered again', { timeout: 90_000 }, async (t) => {
  const broker = await groupBroker(t);
  const bootstrap = broker.current.bootstrap;
  await produce(bootstrap, 'buffered', 200);
  const run = new ChildRun(process.execPath, [`${EXAMPLES}/auto-commit-buffer-loss.mjs`, bootstrap, 'buffered', 'buffered-g'], { timeoutMs: 40_000, what: 'auto-commit example' });
  const r = await run.finished;
  assert.equal(r.signal, 'SIGKILL', run.describe());
  const handled = new Set(handledOf(r.stdout));
  const m = /crash: committed (\d+), processed (\d+)/.exec(r.stdout);
  assert.ok(m, run.describe());
  const committed = Number(m[1]);
  assert.ok(committed > handled.size, 'the commit passed records only in the buffer');
  // A restarted member of the group starts at the commit: the buffered records are gone for good.
  const config: ConsumerConfig = { 'bootstrap.servers': bootstrap, 'group.id': 'buffered-g', 'auto.offset.reset': 'earliest', ...FAST_GROUP, 'session.timeout.ms': 45_000 };
  const c = consumerFor(t, config);
  c.subscribe(['buffered']);
  const rest = committed < 200 ? await pollUntil(c, (a) => a.length >= 200 - committed, 60_000) : [];
  const seen = new Set([...handled, ...rest.map((x) => `${x.partition} ${x.offset}`)]);
  const lost = 200 - seen.size;
  t.diagnostic(`auto commit + buffer: ${lost} of 200 records lost (committed ${committed}, processed ${handled.size})`);
  assert.equal(lost, committed - handled.size, 'exactly the records that sat in the buffer are lost');
  assert.ok(lost > 0);
  await c.close();
});

test('examples/parallel-reliable.mjs: poison records dead-lettered, the rest applied', { timeout: 90_000 }, async (t) => {
  const broker = await groupBroker(t);
  const bootstrap = broker.current.bootstrap;
  await produce(bootstrap, 'orders-ex', 120, (i) => (i % 40 === 0 ? `poison-${i}` : `v-${i}`));
  const out = await runCommand(process.execPath, [`${EXAMPLES}/parallel-reliable.mjs`, bootstrap, 'orders-ex', 'orders-ex-g'], { timeoutMs: 60_000, what: 'parallel example' });
  assert.match(out, /applied 117\n/);
  assert.equal(out.split('\n').filter((l) => l.startsWith('dead-lettered ')).length, 3);
});
