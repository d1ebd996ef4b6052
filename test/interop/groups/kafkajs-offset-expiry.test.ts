/**
 * Offset expiry seen by a real client. A kafkajs consumer group consumes, commits and leaves;
 * kafkajs's admin lists it and describes it Empty with its offsets. Once
 * offsets.retention.minutes has passed since it emptied, the admin no longer lists it,
 * describes it Dead and fetches no offsets (-1), and a consumer that joins the group again
 * starts over by its auto.offset.reset (fromBeginning) rather than from the expired commits.
 *
 * Regression: before, the offsets expired but the group stayed listed (Empty, no offsets)
 * until the broker restarted. offsets.retention.minutes is at least 1, so this waits ~60 s.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startBrokerFor } from '../../helpers/broker-process.js';
import { waitFor } from '../../helpers/log-scan.js';
import { consumeInGroup, kafkaClient } from './group-helpers.js';

const OVERRIDES = { 'group.initial.rebalance.delay.ms': 0, 'offsets.retention.minutes': 1, 'offsets.retention.check.interval.ms': 500 };
const TOPIC = 'expiring';
const GROUP = 'expiring-group';
const RECORDS = 12;


test('kafkajs admin: an empty group whose offsets expired is no longer listed, described Dead, and has no offsets', { timeout: 180_000 }, async (t) => {
  const broker = await startBrokerFor(t, { overrides: OVERRIDES });
  const kafka = kafkaClient(broker.current.bootstrap, 'expiry-interop');
  const admin = kafka.admin();
  await admin.connect();
  t.after(() => admin.disconnect());
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 2 }] });
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: TOPIC, messages: Array.from({ length: RECORDS }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) });
  await producer.disconnect();

  assert.equal((await consumeInGroup(kafka, GROUP, TOPIC, RECORDS, 30_000)).length, RECORDS);
  const emptiedAt = Date.now();
  const committed = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
  assert.equal(committed[0]!.partitions.reduce((n, p) => n + Number(p.offset), 0), RECORDS, 'the group committed what it read');
  assert.deepEqual((await admin.listGroups()).groups, [{ groupId: GROUP, protocolType: 'consumer' }]);
  assert.equal((await admin.describeGroups([GROUP])).groups[0]!.state, 'Empty');

  await waitFor('the group to expire', 90_000, async () => ((await admin.listGroups()).groups.length === 0 ? true : undefined), 500);
  assert.ok(Date.now() - emptiedAt >= 59_000, 'it expired no earlier than offsets.retention.minutes after it emptied');
  const described = (await admin.describeGroups([GROUP])).groups[0]!;
  assert.deepEqual({ state: described.state, members: described.members.length }, { state: 'Dead', members: 0 });
  const after = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
  assert.deepEqual(after[0]!.partitions.map((p) => p.offset).sort(), ['-1', '-1']);

  // The commits are gone: a new consumer of the group starts from the beginning again.
  assert.equal((await consumeInGroup(kafka, GROUP, TOPIC, RECORDS, 30_000)).length, RECORDS, 'every record is read again');
  assert.deepEqual((await admin.listGroups()).groups, [{ groupId: GROUP, protocolType: 'consumer' }], 'the group exists again');
});
