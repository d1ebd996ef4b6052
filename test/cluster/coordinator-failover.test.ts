/**
 * The group coordinator moves with the leadership of its __consumer_offsets partition
 * (RF=3, the default offsets.topic.replication.factor on a 3-broker cluster). Our consumer,
 * kafkajs and kafka-python commit, the coordinator's broker is killed (or restarted), and
 * each client finds the new coordinator and goes on from exactly its committed offsets.
 *
 * Regression (the loader read only up to the new leader's high watermark): a follower
 * learns the leader's HW one fetch after it has the records, so a commit acknowledged just
 * before the kill sat above the new leader's HW. The new coordinator did not load it, and
 * the group went back to its previous commit (records read twice). Kafka's loader reads to
 * the log end: everything a new leader holds stays in the partition (followers truncate
 * to the leader, never the other way).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import kafkajsModule from 'kafkajs';
import { Admin, Consumer, Producer } from '@samsa/client';
import { ErrorCode } from '@samsa/protocol';
import type { Cluster, ClusterBroker } from '@samsa/testing';
import { cluster } from './fixture.js';
import { FAST_GROUP, pollUntil, values } from '../client/consumer-fixture.js';
import { startPython } from '../helpers/python.js';
import { openClient } from '../client/fixture.js';
import { findCoordinator } from '../helpers/raw-group.js';

const { Kafka, logLevel } = kafkajsModule;
const OFFSETS = '__consumer_offsets';

async function coordinatorOf(c: Cluster, groupId: string): Promise<ClusterBroker> {
  const index = c.brokers.find((b) => b.status === 'running')!.broker.services.groupCoordinator.partitionOf(groupId);
  const state = await c.waitFor(`a live leader of ${OFFSETS}-${index}`, async () => {
    const s = await c.partitionState(OFFSETS, index);
    return s && s.leader >= 0 && c.broker(s.leader).status === 'running' ? s : null;
  });
  return c.broker(state.leader);
}

/** A 3-partition RF=3 topic with `count` records o0.. spread round-robin, written acks=all. */
async function setup(t: { after(fn: () => unknown): void; diagnostic(m: string): void }, topic: string): Promise<{ c: Cluster; admin: Admin; send: (from: number, n: number) => Promise<void> }> {
  const c = await cluster(t, { brokers: 3 });
  const admin = new Admin({ 'bootstrap.servers': c.bootstrapServers });
  t.after(() => admin.close());
  await admin.createTopics([{ topic, numPartitions: 3, replicationFactor: 3 }]);
  const producer = new Producer({ 'bootstrap.servers': c.bootstrapServers, 'linger.ms': 2, 'retry.backoff.ms': 50 });
  t.after(() => producer.close(2_000));
  const send = async (from: number, n: number): Promise<void> => {
    await Promise.all(Array.from({ length: n }, (_, i) => producer.send({ topic, partition: (from + i) % 3, value: `o${from + i}` })));
  };
  // A new partition's ISR is its leader alone until the followers catch up; a leader killed
  // before that leaves its partition offline (no unclean election). Start from a full ISR.
  await admin.listConsumerGroupOffsets('anyone'); // FindCoordinator creates __consumer_offsets
  await c.waitFor('every offsets partition with a full ISR', async () => {
    for (let i = 0; i < 10; i++) if ((await c.partitionState(OFFSETS, i))?.isr.length !== 3) return false;
    return true;
  });
  return { c, admin, send };
}

async function committedOffsets(admin: Admin, groupId: string): Promise<number[]> {
  const offsets = await admin.listConsumerGroupOffsets(groupId);
  return offsets.sort((a, b) => a.partition - b.partition).map((o) => o.offset);
}

test('offsets.topic.replication.factor: __consumer_offsets is created with RF=3 on a 3-broker cluster, every replica in the ISR', async (t) => {
  const { admin } = await setup(t, 'rf');
  const [desc] = await admin.describeTopics([OFFSETS]);
  assert.equal(desc!.partitions.length, 10, 'offsets.topic.num.partitions (the test cluster sets 10)');
  for (const p of desc!.partitions) {
    assert.equal(p.replicas.length, 3, `${OFFSETS}-${p.partition} replicas ${p.replicas}`);
    assert.equal(p.isr.length, 3, `${OFFSETS}-${p.partition} isr ${p.isr}`);
  }
  assert.ok(desc!.isInternal, 'internal');
});

