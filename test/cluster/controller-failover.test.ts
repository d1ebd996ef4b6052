/**
 * The in-process cluster's controller and leader elections: who controls after a kill, what
 * happens to a partition whose only replica dies, and what a paused broker finds on resume.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildRecordBatch, ErrorCode } from '@samsa/protocol';
import { startCluster, type Cluster } from '@samsa/testing';
import { openClient, readAll } from '../client/fixture.js';

async function cluster(t: { after(fn: () => unknown): void; diagnostic(m: string): void }, options: Parameters<typeof startCluster>[0] = {}): Promise<Cluster> {
  const c = await startCluster(options);
  t.after(async () => {
    await c.stop();
  });
  return c;
}

test('startCluster starts 3 brokers with one controller in well under the 5 s bound', async (t) => {
  const started = performance.now();
  const c = await cluster(t);
  const ms = performance.now() - started;
  t.diagnostic(`startCluster({ brokers: 3 }) took ${ms.toFixed(0)} ms`);
  assert.ok(ms < 5_000, `took ${ms} ms`);
  assert.equal(c.brokers.length, 3);
  assert.equal(c.bootstrapServers.split(',').length, 3);
  assert.ok(c.controller(), 'a controller is elected by the time startCluster resolves');
  assert.equal(c.controllerEpoch(), 1);
  assert.equal(c.brokers.filter((b) => b.broker.controller.isActive).length, 1);
});

test('killing the controller: another broker takes over within the lease TTL with the controller epoch bumped', async (t) => {
  const c = await cluster(t);
  const old = c.controller()!;
  const epoch = c.controllerEpoch();
  const killedAt = Date.now();
  await old.kill();
  const next = await c.waitFor('a new controller', () => {
    const now = c.controller();
    return now && now !== old ? now : null;
  }, 5_000);
  const tookMs = Date.now() - killedAt;
  t.diagnostic(`controller ${old.nodeId} -> ${next.nodeId} in ${tookMs} ms (broker.session.timeout.ms=1500)`);
  assert.ok(tookMs < 1_500 + 1_000, `failover took ${tookMs} ms`);
  assert.equal(c.controllerEpoch(), epoch + 1);
  await c.waitFor('the new controller to be active', () => next.broker.controller.isActive, 2_000);
  // The killed broker comes back as an ordinary broker; the controller stays where it is.
  await old.restart();
  assert.equal(c.controller(), next);
  assert.equal(old.broker.controller.isActive, false);
});

test('RF=1: a partition is offline while its broker is dead and back with the same data on restart', async (t) => {
  const c = await cluster(t);
  const admin = c.brokers[0]!.broker.services.topicAdmin;
  await admin.create({ name: 'solo', numPartitions: 3, replicationFactor: 1 });
  const state = await c.waitFor('partition states', async () => (await c.partitionState('solo', 2)) ?? null);
  const owner = c.broker(state.leader);
  await owner.broker.services.replicaManager.awaitLocalPartitions('solo', 5_000);
  const raw = await openClient(t, owner.port);
  for (let i = 0; i < 5; i++) {
    const r = await raw.produceTo('solo', 2, buildRecordBatch({ records: [{ key: null, value: Buffer.from(`v${i}`) }] }));
    assert.equal(r.errorCode, 0);
  }
  const before = await readAll(raw, 'solo', 2);
  assert.equal(before.length, 5);
  await raw.close();

  await owner.kill();
  const offline = await c.waitFor('solo-2 offline', async () => {
    const s = await c.partitionState('solo', 2);
    return s && s.leader === -1 ? s : null;
  }, 5_000);
  assert.equal(offline.leaderEpoch, state.leaderEpoch + 1);
  assert.deepEqual(offline.isr, [owner.nodeId], 'the last ISR member stays in the ISR, to lead again');

  await owner.restart();
  const back = await c.waitFor('solo-2 led again', async () => {
    const s = await c.partitionState('solo', 2);
    return s && s.leader === owner.nodeId ? s : null;
  }, 5_000);
  assert.equal(back.leaderEpoch, state.leaderEpoch + 2);
  await c.waitFor('the restarted broker to lead solo-2', () => owner.broker.services.replicaManager.partition('solo', 2)?.role === 'leader', 5_000);
  const again = await openClient(t, owner.port);
  assert.deepEqual((await readAll(again, 'solo', 2)).map((r) => r.value), before.map((r) => r.value));
});

test('a broker paused longer than its session loses its leadership and gets it back after resuming', async (t) => {
  const c = await cluster(t);
  await c.brokers[0]!.broker.services.topicAdmin.create({ name: 'paused', numPartitions: 3, replicationFactor: 1 });
  const state = await c.waitFor('states', async () => (await c.partitionState('paused', 1)) ?? null);
  const target = c.broker(state.leader);
  await c.waitFor('leader open', () => target.broker.services.replicaManager.partition('paused', 1)?.role === 'leader');
  target.pause();
  await c.waitFor('paused-1 offline while its broker is paused', async () => (await c.partitionState('paused', 1))?.leader === -1, 5_000);
  // Frozen: the broker has not heard of it yet.
  assert.equal(target.broker.services.replicaManager.partition('paused', 1)?.role, 'leader');
  target.resume();
  await c.waitFor('the broker to register again and lead paused-1', async () => (await c.partitionState('paused', 1))?.leader === target.nodeId, 5_000);
  const s = (await c.partitionState('paused', 1))!;
  assert.equal(s.leaderEpoch, state.leaderEpoch + 2);
  await c.waitFor('the broker to take the new epoch', () => target.broker.services.replicaManager.partition('paused', 1)?.leaderEpoch === s.leaderEpoch);
});

test('an isolated controller is replaced; after healing it learns it was deposed and writes nothing stale', async (t) => {
  const c = await cluster(t);
  const old = c.controller()!;
  old.isolate();
  assert.equal(old.reachable, false);
  const next = await c.waitFor('a controller other than the isolated one', () => {
    const now = c.controller();
    return now && now !== old ? now : null;
  }, 5_000);
  old.heal();
  await c.waitFor('the healed broker to know it is not the controller', () => !old.broker.controller.isActive, 5_000);
  await c.waitFor('the healed broker to register again', () => next.broker.services.metadata.brokers.has(old.nodeId), 5_000);
  assert.equal(c.controller(), next);
});

test('unclean.leader.election.enable: a live replica outside the ISR takes over; stale epochs are fenced and the old leader, back, is a follower', async (t) => {
  const c = await cluster(t, { config: { 'unclean.leader.election.enable': true } });
  // No broker reaches another: the followers never copy anything, so they never join the ISR.
  for (const b of c.brokers) b.cutPeers();
  await c.brokers[0]!.broker.services.topicAdmin.create({ name: 'unclean', numPartitions: 1, replicationFactor: 3 });
  const first = await c.waitFor('a leader', async () => (await c.partitionState('unclean', 0)) ?? null);
  assert.deepEqual(first.isr, [first.leader], 'followers join the ISR only once they have caught up');
  const old = c.broker(first.leader);
  await old.kill();
  const moved = await c.waitFor('a new leader', async () => {
    const s = await c.partitionState('unclean', 0);
    return s && s.leader >= 0 && s.leader !== old.nodeId ? s : null;
  }, 5_000);
  assert.equal(moved.leaderEpoch, first.leaderEpoch + 1);
  assert.deepEqual(moved.isr, [moved.leader]);
  for (const b of c.brokers) if (b !== old) b.restorePeers();
  const leader = c.broker(moved.leader);
  await c.waitFor('the new leader to take over', () => leader.broker.services.replicaManager.partition('unclean', 0)?.role === 'leader');
  const raw = await openClient(t, leader.port);
  assert.equal((await raw.produceTo('unclean', 0, buildRecordBatch({ records: [{ key: null, value: Buffer.from('x') }] }))).errorCode, 0);
  const fetchAt = async (client: typeof raw, currentLeaderEpoch: number): Promise<number> => {
    const res = await client.fetch({
      replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0,
      topics: [{ topic: 'unclean', partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 << 20, currentLeaderEpoch }] }],
    });
    return res.responses[0]!.partitions[0]!.errorCode;
  };
  assert.equal(await fetchAt(raw, moved.leaderEpoch), 0);
  assert.equal(await fetchAt(raw, first.leaderEpoch), ErrorCode.FENCED_LEADER_EPOCH);
  assert.equal(await fetchAt(raw, moved.leaderEpoch + 1), ErrorCode.UNKNOWN_LEADER_EPOCH);

  await old.restart();
  await c.waitFor('the old leader to open its replica as a follower', () => old.broker.services.replicaManager.partition('unclean', 0)?.leaderEpoch === moved.leaderEpoch);
  const back = await openClient(t, old.port);
  assert.equal((await back.produceTo('unclean', 0, buildRecordBatch({ records: [{ key: null, value: Buffer.from('y') }] }))).errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER);
  assert.equal(await fetchAt(back, moved.leaderEpoch), ErrorCode.NOT_LEADER_OR_FOLLOWER);
  assert.equal((await c.partitionState('unclean', 0))!.leader, leader.nodeId, 'the returning broker does not take leadership back');
});
