/**
 * Replication on the in-process cluster: followers fetch from their leader, join the ISR
 * once caught up, and the high watermark follows the ISR. Every test ends by comparing the
 * replicas' bytes up to the HW.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildRecordBatch } from '@samsa/protocol';
import { startCluster, type Cluster } from '@samsa/testing';
import { openClient } from '../client/fixture.js';

async function cluster(t: { after(fn: () => unknown): void }, options: Parameters<typeof startCluster>[0] = {}): Promise<Cluster> {
  const c = await startCluster(options);
  t.after(() => c.stop());
  return c;
}

function batch(values: string[]): Buffer {
  return buildRecordBatch({ records: values.map((v) => ({ key: null, value: Buffer.from(v) })) });
}

test('RF=3: followers copy the leader, join the ISR, and the HW reaches the log end', async (t) => {
  const c = await cluster(t);
  await c.brokers[0]!.broker.services.topicAdmin.create({ name: 'rep', numPartitions: 1, replicationFactor: 3 });
  const state = await c.waitFor('a leader', async () => (await c.partitionState('rep', 0)) ?? null);
  const leader = c.broker(state.leader);
  await c.waitFor('leader open', () => leader.broker.services.replicaManager.partition('rep', 0)?.role === 'leader');
  const raw = await openClient(t, leader.port);
  for (let i = 0; i < 20; i++) assert.equal((await raw.produceTo('rep', 0, batch([`a${i}`, `b${i}`]))).errorCode, 0);
  const full = await c.waitFor('all three replicas in the ISR', async () => {
    const s = await c.partitionState('rep', 0);
    return s && s.isr.length === 3 ? s : null;
  }, 10_000).catch((e) => {
    t.diagnostic(c.dump());
    throw e;
  });
  assert.equal(full.leader, state.leader, 'the ISR grows without a leader change');
  assert.equal(full.leaderEpoch, state.leaderEpoch);
  const p = leader.broker.services.replicaManager.partition('rep', 0)!;
  await c.waitFor('the HW at the log end', () => p.highWatermark === 40);
  const cmp = await c.compareReplicas('rep', 0);
  assert.deepEqual(cmp.differing, []);
  assert.deepEqual(cmp.identical, [0, 1, 2]);
  assert.equal(cmp.highWatermark, 40);
});
