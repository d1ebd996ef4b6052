/**
 * Leader epochs on the in-process cluster: a deposed leader's divergent suffix is truncated
 * by OffsetForLeaderEpoch before it fetches, and a broker restarted within its session is a
 * new incarnation whose leaderships get new epochs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKey, type OffsetForLeaderEpoch } from '@samsa/protocol';
import { openClient, readAll } from '../client/fixture.js';
import { assertReplicasIdentical, batch, cluster, replicatedTopic, stateOf } from './fixture.js';

test('divergent suffix: records a deposed leader wrote at acks=1 that no follower got are truncated when it returns, and the replicas end identical', async (t) => {
  const c = await cluster(t);
  const { state, leader } = await replicatedTopic(c, 'diverge', 3, { 'min.insync.replicas': '2' });
  const raw = await openClient(t, leader.port);
  assert.equal((await raw.produceTo('diverge', 0, batch(['a0', 'a1', 'a2', 'a3', 'a4']), -1)).errorCode, 0);
  leader.cutPeers();
  assert.equal((await raw.produceTo('diverge', 0, batch(['lost0', 'lost1', 'lost2']), 1)).errorCode, 0);
  const old = leader.broker.services.replicaManager.partition('diverge', 0)!;
  assert.equal(old.logEndOffset, 8);
  await raw.close();
  await leader.kill();
  const next = await c.waitFor('a new leader', async () => {
    const s = await stateOf(c, 'diverge');
    return s.leader >= 0 && s.leader !== leader.nodeId ? s : null;
  }, 5_000);
  const newLeader = c.broker(next.leader);
  const np = await c.waitFor('it leads', () => {
    const p = newLeader.broker.services.replicaManager.partition('diverge', 0);
    return p?.role === 'leader' ? p : null;
  });
  const client = await openClient(t, newLeader.port);
  assert.equal((await client.produceTo('diverge', 0, batch(['b5', 'b6', 'b7', 'b8']), -1)).errorCode, 0);
  assert.equal(np.logEndOffset, 9);

  // What the new leader says of epoch 0: it ended at offset 5, where epoch 1 began.
  const answer = await client.request<OffsetForLeaderEpoch.OffsetForLeaderEpochResponse>(ApiKey.OffsetForLeaderEpoch, 4, {
    replicaId: -1,
    topics: [{ topic: 'diverge', partitions: [{ partition: 0, currentLeaderEpoch: next.leaderEpoch, leaderEpoch: state.leaderEpoch }] }],
  });
  assert.deepEqual(answer.topics[0]!.partitions[0], { errorCode: 0, partition: 0, leaderEpoch: state.leaderEpoch, endOffset: 5n });

  await leader.restart();
  const back = leader.broker.services.replicaManager.partition('diverge', 0)!;
  await c.waitFor('the returning broker in the ISR again', async () => (await stateOf(c, 'diverge')).isr.length === 3, 10_000);
  assert.equal(back.role, 'follower');
  assert.deepEqual(back.leaderEpochCache.all.map((e) => [e.epoch, e.startOffset]), [[state.leaderEpoch, 0], [next.leaderEpoch, 5]]);
  await assertReplicasIdentical(c, 'diverge', [0, 1, 2]);
  assert.deepEqual((await readAll(client, 'diverge', 0)).map((r) => r.value), ['a0', 'a1', 'a2', 'a3', 'a4', 'b5', 'b6', 'b7', 'b8']);
});

test('divergent suffix of an epoch the new leader never saw: the returning broker cuts back to where the new leader\'s first epoch began', async (t) => {
  // The fault test (seed 7007) found it: the leader's only records were unreplicated, the new
  // leader's epoch cache starts at its own epoch, and OffsetForLeaderEpoch answered "unknown"
  // for the older epoch, so the returning broker kept its suffix and failed every append.
  const c = await cluster(t);
  const { state, leader } = await replicatedTopic(c, 'diverge0', 3, { 'min.insync.replicas': '2' });
  const raw = await openClient(t, leader.port);
  leader.cutPeers();
  assert.equal((await raw.produceTo('diverge0', 0, batch(['lost0', 'lost1']), 1)).errorCode, 0);
  await raw.close();
  await leader.kill();
  const next = await c.waitFor('a new leader', async () => {
    const s = await stateOf(c, 'diverge0');
    return s.leader >= 0 && s.leader !== leader.nodeId ? s : null;
  }, 5_000);
  const newLeader = c.broker(next.leader);
  await c.waitFor('it leads', () => newLeader.broker.services.replicaManager.partition('diverge0', 0)?.role === 'leader');
  const client = await openClient(t, newLeader.port);
  assert.equal((await client.produceTo('diverge0', 0, batch(['b0', 'b1', 'b2', 'b3']), -1)).errorCode, 0);
  const answer = await client.request<OffsetForLeaderEpoch.OffsetForLeaderEpochResponse>(ApiKey.OffsetForLeaderEpoch, 4, {
    replicaId: -1,
    topics: [{ topic: 'diverge0', partitions: [{ partition: 0, currentLeaderEpoch: next.leaderEpoch, leaderEpoch: state.leaderEpoch }] }],
  });
  assert.deepEqual(answer.topics[0]!.partitions[0], { errorCode: 0, partition: 0, leaderEpoch: state.leaderEpoch, endOffset: 0n });

  await leader.restart();
  await c.waitFor('the returning broker in the ISR again', async () => (await stateOf(c, 'diverge0')).isr.length === 3, 10_000);
  await assertReplicasIdentical(c, 'diverge0', [0, 1, 2]);
  assert.deepEqual((await readAll(client, 'diverge0', 0)).map((r) => r.value), ['b0', 'b1', 'b2', 'b3']);
});

test('a leader restarted before its session expires is a new incarnation: its partition gets a new leader epoch and a new leader', async (t) => {
  // A session long enough that only the new incarnation id can explain what follows.
  const c = await cluster(t, { config: { 'broker.session.timeout.ms': 10_000 } });
  // Led by a broker that is not the controller: a dead controller's key outlives it by the session.
  const controller = c.controller()!.nodeId;
  const others = c.brokers.map((b) => b.nodeId).filter((id) => id !== controller);
  const { state, leader } = await replicatedTopic(c, 'reborn', 3, {}, [...others, controller]);
  assert.notEqual(leader.nodeId, controller);
  const raw = await openClient(t, leader.port);
  assert.equal((await raw.produceTo('reborn', 0, batch(['x']), -1)).errorCode, 0);
  await raw.close();
  const started = Date.now();
  await leader.kill();
  await leader.restart();
  const moved = await c.waitFor('a new leader epoch', async () => {
    const s = await stateOf(c, 'reborn');
    return s.leaderEpoch > state.leaderEpoch ? s : null;
  }, 5_000);
  t.diagnostic(`new epoch ${moved.leaderEpoch}, leader ${moved.leader}, ${Date.now() - started} ms after the kill`);
  assert.notEqual(moved.leader, leader.nodeId, 'leadership moved to an in-sync replica');
  assert.ok(!moved.isr.includes(leader.nodeId) || moved.isr.length === 3, 'the new incarnation left the ISR (or already caught up again)');
  await c.waitFor('the restarted broker back in the ISR', async () => (await stateOf(c, 'reborn')).isr.length === 3, 10_000);
  await assertReplicasIdentical(c, 'reborn', [0, 1, 2]);
});
