/**
 * The admin client's group calls against the broker process, with kafka-python 2.0.2 (a
 * client we did not write) as the group's consumer:
 *  1. kafka-python consumes and commits; our admin lists and describes the group and reads
 *     its committed offsets and lag.
 *  2. While a kafka-python member is active, describeGroups decodes its subscription and
 *     assignment, and resetting offsets is refused (GROUP_NOT_EMPTY).
 *  3. Once it has left, a dry run changes nothing; a real reset moves the offsets, and a
 *     kafka-python consumer of the group then starts exactly there.
 *  4. deleteConsumerGroupOffsets and deleteGroups.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Admin, SamsaClientError } from '@samsa/client';
import { startBrokerFor } from '../helpers/broker-process.js';
import { killChildren } from '../helpers/child-process.js';
import { lastJsonLine, startPython } from '../helpers/python.js';
import { producerFor } from './fixture.js';

after(killChildren);

const TOPIC = 'admin-groups';
const GROUP = 'admin-kp';
const PARTITIONS = 3;
const TEST_TIMEOUT_MS = 120_000;

/** A kafka-python group member: reads `count` records (or until SIGTERM), commits, leaves. */
const MEMBER = `
import signal
from kafka import KafkaConsumer
stop = False
def on_term(signum, frame):
    global stop
    stop = True
signal.signal(signal.SIGTERM, on_term)
c = KafkaConsumer(bootstrap_servers=ARGS['bootstrap'], group_id=ARGS['group'], client_id=ARGS['label'],
                  enable_auto_commit=False, auto_offset_reset='earliest',
                  session_timeout_ms=10000, heartbeat_interval_ms=300, fetch_max_wait_ms=100)
c.subscribe([ARGS['topic']])
out = []
announced = False
deadline = time.time() + ARGS['timeoutS']
while not stop and time.time() < deadline and (ARGS['count'] is None or len(out) < ARGS['count']):
    limit = 500 if ARGS['count'] is None else ARGS['count'] - len(out)
    for tp, batch in c.poll(timeout_ms=100, max_records=limit).items():
        for m in batch:
            out.append([m.partition, m.offset])
    if not announced and c.assignment():
        announced = True
        emit({'assigned': sorted(tp.partition for tp in c.assignment())})
c.commit()
emit({'done': True, 'records': out})
c.close()
`;

function member(bootstrap: string, label: string, count: number | null) {
  return startPython(MEMBER, { bootstrap, group: GROUP, topic: TOPIC, label, count, timeoutS: TEST_TIMEOUT_MS / 1000 - 20 }, TEST_TIMEOUT_MS, `kafka-python member ${label}`);
}

async function records(run: ReturnType<typeof member>): Promise<Array<[number, number]>> {
  return lastJsonLine<{ records: Array<[number, number]> }>(await run.output(), run.options.what).records;
}

