/**
 * Interop: what kcat (librdkafka) produces with each codec we read whole, headers and null
 * keys/values included; and a group mixing our consumer with a kafkajs consumer, both with
 * kafkajs's RoundRobinAssigner protocol, splits a topic with no overlap and reads everything.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs from 'kafkajs';
import { kcatProduce } from '../helpers/kcat.js';
import { consumerFor, FAST_GROUP, groupBroker, pollUntil, produceNumbered, waitFor } from './consumer-fixture.js';

const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;

test('records kcat produced with each codec are read whole: keys, values, nulls and headers', { timeout: 120_000 }, async (t) => {
  const broker = await groupBroker(t);
  const bootstrap = broker.current.bootstrap;
  for (const codec of CODECS) {
    const topic = `kcat-${codec}`;
    // kcat -Z sends an empty key or value as null.
    const lines = Array.from({ length: 100 }, (_, i) => `${i % 4 === 0 ? '' : `key-${i}`}:${i % 7 === 3 ? '' : `value-${i}-${'z'.repeat(i % 30)}`}`);
    await kcatProduce(bootstrap, { topic, partition: 0, lines, keyed: true, codec, headers: [['codec', codec], ['h2', 'x']] });
    const c = consumerFor(t, { 'bootstrap.servers': bootstrap, 'auto.offset.reset': 'earliest', ...FAST_GROUP });
    c.assign([{ topic, partition: 0 }]);
    const got = await pollUntil(c, (a) => a.length >= 100, 20_000, `${codec} records`);
    assert.equal(got.length, 100, codec);
    got.forEach((r, i) => {
      assert.equal(r.offset, i);
      assert.equal(r.key?.toString() ?? null, i % 4 === 0 ? null : `key-${i}`, `${codec} key ${i}`);
      assert.equal(r.value?.toString() ?? null, i % 7 === 3 ? null : `value-${i}-${'z'.repeat(i % 30)}`, `${codec} value ${i}`);
      assert.deepEqual(r.headers.map((h) => [h.key, h.value?.toString() ?? null]), [['codec', codec], ['h2', 'x']]);
    });
    await c.close();
  }
});

test('a group of our consumer and a kafkajs consumer (RoundRobinAssigner) splits the partitions with no overlap and reads everything', { timeout: 120_000 }, async (t) => {
  const broker = await groupBroker(t, { 'num.partitions': 4 });
  const bootstrap = broker.current.bootstrap;
  await produceNumbered(bootstrap, 'mixed', 200, { partitions: 4 });
  const ours = consumerFor(t, { 'bootstrap.servers': bootstrap, 'group.id': 'mixed', 'auto.offset.reset': 'earliest', 'partition.assignment.strategy': 'RoundRobinAssigner', ...FAST_GROUP });
  ours.subscribe(['mixed']);
  const kafka = new kafkajs.Kafka({ clientId: 'kjs', brokers: [bootstrap], logLevel: kafkajs.logLevel.NOTHING });
  const theirs = kafka.consumer({ groupId: 'mixed', sessionTimeout: 6000, heartbeatInterval: 300 });
  t.after(() => theirs.disconnect());
  await theirs.connect();
  await theirs.subscribe({ topic: 'mixed', fromBeginning: true });
  const theirRecords: Array<{ partition: number; value: string; assigned: number[] }> = [];
  let theirAssignment: number[] = [];
  theirs.on(theirs.events.GROUP_JOIN, (e) => (theirAssignment = [...(e.payload.memberAssignment['mixed'] ?? [])].sort()));
  // kafkajs may join first and read from all four partitions before the rebalance that splits
  // them: each record is checked against the assignment kafkajs held when it read it.
  void theirs.run({ eachMessage: async ({ partition, message }) => void theirRecords.push({ partition, value: message.value!.toString(), assigned: theirAssignment }) });
  const ourRecords: string[] = [];
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && !(ours.assignment().length === 2 && theirAssignment.length === 2 && ourRecords.length + theirRecords.length >= 200)) {
    ourRecords.push(...(await ours.poll(100)).map((r) => r.value!.toString()));
  }
  const mine = ours.assignment().map((tp) => tp.partition).sort();
  assert.equal(mine.length, 2, `ours holds two partitions (${mine})`);
  assert.deepEqual([...mine, ...theirAssignment].sort(), [0, 1, 2, 3], `no overlap (ours ${mine}, kafkajs ${theirAssignment})`);
  await waitFor(() => new Set([...ourRecords, ...theirRecords.map((r) => r.value)]).size === 200, 10_000, 'all 200 records');
  assert.ok(theirRecords.every((r) => r.assigned.includes(r.partition)), 'kafkajs read only partitions it was assigned at the time');
  await theirs.disconnect();
  await ours.close();
});
