/**
 * Preferred-leader and unclean elections on the in-process cluster: ElectLeaders from our
 * Admin (no client we did not write has it: kafkajs has no electLeaders, and Debian's
 * python3-confluent-kafka 2.0.2 and kafka-python 2.0.2 AdminClients have no elect_leaders),
 * NOT_CONTROLLER from a raw request to another broker, and auto.leader.rebalance.enable
 * doing the same on its own with a short leader.imbalance.check.interval.seconds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Admin, Producer } from '@samsa/client';
import { ApiKey, ErrorCode, type ElectLeaders } from '@samsa/protocol';
import type { Cluster } from '@samsa/testing';
import { openClient } from '../helpers/raw-client.js';
import { assertReplicasIdentical, cluster, replicatedTopic, stateOf } from './fixture.js';

function adminFor(t: { after(fn: () => unknown): void }, c: Cluster): Admin {
  const admin = new Admin({ 'bootstrap.servers': c.bootstrapServers });
  t.after(() => admin.close());
  return admin;
}

/** Kills AR-first broker 0 (leadership moves to 1), writes, restarts 0 and waits until it is back in the ISR. */
async function leaderAwayAndBack(t: { after(fn: () => unknown): void }, c: Cluster, topic: string, autoRebalance = false): Promise<void> {
  const producer = new Producer({ 'bootstrap.servers': c.bootstrapServers, acks: 'all' });
  t.after(() => producer.close(2_000));
  for (let i = 0; i < 20; i++) await producer.send({ topic, partition: 0, value: `before-${i}` });
  await c.broker(0).kill();
  await c.waitFor(`${topic}-0 led by broker 1`, async () => (await c.partitionState(topic, 0))?.leader === 1);
  for (let i = 0; i < 20; i++) await producer.send({ topic, partition: 0, value: `while-${i}` });
  await c.broker(0).restart();
  await c.waitFor(`broker 0 back in the ISR of ${topic}-0`, async () => (await c.partitionState(topic, 0))?.isr.includes(0), 15_000);
  // With the auto rebalance on, its timer may already have moved it back.
  if (!autoRebalance) assert.equal((await stateOf(c, topic)).leader, 1, 'a broker that comes back does not take its leadership back by itself');
}

test('ElectLeaders PREFERRED from our Admin: the AR-first replica, back and caught up, leads again; ELECTION_NOT_NEEDED the second time', async (t) => {
  const c = await cluster(t, { config: { 'auto.leader.rebalance.enable': false } });
  await replicatedTopic(c, 'pref', 3, { 'min.insync.replicas': '2' }, [0, 1, 2]);
  await leaderAwayAndBack(t, c, 'pref');
  const before = await stateOf(c, 'pref');
  const admin = adminFor(t, c);
  const [r] = await admin.electLeaders('preferred', [{ topic: 'pref', partition: 0 }]);
  assert.equal(r!.error, null, String(r!.error));
  const after = await stateOf(c, 'pref');
  assert.equal(after.leader, 0);
  assert.equal(after.leaderEpoch, before.leaderEpoch + 1);
  const [again] = await admin.electLeaders('preferred', [{ topic: 'pref', partition: 0 }]);
  assert.equal(again!.error?.type, 'ELECTION_NOT_NEEDED');
  const [described] = await admin.describeTopics(['pref']);
  assert.equal(described!.partitions[0]!.leader, 0, 'Metadata right after the response names the new leader');
  await assertReplicasIdentical(c, 'pref', [0, 1, 2]);
  const [missing] = await admin.electLeaders('preferred', [{ topic: 'pref', partition: 7 }]);
  assert.equal(missing!.error?.type, 'UNKNOWN_TOPIC_OR_PARTITION');
  const [unknownTopic] = await admin.electLeaders('preferred', [{ topic: 'nope', partition: 0 }]);
  assert.equal(unknownTopic!.error?.type, 'UNKNOWN_TOPIC_OR_PARTITION');
});

