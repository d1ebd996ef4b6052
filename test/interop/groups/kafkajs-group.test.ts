/**
 * A kafkajs consumer group against the broker process: it consumes everything, commits,
 * and after a broker restart the committed offsets are still there and a new consumer in
 * the group resumes after them (no committed record is delivered again).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import kafkajs from 'kafkajs';
import { removeDir, startBroker } from '../../helpers/broker-process.js';
import { consumeInGroup } from './group-helpers.js';

const { Kafka, logLevel } = kafkajs;
const OVERRIDES = { 'group.initial.rebalance.delay.ms': 0 };


test('kafkajs group: consume, commit, restart, resume after the commit', { timeout: 90_000 }, async (t) => {
  let broker = await startBroker({ overrides: OVERRIDES });
  const dataDir = broker.dataDir;
  const port = broker.port;
  t.after(async () => {
    await broker.kill();
    await removeDir(dataDir);
  });
  const kafka = new Kafka({ clientId: 'group-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 8, initialRetryTime: 100 } });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 3 }] });
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: 'orders', messages: Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: `first-${i}` })) });

  const first = await consumeInGroup(kafka, 'g1', 'orders', 30, 30_000);
  assert.deepEqual([...first].sort(), Array.from({ length: 30 }, (_, i) => `first-${i}`).sort());
  const committed = await admin.fetchOffsets({ groupId: 'g1', topics: ['orders'] });
  const total = committed[0]!.partitions.reduce((n, p) => n + Number(p.offset), 0);
  assert.equal(total, 30, 'the group committed every record it consumed');
  await producer.disconnect();
  await admin.disconnect();

  await broker.stop();
  broker = await startBroker({ dataDir, port, overrides: OVERRIDES });
  const admin2 = kafka.admin();
  await admin2.connect();
  const after = await admin2.fetchOffsets({ groupId: 'g1', topics: ['orders'] });
  assert.deepEqual(after, committed, 'commits survive a restart');
  const producer2 = kafka.producer();
  await producer2.connect();
  await producer2.send({ topic: 'orders', messages: Array.from({ length: 6 }, (_, i) => ({ key: `n${i}`, value: `second-${i}` })) });
  const second = await consumeInGroup(kafka, 'g1', 'orders', 6, 30_000);
  assert.deepEqual([...second].sort(), Array.from({ length: 6 }, (_, i) => `second-${i}`).sort(), 'only records after the commit are delivered');
  await producer2.disconnect();

  // The admin view of the (now empty) group, then its deletion.
  const listed = await admin2.listGroups();
  assert.deepEqual(listed.groups, [{ groupId: 'g1', protocolType: 'consumer' }]);
  const described = await admin2.describeGroups(['g1', 'never-existed']);
  assert.equal(described.groups[0]!.state, 'Empty');
  assert.equal(described.groups[0]!.protocolType, 'consumer');
  assert.equal(described.groups[1]!.state, 'Dead');
  await admin2.deleteGroups(['g1']);
  const gone = await admin2.fetchOffsets({ groupId: 'g1', topics: ['orders'] });
  assert.ok(gone[0]!.partitions.every((p) => p.offset === '-1'), 'deleting the group deletes its offsets');
  await admin2.disconnect();
});
