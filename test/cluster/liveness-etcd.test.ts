/**
 * The liveness probes across real processes on etcd: `kill -9` of a partition leader's
 * `samsa start` moves the leadership within about a second, although the etcd lease
 * (broker.session.timeout.ms=10000, a 10 s TTL) would keep the dead broker registered for
 * ten. kcat (librdkafka) produces with acks=all before and after the kill.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Admin } from '@samsa/client';
import { startBrokerFor, type TestBroker } from '../helpers/broker-process.js';
import { killChildren, sleep } from '../helpers/child-process.js';
import { startEtcdFor } from '../helpers/etcd-process.js';
import { kcatConsume, kcatProduce } from '../helpers/kcat.js';

after(killChildren);

const SESSION_MS = 10_000;

async function leaderOf(admin: Admin, topic: string): Promise<{ leader: number; isr: readonly number[] } | null> {
  try {
    const [d] = await admin.describeTopics([topic], { timeoutMs: 2_000 });
    const p = d?.partitions[0];
    return p && !d.error ? { leader: p.leader, isr: p.isr } : null;
  } catch {
    return null;
  }
}

async function waitUntil<T>(what: string, timeoutMs: number, check: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== null) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

test('etcd, 3 broker processes: kill -9 of the leader moves leadership within 2 s although the etcd lease TTL is 10 s', async (t) => {
  const etcd = await startEtcdFor(t);
  const brokers: TestBroker[] = [];
  for (let id = 0; id < 3; id++) {
    brokers.push(await startBrokerFor(t, { metadata: etcd.url('/liveness'), overrides: { 'node.id': id, 'broker.session.timeout.ms': SESSION_MS, 'replica.lag.time.max.ms': 2_000, 'replica.fetch.wait.max.ms': 250 } }));
  }
  const all = brokers.map((b) => b.current.bootstrap).join(',');
  const admin = new Admin({ 'bootstrap.servers': all });
  t.after(() => admin.close());
  await admin.createTopics([{ topic: 'moves', numPartitions: 1, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } }]);
  const before = await waitUntil('moves-0 with an ISR of 3', 15_000, async () => {
    const s = await leaderOf(admin, 'moves');
    return s && s.leader >= 0 && s.isr.length === 3 ? s : null;
  });
  await kcatProduce(all, { topic: 'moves', partition: 0, lines: ['before'], keyed: false, acks: -1 });

  const victim = brokers[before.leader]!;
  const survivors = brokers.filter((b) => b !== victim).map((b) => b.current.bootstrap).join(',');
  const watcher = new Admin({ 'bootstrap.servers': survivors });
  t.after(() => watcher.close());
  const killedAt = performance.now();
  await victim.current.kill();
  const now = await waitUntil('a new leader of moves-0', SESSION_MS, async () => {
    const s = await leaderOf(watcher, 'moves');
    return s && s.leader >= 0 && s.leader !== before.leader ? s : null;
  });
  const movedMs = performance.now() - killedAt;
  await kcatProduce(survivors, { topic: 'moves', partition: 0, lines: ['after'], keyed: false, acks: -1 });
  const ackedMs = performance.now() - killedAt;
  t.diagnostic(`kill -9 of broker ${before.leader}: broker ${now.leader} leads after ${movedMs.toFixed(0)} ms (ISR [${now.isr.join(',')}]); kcat acks=all acknowledged ${ackedMs.toFixed(0)} ms after the kill`);
  assert.ok(movedMs < 2_000, `leadership moved after ${movedMs} ms`);
  assert.ok(!now.isr.includes(before.leader), 'the dead broker left the ISR');
  const got = await kcatConsume(survivors, { topic: 'moves', partition: 0, offset: 'beginning', count: 2, exitAtEnd: false, timeoutMs: 10_000 });
  assert.deepEqual(got.map((m) => m.payload), ['before', 'after']);
});