test('ElectLeaders: PREFERRED_LEADER_NOT_AVAILABLE while the preferred replica is dead; NOT_CONTROLLER from a broker that is not the controller', async (t) => {
  const c = await cluster(t, { config: { 'auto.leader.rebalance.enable': false } });
  await replicatedTopic(c, 'pref-dead', 2, {}, [0, 1]);
  await c.broker(0).kill();
  await c.waitFor('pref-dead-0 led by broker 1', async () => (await c.partitionState('pref-dead', 0))?.leader === 1);
  const [r] = await adminFor(t, c).electLeaders('preferred', [{ topic: 'pref-dead', partition: 0 }]);
  assert.equal(r!.error?.type, 'PREFERRED_LEADER_NOT_AVAILABLE');

  const controller = c.controller()!;
  const other = c.brokers.find((b) => b !== controller && b.status === 'running')!;
  const raw = await openClient(t, other.port);
  for (const version of [0, 1, 2]) {
    const res = await raw.request<ElectLeaders.ElectLeadersResponse>(ApiKey.ElectLeaders, version, { electionType: 0, topicPartitions: [{ topic: 'pref-dead', partitions: [0] }], timeoutMs: 1_000 });
    if (version >= 1) assert.equal(res.errorCode, ErrorCode.NOT_CONTROLLER, `v${version}`);
    assert.equal(res.replicaElectionResults[0]!.partitionResult[0]!.errorCode, ErrorCode.NOT_CONTROLLER, `v${version}`);
  }
});

test('ElectLeaders UNCLEAN: an offline partition whose only ISR member is dead is led by a live out-of-sync replica; none alive: ELIGIBLE_LEADERS_NOT_AVAILABLE', async (t) => {
  const c = await cluster(t, { config: { 'auto.leader.rebalance.enable': false } });
  await replicatedTopic(c, 'unclean', 2, {}, [0, 1]);
  const admin = adminFor(t, c);
  const [notNeeded] = await admin.electLeaders('unclean', [{ topic: 'unclean', partition: 0 }]);
  assert.equal(notNeeded!.error?.type, 'ELECTION_NOT_NEEDED');
  await c.broker(1).kill();
  await c.waitFor('unclean-0 ISR [0]', async () => (await c.partitionState('unclean', 0))?.isr.join() === '0');
  await c.broker(0).kill();
  await c.waitFor('unclean-0 offline', async () => (await c.partitionState('unclean', 0))?.leader === -1);
  const [none] = await admin.electLeaders('unclean', [{ topic: 'unclean', partition: 0 }]);
  assert.equal(none!.error?.type, 'ELIGIBLE_LEADERS_NOT_AVAILABLE');
  await c.broker(1).restart();
  // unclean.leader.election.enable=false: broker 1 is back but not in the ISR, so the partition stays offline.
  await new Promise((r) => setTimeout(r, 300));
  assert.equal((await stateOf(c, 'unclean')).leader, -1);
  const [r] = await admin.electLeaders('unclean', [{ topic: 'unclean', partition: 0 }]);
  assert.equal(r!.error, null, String(r!.error));
  const s = await stateOf(c, 'unclean');
  assert.deepEqual([s.leader, s.isr], [1, [1]]);
});

test('auto.leader.rebalance.enable: the controller puts the AR-first replica back in charge within leader.imbalance.check.interval.seconds', async (t) => {
  const c = await cluster(t, { config: { 'leader.imbalance.check.interval.seconds': 1 } });
  await replicatedTopic(c, 'auto', 3, {}, [0, 1, 2]);
  await leaderAwayAndBack(t, c, 'auto', true);
  const back = await c.waitFor('auto-0 led by broker 0 again', async () => {
    const s = await c.partitionState('auto', 0);
    return s?.leader === 0 ? s : null;
  }, 5_000);
  assert.ok(back.isr.includes(0));
  await assertReplicasIdentical(c, 'auto', [0, 1, 2]);
});