test('groups consumed by kafka-python: list, describe, offsets and lag, reset (refused while active, dry run, then where kafka-python starts), delete', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const broker = await startBrokerFor(t, { overrides: { 'group.initial.rebalance.delay.ms': 0 } });
  const bootstrap = broker.current.bootstrap;
  const admin = new Admin({ 'bootstrap.servers': bootstrap, 'default.api.timeout.ms': 30_000 });
  t.after(() => admin.close());
  await admin.createTopics([{ topic: TOPIC, numPartitions: PARTITIONS }]);
  const producer = producerFor(t, { 'bootstrap.servers': bootstrap });
  const produce = async (perPartition: number) => {
    for (let p = 0; p < PARTITIONS; p++) for (let i = 0; i < perPartition; i++) await producer.send({ topic: TOPIC, partition: p, value: `p${p}-${i}` });
  };

  // 1. kafka-python reads all 30 and commits; 2 more per partition are then its lag.
  await produce(10);
  assert.equal((await records(member(bootstrap, 'first', 30))).length, 30);
  await produce(2);
  const listed = (await admin.listGroups()).find((g) => g.groupId === GROUP);
  assert.deepEqual(listed && [listed.protocolType, listed.state], ['consumer', 'Empty']);
  assert.deepEqual((await admin.listGroups({ states: ['Stable'] })).map((g) => g.groupId), []);
  const lag = await admin.listConsumerGroupOffsets(GROUP);
  assert.deepEqual(lag.map((o) => [o.topic, o.partition, o.offset, o.logEndOffset, o.lag, o.error]), [0, 1, 2].map((p) => [TOPIC, p, 10, 12, 2, null]));

  // 2. An active member: described with its decoded subscription and assignment; no reset.
  const active = member(bootstrap, 'active', null);
  await active.waitFor('stdout', /"assigned"/, 30_000, 'the kafka-python member to be assigned its partitions');
  const [described] = await admin.describeGroups([GROUP]);
  assert.equal(described!.state, 'Stable');
  assert.equal(described!.protocolType, 'consumer');
  assert.equal(described!.members.length, 1);
  const m = described!.members[0]!;
  assert.equal(m.clientId, 'active');
  assert.deepEqual(m.subscription?.topics, [TOPIC]);
  assert.deepEqual(m.assignment?.partitions, [{ topic: TOPIC, partitions: [0, 1, 2] }]);
  await assert.rejects(admin.resetConsumerGroupOffsets(GROUP, { topic: TOPIC, to: 'earliest' }), (e: unknown) => e instanceof SamsaClientError && e.code === 'GROUP_NOT_EMPTY' && /Stable with 1 member/.test(e.message));
  active.child.kill('SIGTERM');
  await records(active);

  // 3. A dry run computes and commits nothing; a reset commits, and kafka-python starts there.
  const dry = await admin.resetConsumerGroupOffsets(GROUP, { topic: TOPIC, to: 'earliest' }, { dryRun: true });
  assert.deepEqual(dry.map((r) => [r.partition, r.previousOffset, r.offset]), [[0, 12, 0], [1, 12, 0], [2, 12, 0]]);
  assert.deepEqual((await admin.listConsumerGroupOffsets(GROUP)).map((o) => o.offset), [12, 12, 12], 'the dry run committed nothing');
  const shifted = await admin.resetConsumerGroupOffsets(GROUP, { topic: TOPIC, to: { shiftBy: -5 } });
  assert.deepEqual(shifted.map((r) => [r.partition, r.offset, r.error]), [[0, 7, null], [1, 7, null], [2, 7, null]]);
  const [p0] = await admin.resetConsumerGroupOffsets(GROUP, { topic: TOPIC, partitions: [0], to: { offset: 3 } });
  assert.deepEqual([p0!.partition, p0!.previousOffset, p0!.offset], [0, 7, 3]);
  const [clamped] = await admin.resetConsumerGroupOffsets(GROUP, { topic: TOPIC, partitions: [1], to: { offset: 1000 } }, { dryRun: true });
  assert.equal(clamped!.offset, 12, 'an offset past the log end is clamped to it, as Kafka tool does');
  await assert.rejects(admin.resetConsumerGroupOffsets(GROUP, { topic: 'no-such-topic', to: 'latest' }), (e: unknown) => e instanceof SamsaClientError && e.code === 'KAFKA_ERROR' && /UNKNOWN_TOPIC_OR_PARTITION/.test(e.message));

  const read = await records(member(bootstrap, 'after-reset', 9 + 5 + 5));
  const firstOffset = (p: number) => Math.min(...read.filter((r) => r[0] === p).map((r) => r[1]));
  assert.deepEqual([0, 1, 2].map(firstOffset), [3, 7, 7], 'kafka-python resumes exactly at the reset offsets');
  assert.equal(read.length, 19);

  // 4. Delete one partition's offsets, then the group.
  const [offDeleted] = await admin.deleteConsumerGroupOffsets(GROUP, [{ topic: TOPIC, partition: 0 }]);
  assert.equal(offDeleted!.error, null);
  assert.deepEqual((await admin.listConsumerGroupOffsets(GROUP)).map((o) => o.partition), [1, 2]);
  const [deleted, missing] = await admin.deleteGroups([GROUP, 'no-such-group']);
  assert.equal(deleted!.error, null);
  assert.equal(missing!.error?.type, 'GROUP_ID_NOT_FOUND');
  assert.equal((await admin.describeGroups([GROUP]))[0]!.state, 'Dead');
});
