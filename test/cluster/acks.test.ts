/**
 * acks=all and min.insync.replicas on the in-process cluster (RF=3): what a producer is
 * told when the ISR is too small before or after its append, when the ISR does not catch up
 * in time, and, the point of it all, which records a leader's death loses with acks=1 and
 * which it cannot lose with acks=all.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Producer } from '@samsa/client';
import { ErrorCode } from '@samsa/protocol';
import { openClient, readAll } from '../client/fixture.js';
import { assertReplicasIdentical, batch, cluster, replicatedTopic, stateOf } from './fixture.js';

test('below min.insync.replicas acks=all is refused with NOT_ENOUGH_REPLICAS and nothing is written; acks=1 is accepted', async (t) => {
  const c = await cluster(t);
  const { leader, followers } = await replicatedTopic(c, 'minisr', 3, { 'min.insync.replicas': '2' });
  const raw = await openClient(t, leader.port);
  assert.equal((await raw.produceTo('minisr', 0, batch(['ok']), -1)).errorCode, 0, 'acks=all with the full ISR');
  for (const f of followers) await f.kill();
  await c.waitFor('the ISR down to the leader', async () => (await stateOf(c, 'minisr')).isr.length === 1, 5_000);
  await c.waitFor('the leader to see it', () => leader.broker.services.replicaManager.partition('minisr', 0)!.isr.length === 1);
  const p = leader.broker.services.replicaManager.partition('minisr', 0)!;
  const end = p.logEndOffset;
  assert.equal((await raw.produceTo('minisr', 0, batch(['refused']), -1)).errorCode, ErrorCode.NOT_ENOUGH_REPLICAS);
  assert.equal(p.logEndOffset, end, 'a refused acks=all produce writes nothing');
  const acks1 = await raw.produceTo('minisr', 0, batch(['accepted']), 1);
  assert.equal(acks1.errorCode, 0);
  assert.equal(acks1.baseOffset, BigInt(end));
  assert.deepEqual((await readAll(raw, 'minisr', 0)).map((r) => r.value), ['ok', 'accepted']);
});

test('acks=all waits for the ISR: REQUEST_TIMED_OUT within timeoutMs, NOT_ENOUGH_REPLICAS_AFTER_APPEND once the ISR shrinks below min.insync.replicas', async (t) => {
  const c = await cluster(t);
  const { leader, followers } = await replicatedTopic(c, 'waits', 3, { 'min.insync.replicas': '2' });
  const raw = await openClient(t, leader.port);
  // The followers stay registered and in the ISR, but cannot fetch: the HW stands still.
  leader.cutPeers();
  const started = Date.now();
  const timedOut = await raw.produceTo('waits', 0, batch(['t']), -1, 300);
  assert.equal(timedOut.errorCode, ErrorCode.REQUEST_TIMED_OUT);
  assert.ok(Date.now() - started >= 290, 'answered at the timeout, not before');
  leader.restorePeers();
  await c.waitFor('the HW past the timed-out record', () => leader.broker.services.replicaManager.partition('waits', 0)!.highWatermark === 1);

  // Now the followers stall (paused: no fetches) and the leader drops them after
  // replica.lag.time.max.ms: the HW passes the record with only the leader in the ISR.
  for (const f of followers) f.pause();
  const afterAppend = await raw.produceTo('waits', 0, batch(['a']), -1, 10_000);
  assert.equal(afterAppend.errorCode, ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND);
  assert.deepEqual((await stateOf(c, 'waits')).isr, [leader.nodeId]);
  for (const f of followers) f.resume();
});

test('acks=1: the leader dies before its followers copy a record, and the record is lost', async (t) => {
  const c = await cluster(t);
  const { leader } = await replicatedTopic(c, 'lossy', 3, { 'min.insync.replicas': '2' });
  const raw = await openClient(t, leader.port);
  assert.equal((await raw.produceTo('lossy', 0, batch(['replicated']), -1)).errorCode, 0);
  leader.cutPeers();
  const r = await raw.produceTo('lossy', 0, batch(['only-on-the-leader']), 1);
  assert.equal(r.errorCode, 0, 'acks=1 is acknowledged by the leader alone');
  assert.equal(r.baseOffset, 1n);
  await raw.close();
  await leader.kill();
  const next = await c.waitFor('a new leader', async () => {
    const s = await stateOf(c, 'lossy');
    return s.leader >= 0 && s.leader !== leader.nodeId ? s : null;
  }, 5_000);
  const newLeader = c.broker(next.leader);
  const np = await c.waitFor('it to lead', () => {
    const p = newLeader.broker.services.replicaManager.partition('lossy', 0);
    return p?.role === 'leader' ? p : null;
  });
  // A new leader's HW catches up once the other follower fetches from it.
  await c.waitFor('the new leader HW at its log end', () => np.highWatermark === np.logEndOffset);
  assert.equal(np.logEndOffset, 1, 'the new leader never had offset 1');
  const again = await openClient(t, newLeader.port);
  assert.deepEqual((await readAll(again, 'lossy', 0)).map((x) => x.value), ['replicated'], 'the acknowledged acks=1 record is gone');
  await assertReplicasIdentical(c, 'lossy', c.brokers.filter((b) => b !== leader).map((b) => b.nodeId));
});

test('acks=all with min.insync.replicas=2: the same fault loses nothing (the send is retried to the new leader)', async (t) => {
  const c = await cluster(t);
  const { leader } = await replicatedTopic(c, 'safe', 3, { 'min.insync.replicas': '2' });
  const producer = new Producer({ 'bootstrap.servers': c.bootstrapServers, acks: 'all', 'linger.ms': 0, 'request.timeout.ms': 5_000, 'retry.backoff.ms': 50, 'delivery.timeout.ms': 15_000 });
  t.after(() => producer.close(2_000));
  assert.equal((await producer.send({ topic: 'safe', partition: 0, value: 'first' })).offset, 0);
  leader.cutPeers();
  const pending = producer.send({ topic: 'safe', partition: 0, value: 'during-the-fault' });
  await new Promise((r) => setTimeout(r, 200));
  await leader.kill();
  const acked = await pending;
  const next = await stateOf(c, 'safe');
  assert.notEqual(next.leader, leader.nodeId);
  const newLeader = c.broker(next.leader);
  const raw = await openClient(t, newLeader.port);
  const values = (await readAll(raw, 'safe', 0)).map((x) => x.value);
  assert.deepEqual(values, ['first', 'during-the-fault']);
  assert.equal(acked.offset, 1);
  await assertReplicasIdentical(c, 'safe', c.brokers.filter((b) => b !== leader).map((b) => b.nodeId));
});
