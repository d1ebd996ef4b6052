/**
 * The admin client against the broker process: topic and broker settings (describe with
 * synonyms, incremental alter, whole-set alter, their per-resource errors), and partition
 * offsets (earliest, latest, max-timestamp, by timestamp; deleteRecords moving the log start).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Admin } from '@samsa/client';
import { startBrokerFor } from '../helpers/broker-process.js';
import { producerFor } from './fixture.js';

function adminFor(t: { after(fn: () => unknown): void }, bootstrap: string): Admin {
  const admin = new Admin({ 'bootstrap.servers': bootstrap, 'default.api.timeout.ms': 30_000 });
  t.after(() => admin.close());
  return admin;
}

test('describeConfigs, incrementalAlterConfigs (set, delete, append, subtract) and alterConfigs on a topic; a broker described by id', { timeout: 60_000 }, async (t) => {
  const broker = await startBrokerFor(t);
  const admin = adminFor(t, broker.current.bootstrap);
  await admin.createTopics([{ topic: 'cfg', numPartitions: 1, configs: { 'retention.ms': '1000000' } }]);
  const setting = async (name: string) => (await admin.describeConfigs([{ type: 'topic', name: 'cfg' }], { configNames: [name], includeSynonyms: true }))[0]!.configs[0]!;

  const retention = await setting('retention.ms');
  assert.equal(retention.value, '1000000');
  assert.equal(retention.source, 'DYNAMIC_TOPIC_CONFIG');
  assert.equal(retention.isDefault, false);
  assert.equal(retention.type, 'LONG');
  assert.ok(retention.synonyms.some((s) => s.name === 'log.retention.ms'), 'the broker setting it overrides is a synonym');

  const changed = await admin.incrementalAlterConfigs([
    { type: 'topic', name: 'cfg', ops: [{ name: 'cleanup.policy', op: 'append', value: 'compact' }, { name: 'retention.ms', op: 'delete' }, { name: 'max.message.bytes', op: 'set', value: '2000000' }] },
    { type: 'topic', name: 'absent', ops: [{ name: 'retention.ms', op: 'set', value: '1' }] },
  ]);
  assert.equal(changed[0]!.error, null);
  assert.equal(changed[1]!.error?.type, 'UNKNOWN_TOPIC_OR_PARTITION');
  assert.equal((await setting('cleanup.policy')).value, 'delete,compact');
  assert.equal((await setting('retention.ms')).source, 'DEFAULT_CONFIG');
  assert.equal((await setting('max.message.bytes')).value, '2000000');
  await admin.incrementalAlterConfigs([{ type: 'topic', name: 'cfg', ops: [{ name: 'cleanup.policy', op: 'subtract', value: 'delete' }] }]);
  assert.equal((await setting('cleanup.policy')).value, 'compact');

  const [bad] = await admin.incrementalAlterConfigs([{ type: 'topic', name: 'cfg', ops: [{ name: 'no.such.setting', op: 'set', value: '1' }] }]);
  assert.equal(bad!.error?.type, 'INVALID_CONFIG');
  const [notList] = await admin.incrementalAlterConfigs([{ type: 'topic', name: 'cfg', ops: [{ name: 'retention.ms', op: 'append', value: '5' }] }]);
  assert.equal(notList!.error?.type, 'INVALID_CONFIG');

  // alterConfigs replaces the whole set: what is not named goes back to its default.
  const [replaced] = await admin.alterConfigs([{ type: 'topic', name: 'cfg', configs: { 'retention.ms': '5000' } }]);
  assert.equal(replaced!.error, null);
  assert.equal((await setting('retention.ms')).value, '5000');
  assert.equal((await setting('max.message.bytes')).source, 'DEFAULT_CONFIG');

  const nodeId = (await admin.describeCluster()).brokers[0]!.nodeId;
  const [brokerConfig, unknownTopic] = await admin.describeConfigs([{ type: 'broker', name: String(nodeId) }, { type: 'topic', name: 'absent' }]);
  assert.equal(brokerConfig!.error, null);
  assert.ok(brokerConfig!.configs.some((c) => c.name === 'log.retention.ms'), 'broker settings by their Kafka names');
  assert.equal(unknownTopic!.error?.type, 'UNKNOWN_TOPIC_OR_PARTITION');
});

test('listOffsets (earliest, latest, max-timestamp, by timestamp) and deleteRecords', { timeout: 60_000 }, async (t) => {
  const broker = await startBrokerFor(t);
  const admin = adminFor(t, broker.current.bootstrap);
  await admin.createTopics([{ topic: 'offs', numPartitions: 2 }]);
  const producer = producerFor(t, { 'bootstrap.servers': broker.current.bootstrap });
  const base = Date.now() - 100_000;
  // Partition 0: ten records, timestamps base + 1000 * i, except record 7, the largest.
  for (let i = 0; i < 10; i++) await producer.send({ topic: 'offs', partition: 0, value: `v${i}`, timestamp: i === 7 ? base + 50_000 : base + 1000 * i });

  const listed = await admin.listOffsets([
    { topic: 'offs', partition: 0, spec: 'earliest' },
    { topic: 'offs', partition: 1, spec: 'latest' },
  ]);
  assert.deepEqual(listed.map((o) => [o.partition, o.offset, o.error]), [[0, 0, null], [1, 0, null]]);
  const [latest] = await admin.listOffsets([{ topic: 'offs', partition: 0, spec: 'latest' }]);
  assert.equal(latest!.offset, 10);
  const [max] = await admin.listOffsets([{ topic: 'offs', partition: 0, spec: 'max-timestamp' }]);
  assert.deepEqual([max!.offset, max!.timestamp], [7, base + 50_000]);
  const [byTime] = await admin.listOffsets([{ topic: 'offs', partition: 0, spec: { timestamp: base + 2500 } }]);
  assert.deepEqual([byTime!.offset, byTime!.timestamp], [3, base + 3000], 'the first record at or after the time');
  const [after] = await admin.listOffsets([{ topic: 'offs', partition: 0, spec: { timestamp: base + 60_000 } }]);
  assert.equal(after!.offset, -1, 'no record that late');
  const [unknown] = await admin.listOffsets([{ topic: 'offs', partition: 9, spec: 'latest' }]);
  assert.equal(unknown!.error?.type, 'UNKNOWN_TOPIC_OR_PARTITION');

  const deleted = await admin.deleteRecords([{ topic: 'offs', partition: 0, beforeOffset: 4 }, { topic: 'offs', partition: 1, beforeOffset: -1 }]);
  assert.deepEqual(deleted.map((d) => [d.partition, d.lowWatermark, d.error]), [[0, 4, null], [1, 0, null]]);
  const [start] = await admin.listOffsets([{ topic: 'offs', partition: 0, spec: 'earliest' }]);
  assert.equal(start!.offset, 4);
  const [past] = await admin.deleteRecords([{ topic: 'offs', partition: 0, beforeOffset: 99 }]);
  assert.equal(past!.error?.type, 'OFFSET_OUT_OF_RANGE');
});
