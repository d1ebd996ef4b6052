/**
 * Partition reassignment on the in-process cluster, driven by kafkajs's admin
 * (alterPartitionReassignments / listPartitionReassignments, a client we did not write) and
 * by ours: a partition with data moves from brokers [0,1] to [1,2] while a producer writes;
 * afterwards broker 2 holds byte-identical data, broker 0 holds no directory for it, and every
 * record is there once, in order. A move that cannot finish is listed and cancelled.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import kafkajsModule from 'kafkajs';
import { Admin, Producer } from '@samsa/client';
import type { Cluster } from '@samsa/testing';
import { openClient, readAll } from '../client/fixture.js';
import { cluster, replicatedTopic, stateOf } from './fixture.js';

const { Kafka, logLevel } = kafkajsModule;

function kafkajsAdmin(t: { after(fn: () => unknown): void }, c: Cluster) {
  const kafka = new Kafka({ clientId: 'reassign-test', brokers: c.bootstrapServers.split(','), logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 100 } });
  const admin = kafka.admin();
  t.after(() => admin.disconnect());
  return admin;
}

function ourAdmin(t: { after(fn: () => unknown): void }, c: Cluster): Admin {
  const admin = new Admin({ 'bootstrap.servers': c.bootstrapServers });
  t.after(() => admin.close());
  return admin;
}

const replicasOf = (c: Cluster, topic: string): readonly number[] | undefined =>
  c.brokers.find((b) => b.status === 'running')!.broker.services.metadata.partition(topic, 0)?.replicas;

test('kafkajs alterPartitionReassignments moves a partition with data from [0,1] to [1,2] while our producer writes: identical bytes on 2, nothing left on 0', async (t) => {
  const c = await cluster(t);
  await replicatedTopic(c, 'moving', 2, {}, [0, 1]);
  const producer = new Producer({ 'bootstrap.servers': c.bootstrapServers, acks: 'all', 'enable.idempotence': true, 'linger.ms': 2 });
  t.after(() => producer.close(2_000));
  let sent = 0;
  let producing = true;
  const writer = (async () => {
    while (producing) await producer.send({ topic: 'moving', partition: 0, value: `m${sent++}` });
  })();
  await c.waitFor('100 records written', () => sent >= 100);

  const admin = kafkajsAdmin(t, c);
  await admin.connect();
  await admin.alterPartitionReassignments({ topics: [{ topic: 'moving', partitionAssignment: [{ partition: 0, replicas: [1, 2] }] }] });
  const done = await c.waitFor('moving-0 reassigned to [1,2]', async () => {
    const s = await c.partitionState('moving', 0);
    return replicasOf(c, 'moving')?.join() === '1,2' && s && !s.addingReplicas && !s.removingReplicas ? s : null;
  }, 15_000);
  const at = sent;
  await c.waitFor('100 more records written after the move', () => sent >= at + 100);
  producing = false;
  await writer;

  assert.equal(done.leader, 1, 'the old leader 0 is removed: the first of the new AR alive and in the ISR leads');
  assert.deepEqual([...done.isr].sort(), [1, 2]);
  const listed = await admin.listPartitionReassignments({ topics: [{ topic: 'moving', partitions: [0] }] });
  assert.deepEqual(listed.topics, []);
  await c.waitFor('broker 0 has deleted moving-0', () => !existsSync(join(c.broker(0).logDir, 'moving-0')));
  assert.equal(c.broker(0).broker.services.replicaManager.partition('moving', 0), null);
  let cmp = await c.compareReplicas('moving', 0);
  await c.waitFor('brokers 1 and 2 identical up to the HW', async () => {
    cmp = await c.compareReplicas('moving', 0);
    return cmp.identical.join() === '1,2' && cmp.highWatermark === sent;
  });
  assert.deepEqual(cmp.differing, []);
  const raw = await openClient(t, c.broker(1).port);
  const values = (await readAll(raw, 'moving', 0)).map((r) => r.value);
  assert.deepEqual(values, Array.from({ length: sent }, (_, i) => `m${i}`), 'every record once, in order');
});

test('a reassignment whose new replica cannot catch up is listed (kafkajs and ours) and cancelled back to the original replicas', async (t) => {
  const c = await cluster(t);
  await replicatedTopic(c, 'stalled', 2, {}, [0, 1]);
  const admin = ourAdmin(t, c);
  // Broker 2 cannot fetch: the reassignment waits for it.
  c.broker(2).cutPeers();
  const [started] = await admin.alterPartitionReassignments([{ topic: 'stalled', partition: 0, replicas: [1, 2] }]);
  assert.equal(started!.error, null, String(started!.error));
  assert.deepEqual(replicasOf(c, 'stalled'), [1, 2, 0], 'AR = target + removing while in progress');

  const kjs = kafkajsAdmin(t, c);
  await kjs.connect();
  const listed = await kjs.listPartitionReassignments({ topics: [{ topic: 'stalled', partitions: [0] }] });
  assert.deepEqual(listed.topics, [{ name: 'stalled', partitions: [{ partition: 0, replicas: [1, 2, 0], addingReplicas: [2], removingReplicas: [0] }] }]);
  assert.deepEqual(await admin.listPartitionReassignments(), [{ topic: 'stalled', partition: 0, replicas: [1, 2, 0], addingReplicas: [2], removingReplicas: [0] }]);
  const [described] = await admin.describeTopics(['stalled']);
  assert.deepEqual(described!.partitions[0]!.replicas, [1, 2, 0]);

  const [cancelled] = await admin.alterPartitionReassignments([{ topic: 'stalled', partition: 0, replicas: null }]);
  assert.equal(cancelled!.error, null, String(cancelled!.error));
  // As Kafka's revert: AR minus the replicas being added, in AR order (the original order is not kept).
  assert.deepEqual(replicasOf(c, 'stalled'), [1, 0]);
  const s = await stateOf(c, 'stalled');
  assert.equal(s.leader, 0);
  assert.equal(s.addingReplicas, undefined);
  assert.deepEqual(await admin.listPartitionReassignments(), []);
  await c.waitFor('broker 2 has deleted stalled-0', () => !existsSync(join(c.broker(2).logDir, 'stalled-0')));
  c.broker(2).restorePeers();

  const [none] = await admin.alterPartitionReassignments([{ topic: 'stalled', partition: 0, replicas: null }]);
  assert.equal(none!.error?.type, 'NO_REASSIGNMENT_IN_PROGRESS');
  for (const replicas of [[1, 1], [], [7]]) {
    const [invalid] = await admin.alterPartitionReassignments([{ topic: 'stalled', partition: 0, replicas }]);
    assert.equal(invalid!.error?.type, 'INVALID_REPLICA_ASSIGNMENT', `[${replicas}]`);
  }
  const [unknown] = await admin.alterPartitionReassignments([{ topic: 'nope', partition: 0, replicas: [0] }]);
  assert.equal(unknown!.error?.type, 'UNKNOWN_TOPIC_OR_PARTITION');
});