test('offsets.topic.replication.factor: with a broker down, FindCoordinator answers COORDINATOR_NOT_AVAILABLE rather than create an under-replicated __consumer_offsets', async (t) => {
  const c = await cluster(t, { brokers: 3 });
  const down = c.broker(2);
  await down.kill();
  await c.waitFor('broker 2 to leave the metadata', () => !c.broker(0).broker.services.metadata.brokers.has(2), 10_000);
  const raw = await openClient(t, c.broker(0).port);
  assert.equal((await findCoordinator(raw, 'early')).errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
  assert.equal(c.broker(0).broker.services.metadata.topic(OFFSETS), null, 'not created');
  await down.restart();
  await c.waitFor('a coordinator once 3 brokers are registered', async () => (await findCoordinator(raw, 'early')).errorCode === 0, 10_000);
  for (let i = 0; i < 10; i++) assert.equal(c.broker(0).broker.services.metadata.partition(OFFSETS, i)?.replicas.length, 3, `${OFFSETS}-${i} has 3 replicas`);
});

test('our consumer: the coordinator broker is killed right after a commit; the new coordinator has that commit and the group goes on without reading anything twice', async (t) => {
  const { c, admin, send } = await setup(t, 'orders');
  await send(0, 30);
  const consumer = new Consumer({ 'bootstrap.servers': c.bootstrapServers, 'group.id': 'g-ours', 'auto.offset.reset': 'earliest', 'enable.auto.commit': false, ...FAST_GROUP });
  t.after(() => consumer.close(1_000));
  consumer.subscribe(['orders']);
  const first = await pollUntil(consumer, (all) => all.length >= 30, 20_000);
  await consumer.commitSync();
  const old = await coordinatorOf(c, 'g-ours');
  await old.kill();

  const next = await coordinatorOf(c, 'g-ours');
  assert.notEqual(next.nodeId, old.nodeId);
  await c.waitFor('the new coordinator to answer for g-ours', () => next.broker.services.groupCoordinator.checkCoordinator('g-ours') === 0);
  assert.deepEqual(await committedOffsets(admin, 'g-ours'), [10, 10, 10], 'the commit acknowledged before the kill is there');

  await send(30, 30);
  const second = await pollUntil(consumer, (all) => all.length >= 30, 30_000);
  await consumer.commitSync();
  const all = [...values(first), ...values(second)];
  assert.equal(new Set(all).size, all.length, 'nothing read twice');
  assert.deepEqual(all.sort(), Array.from({ length: 60 }, (_, i) => `o${i}`).sort());
  assert.deepEqual(await committedOffsets(admin, 'g-ours'), [20, 20, 20]);
});

test('controlled move: the coordinator broker restarts, comes back as a follower of the offsets partition and stops answering for the group; the group resumes at its commits', async (t) => {
  const { c, admin, send } = await setup(t, 'moves');
  await send(0, 30);
  const consume = async (want: number): Promise<string[]> => {
    const consumer = new Consumer({ 'bootstrap.servers': c.bootstrapServers, 'group.id': 'g-move', 'auto.offset.reset': 'earliest', 'enable.auto.commit': false, ...FAST_GROUP });
    try {
      consumer.subscribe(['moves']);
      const got = await pollUntil(consumer, (all) => all.length >= want, 20_000);
      await consumer.commitSync();
      return values(got);
    } finally {
      await consumer.close(2_000);
    }
  };
  assert.equal((await consume(30)).length, 30);
  const old = await coordinatorOf(c, 'g-move');
  const index = old.broker.services.groupCoordinator.partitionOf('g-move');
  const before = (await c.partitionState(OFFSETS, index))!;
  await old.restart();
  const moved = await c.waitFor('a new leader epoch of the offsets partition', async () => {
    const s = await c.partitionState(OFFSETS, index);
    return s && s.leaderEpoch > before.leaderEpoch && s.leader >= 0 ? s : null;
  });
  assert.notEqual(moved.leader, old.nodeId, 'leadership moved away while the broker was down');
  const next = c.broker(moved.leader);
  await c.waitFor('the new leader to serve the group', () => next.broker.services.groupCoordinator.checkCoordinator('g-move') === 0);
  await c.waitFor('the restarted broker to follow the offsets partition', () => old.broker.services.replicaManager.partition(OFFSETS, index)?.role === 'follower');
  assert.equal(old.broker.services.groupCoordinator.checkCoordinator('g-move'), ErrorCode.NOT_COORDINATOR);
  assert.ok(!old.broker.services.groupCoordinator.groups.has('g-move'), 'the follower holds no state for the group');
  assert.deepEqual(await committedOffsets(admin, 'g-move'), [10, 10, 10]);
  await send(30, 30);
  const second = await consume(30);
  assert.deepEqual(second.sort(), Array.from({ length: 30 }, (_, i) => `o${30 + i}`).sort(), 'resumed at the commits');
});

test('kafkajs consumer group: its coordinator is killed mid-run; it finds the new one, rejoins, and consumes the rest: nothing lost, nothing committed read again', async (t) => {
  const { c, admin, send } = await setup(t, 'kjs');
  await send(0, 30);
  const kafka = new Kafka({ clientId: 'failover', brokers: c.bootstrapServers.split(','), logLevel: process.env.KJS_DEBUG ? logLevel.DEBUG : logLevel.NOTHING, retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 1_000 } });
  // kafkajs keeps a generation's coordinator until its retries run out, then restarts the
  // consumer (which finds the new coordinator and rejoins): few, short retries.
  const consumer = kafka.consumer({ groupId: 'g-kjs', sessionTimeout: 6_000, heartbeatInterval: 300, retry: { retries: 4, initialRetryTime: 100, maxRetryTime: 500 } });
  t.after(() => consumer.disconnect());
  await consumer.connect();
  await consumer.subscribe({ topic: 'kjs', fromBeginning: true });
  const seen: string[] = [];
  void consumer.run({
    autoCommit: false,
    eachMessage: async ({ topic, partition, message }) => {
      seen.push(message.value!.toString());
      await consumer.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
    },
  });
  await c.waitFor('kafkajs to consume and commit the first 30', async () => seen.length >= 30 && (await committedOffsets(admin, 'g-kjs')).join() === '10,10,10', 20_000);
  const old = await coordinatorOf(c, 'g-kjs');
  await old.kill();
  await send(30, 30);
  await c.waitFor('kafkajs to consume the next 30', () => seen.length >= 60, 30_000);
  await c.waitFor('its commits on the new coordinator', async () => (await committedOffsets(admin, 'g-kjs')).join() === '20,20,20', 20_000);
  assert.notEqual((await coordinatorOf(c, 'g-kjs')).nodeId, old.nodeId);
  // Disconnect while the cluster runs: after it stops, kafkajs would retry until it gives up.
  await consumer.disconnect();
  // A record whose commit failed against the dead coordinator comes again after kafkajs
  // restarts (at least once); what was committed before the kill never does.
  const before = Array.from({ length: 30 }, (_, i) => `o${i}`);
  assert.deepEqual(seen.filter((v) => before.includes(v)).sort(), before.sort(), 'committed records read once');
  assert.deepEqual([...new Set(seen)].sort(), Array.from({ length: 60 }, (_, i) => `o${i}`).sort(), 'nothing lost');
});

