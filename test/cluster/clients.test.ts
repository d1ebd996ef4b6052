/**
 * Real clients against a 3-broker in-process cluster: our Producer and Admin spreading a
 * topic over the brokers, a kafkajs consumer group surviving its coordinator's death, and
 * kcat -L listing the brokers and leaders.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import kafkajsModule from 'kafkajs';
import { Admin, Producer } from '@samsa/client';
import { ErrorCode } from '@samsa/protocol';
import { startCluster, type Cluster } from '@samsa/testing';
import { openClient, readAll } from '../client/fixture.js';
import { kcatMetadata } from '../helpers/kcat.js';
import { findCoordinator } from '../helpers/raw-group.js';

const { Kafka, logLevel } = kafkajsModule;

async function cluster(t: { after(fn: () => unknown): void }, config: Record<string, string> = {}): Promise<Cluster> {
  const c = await startCluster({ brokers: 3, config });
  t.after(() => c.stop());
  return c;
}

test('our Admin and Producer: a 6-partition RF=1 topic is spread over 3 brokers, leaders too, and reads back whole', async (t) => {
  const c = await cluster(t);
  const admin = new Admin({ 'bootstrap.servers': c.bootstrapServers });
  t.after(() => admin.close());
  await admin.createTopics([{ topic: 'spread', numPartitions: 6, replicationFactor: 1 }]);
  const [desc] = await admin.describeTopics(['spread']);
  const leaders = desc!.partitions.map((p) => p.leader);
  assert.deepEqual([0, 1, 2].map((b) => leaders.filter((l) => l === b).length), [2, 2, 2], `leaders ${leaders}`);
  for (const p of desc!.partitions) {
    assert.deepEqual(p.replicas, [p.leader]);
    assert.deepEqual(p.isr, [p.leader]);
    assert.deepEqual(p.offlineReplicas, []);
  }
  const described = await admin.describeCluster();
  assert.deepEqual(described.brokers.map((b) => b.nodeId).sort(), [0, 1, 2]);
  assert.equal(described.controllerId, c.controller()!.nodeId);

  const producer = new Producer({ 'bootstrap.servers': c.bootstrapServers, 'linger.ms': 5 });
  t.after(() => producer.close(2_000));
  const sent = await Promise.all(Array.from({ length: 120 }, (_, i) => producer.send({ topic: 'spread', key: `k${i}`, value: `v${i}` })));
  assert.equal(new Set(sent.map((m) => m.partition)).size, 6, 'keys reach every partition');

  const got: string[] = [];
  for (const p of desc!.partitions) {
    const raw = await openClient(t, c.broker(p.leader).port);
    for (const r of await readAll(raw, 'spread', p.partition)) got.push(r.value!);
  }
  assert.deepEqual(got.sort(), Array.from({ length: 120 }, (_, i) => `v${i}`).sort());
});

test('kafkajs consumer group: its coordinator broker dies (RF=1: offline until restart), then the group resumes from its commits', async (t) => {
  const c = await cluster(t, { 'offsets.topic.replication.factor': '1' });
  const admin = new Admin({ 'bootstrap.servers': c.bootstrapServers });
  t.after(() => admin.close());
  await admin.createTopics([{ topic: 'orders', numPartitions: 3, replicationFactor: 1 }]);
  const producer = new Producer({ 'bootstrap.servers': c.bootstrapServers, 'linger.ms': 2 });
  t.after(() => producer.close(2_000));
  const send = (from: number, n: number): Promise<unknown> =>
    Promise.all(Array.from({ length: n }, (_, i) => producer.send({ topic: 'orders', partition: (from + i) % 3, value: `o${from + i}` })));
  await send(0, 30);

  const kafka = new Kafka({ clientId: 'cluster-test', brokers: c.bootstrapServers.split(','), logLevel: logLevel.NOTHING, retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 1_000 } });
  const consume = async (want: number): Promise<string[]> => {
    const consumer = kafka.consumer({ groupId: 'billing', sessionTimeout: 6_000, heartbeatInterval: 500, retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 1_000 } });
    const seen: string[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: 'orders', fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`consumed ${seen.length} of ${want} within 30 s`)), 30_000);
        void consumer.run({
          autoCommit: false,
          eachMessage: async ({ topic, partition, message }) => {
            seen.push(message.value!.toString());
            await consumer.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
            if (seen.length >= want) {
              clearTimeout(timer);
              resolve();
            }
          },
        });
      });
    } finally {
      await consumer.disconnect();
    }
    return seen;
  };
  assert.equal((await consume(30)).length, 30);

  // The coordinator is the leader of the group's __consumer_offsets partition.
  const someone = c.brokers[0]!.broker.services;
  const offsetsPartition = someone.groupCoordinator.partitionOf('billing');
  const coordinator = c.broker((await c.partitionState('__consumer_offsets', offsetsPartition))!.leader);
  const other = c.brokers.find((b) => b !== coordinator)!;
  await coordinator.kill();
  await c.waitFor('the offsets partition to go offline', async () => (await c.partitionState('__consumer_offsets', offsetsPartition))?.leader === -1, 5_000);
  const raw = await openClient(t, other.port);
  assert.equal((await findCoordinator(raw, 'billing')).errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);

  await coordinator.restart();
  await c.waitFor('the coordinator to serve again', async () => (await findCoordinator(raw, 'billing')).errorCode === 0, 10_000);
  assert.equal((await findCoordinator(raw, 'billing')).nodeId, coordinator.nodeId);
  await send(30, 30);
  const second = await consume(30);
  assert.deepEqual(second.sort(), Array.from({ length: 30 }, (_, i) => `o${30 + i}`).sort(), 'the commits made before the kill survived: nothing is read twice');
  const committed = await admin.listConsumerGroupOffsets('billing');
  assert.deepEqual(committed.map((o) => o.offset), [20, 20, 20]);
});

test('kcat -L against the cluster lists the 3 brokers, the controller and each partition leader', async (t) => {
  const c = await cluster(t);
  const admin = new Admin({ 'bootstrap.servers': c.bootstrapServers });
  t.after(() => admin.close());
  await admin.createTopics([{ topic: 'listed', numPartitions: 3, replicationFactor: 1 }]);
  const md = await kcatMetadata(c.bootstrapServers);
  assert.deepEqual(md.brokers.map((b) => b.id).sort(), [0, 1, 2]);
  assert.deepEqual(md.brokers.map((b) => b.name).sort(), c.brokers.map((b) => b.address).sort());
  assert.equal(md.controllerid, c.controller()!.nodeId);
  const listed = md.topics.find((x) => x.topic === 'listed')!;
  assert.deepEqual(listed.partitions.map((p) => p.leader).sort(), [0, 1, 2]);
});
