/**
 * The admin client against the broker process: topics (create, list, describe, add
 * partitions, delete, with their errors), the cluster description, and interop: what our
 * admin creates, kcat (librdkafka) sees with the right partitions.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Admin, KafkaProtocolError } from '@samsa/client';
import { startBrokerFor } from '../helpers/broker-process.js';
import { kcatMetadata } from '../helpers/kcat.js';

function adminFor(t: { after(fn: () => unknown): void }, bootstrap: string): Admin {
  const admin = new Admin({ 'bootstrap.servers': bootstrap, 'client.id': 'admin-test', 'default.api.timeout.ms': 30_000 });
  t.after(() => admin.close());
  return admin;
}

test('createTopics makes topics kcat sees with their partitions; existing topic, bad config and validateOnly answer per topic', { timeout: 60_000 }, async (t) => {
  const broker = await startBrokerFor(t);
  const admin = adminFor(t, broker.current.bootstrap);
  const created = await admin.createTopics([
    { topic: 'orders', numPartitions: 3, configs: { 'retention.ms': '3600000' } },
    { topic: 'audit', numPartitions: 1, replicationFactor: 1 },
    { topic: 'assigned', replicaAssignment: { 0: [0], 1: [0] } },
  ]);
  assert.deepEqual(created.map((r) => [r.topic, r.error, r.numPartitions, r.replicationFactor]), [['orders', null, 3, 1], ['audit', null, 1, 1], ['assigned', null, 2, 1]]);
  assert.ok(created[0]!.topicId, 'a topic id');
  assert.equal(created[0]!.configs?.find((c) => c.name === 'retention.ms')?.value, '3600000');

  const again = await admin.createTopics([
    { topic: 'orders', numPartitions: 3 },
    { topic: 'bad-config', numPartitions: 1, configs: { 'no.such.setting': '1' } },
  ]);
  assert.ok(again[0]!.error instanceof KafkaProtocolError);
  assert.equal(again[0]!.error.type, 'TOPIC_ALREADY_EXISTS');
  assert.equal(again[1]!.error?.type, 'INVALID_CONFIG');
  const [dry] = await admin.createTopics([{ topic: 'dry-run', numPartitions: 2 }], { validateOnly: true });
  assert.equal(dry!.error, null);
  assert.equal(dry!.topicId, null);

  const md = await kcatMetadata(broker.current.bootstrap);
  const partitions = (name: string) => md.topics.find((x) => x.topic === name)?.partitions.map((p) => p.partition).sort();
  assert.deepEqual(partitions('orders'), [0, 1, 2], 'kcat -L sees the topic with 3 partitions');
  assert.deepEqual(partitions('audit'), [0]);
  assert.deepEqual(partitions('assigned'), [0, 1]);
  assert.equal(partitions('dry-run'), undefined, 'validateOnly created nothing');
  assert.equal(partitions('bad-config'), undefined);
});

test('listTopics, describeTopics (leaders, replicas, ISR, offline replicas), createPartitions and deleteTopics', { timeout: 60_000 }, async (t) => {
  const broker = await startBrokerFor(t);
  const admin = adminFor(t, broker.current.bootstrap);
  await admin.createTopics([{ topic: 'a', numPartitions: 2 }, { topic: 'b', numPartitions: 1 }]);
  assert.deepEqual((await admin.listTopics()).map((x) => [x.topic, x.partitions, x.isInternal]), [['a', 2, false], ['b', 1, false]]);

  const [a, missing] = await admin.describeTopics(['a', 'missing']);
  assert.equal(a!.error, null);
  assert.deepEqual(a!.partitions.map((p) => ({ partition: p.partition, leader: p.leader, replicas: p.replicas, isr: p.isr, offlineReplicas: p.offlineReplicas, error: p.error })), [
    { partition: 0, leader: 0, replicas: [0], isr: [0], offlineReplicas: [], error: null },
    { partition: 1, leader: 0, replicas: [0], isr: [0], offlineReplicas: [], error: null },
  ]);
  assert.ok(a!.partitions.every((p) => p.leaderEpoch >= 0));
  assert.equal(missing!.error?.type, 'UNKNOWN_TOPIC_OR_PARTITION');
  assert.deepEqual((await admin.describeTopics()).map((x) => x.topic), ['a', 'b'], 'no names: every topic');

  const grown = await admin.createPartitions({ a: 5, b: 1, nope: 3 });
  assert.equal(grown[0]!.error, null);
  assert.equal(grown[1]!.error?.type, 'INVALID_PARTITIONS', 'the count must grow');
  assert.equal(grown[2]!.error?.type, 'UNKNOWN_TOPIC_OR_PARTITION');
  assert.equal((await admin.describeTopics(['a']))[0]!.partitions.length, 5);
  const md = await kcatMetadata(broker.current.bootstrap);
  assert.equal(md.topics.find((x) => x.topic === 'a')?.partitions.length, 5, 'kcat sees the added partitions');

  const deleted = await admin.deleteTopics(['b', 'nope']);
  assert.equal(deleted[0]!.error, null);
  assert.equal(deleted[1]!.error?.type, 'UNKNOWN_TOPIC_OR_PARTITION');
  assert.deepEqual((await admin.listTopics()).map((x) => x.topic), ['a']);
});

test('describeCluster names the broker, the controller and the cluster id, as Metadata does for kcat', { timeout: 60_000 }, async (t) => {
  const broker = await startBrokerFor(t);
  const admin = adminFor(t, broker.current.bootstrap);
  const d = await admin.describeCluster();
  assert.ok(d.clusterId && d.clusterId.length > 0);
  assert.equal(d.brokers.length, 1);
  assert.equal(d.brokers[0]!.port, broker.current.port);
  assert.equal(d.controller?.nodeId, d.brokers[0]!.nodeId);
  const md = await kcatMetadata(broker.current.bootstrap);
  assert.equal(md.controllerid, d.controllerId);
  assert.deepEqual(md.brokers.map((b) => b.id), d.brokers.map((b) => b.nodeId));
});