test('kafka-python consumer group: commits, the coordinator is killed, it goes on from the new coordinator without repeats', async (t) => {
  const { c, admin, send } = await setup(t, 'kpy');
  await send(0, 30);
  const go = join(tmpdir(), `samsa-failover-go-${process.pid}-${Date.now()}`);
  const py = startPython(
    `
    import os
    from kafka import KafkaConsumer
    import logging
    if ARGS['debug']: logging.basicConfig(level=logging.DEBUG, format='%(asctime)s %(name)s %(message)s')
    c = KafkaConsumer('kpy', bootstrap_servers=ARGS['bootstrap'].split(','), group_id='g-kpy', auto_offset_reset='earliest',
                      enable_auto_commit=False, session_timeout_ms=6000, heartbeat_interval_ms=300, retry_backoff_ms=100,
                      request_timeout_ms=8000, api_version_auto_timeout_ms=10000)
    seen = []
    def take(want):
        deadline = time.time() + 30
        while len(seen) < want and time.time() < deadline:
            for tp, msgs in c.poll(timeout_ms=200).items():
                seen.extend(dec(m.value) for m in msgs)
            c.commit()
    take(30)
    emit({'phase': 1, 'seen': len(seen)})
    while not os.path.exists(ARGS['go']):
        for tp, msgs in c.poll(timeout_ms=100).items():
            seen.extend(dec(m.value) for m in msgs)
    take(60)
    c.commit()
    emit({'seen': seen})
    c.close()
    `,
    { bootstrap: c.bootstrapServers, go, debug: !!process.env.KPY_DEBUG },
    60_000,
    'kafka-python consumer',
  );
  t.after(async () => {
    if (!py.exited) py.child.kill('SIGKILL');
    await rm(go, { force: true });
  });
  await py.waitFor('stdout', /"phase": 1/, 30_000, 'kafka-python to consume the first 30');
  assert.deepEqual(await committedOffsets(admin, 'g-kpy'), [10, 10, 10]);
  const old = await coordinatorOf(c, 'g-kpy');
  await old.kill();
  await send(30, 30);
  await writeFile(go, '');
  const out = JSON.parse((await py.output()).trim().split('\n').pop()!) as { seen: string[] };
  assert.deepEqual([...out.seen].sort(), Array.from({ length: 60 }, (_, i) => `o${i}`).sort(), `every record once; stderr: ${py.stderr.slice(-3000)}`);
  assert.deepEqual(await committedOffsets(admin, 'g-kpy'), [20, 20, 20]);
  assert.notEqual((await coordinatorOf(c, 'g-kpy')).nodeId, old.nodeId);
});
