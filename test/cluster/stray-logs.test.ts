/**
 * Stray partition directories: a broker that was down while its topic was deleted (and
 * perhaps created again by the same name), or while a reassignment moved its replica away,
 * deletes the directory when it starts again (replication/stray-logs.ts), and a recreated
 * topic starts empty on every replica. The metadata changes are made by kafkajs's admin.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import kafkajsModule from 'kafkajs';
import type { Cluster, ClusterBroker } from '@samsa/testing';
import { openClient, readAll } from '../client/fixture.js';
import { cluster } from './fixture.js';

const { Kafka, logLevel } = kafkajsModule;

function kafkajs(t: { after(fn: () => unknown): void }, c: Cluster) {
  const kafka = new Kafka({ clientId: 'stray-test', brokers: c.bootstrapServers.split(','), logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 1_000 } });
  const admin = kafka.admin();
  // Not idempotent: kafkajs would carry its sequence of the deleted topic's partition over to the new one.
  const producer = kafka.producer();
  t.after(async () => {
    await producer.disconnect();
    await admin.disconnect();
  });
  return { admin, producer };
}

async function createAndFill(c: Cluster, k: ReturnType<typeof kafkajs>, topic: string, replicas: number[], values: string[]): Promise<void> {
  await k.admin.createTopics({ topics: [{ topic, replicaAssignment: [{ partition: 0, replicas }] }], waitForLeaders: true });
  await c.waitFor(`every replica of ${topic}-0 in the ISR`, async () => (await c.partitionState(topic, 0))?.isr.length === replicas.length, 15_000);
  await k.producer.send({ topic, acks: -1, messages: values.map((value) => ({ partition: 0, value })) });
  await c.waitFor(`every replica of ${topic}-0 holding ${values.length} records`, () =>
    replicas.every((id) => c.broker(id).broker.services.replicaManager.partition(topic, 0)?.logEndOffset === values.length),
  );
}

async function dirsOf(b: ClusterBroker): Promise<string[]> {
  await b.broker.services.replicaManager.deleter.settled();
  return (await readdir(b.logDir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
}

const gone = (c: Cluster, topic: string) => async () => (await c.partitionState(topic, 0)) === null && c.brokers.every((b) => b.status !== 'running' || b.broker.services.metadata.topic(topic) === null);

test('topics deleted while a broker was down: on restart their directories are deleted, and a topic recreated by the same name is empty on every replica', { timeout: 60_000 }, async (t) => {
  const c = await cluster(t, { brokers: 3 });
  const k = kafkajs(t, c);
  await k.admin.connect();
  await k.producer.connect();
  await createAndFill(c, k, 'gone', [0, 1, 2], ['g0', 'g1', 'g2']);
  await createAndFill(c, k, 'again', [0, 1, 2], ['a0', 'a1', 'a2']);
  const down = c.broker(2);
  await down.stop();

  await k.admin.deleteTopics({ topics: ['gone', 'again'] });
  await c.waitFor('both topics gone from the metadata', async () => (await gone(c, 'gone')()) && (await gone(c, 'again')()));
  // 'again' comes back (a new topic id) while broker 2 is down, on the live brokers (Kafka
  // refuses an assignment naming a broker that is not registered).
  await k.admin.createTopics({ topics: [{ topic: 'again', replicaAssignment: [{ partition: 0, replicas: [0, 1] }] }], waitForLeaders: true });
  assert.ok(existsSync(join(down.logDir, 'gone-0')) && existsSync(join(down.logDir, 'again-0')), 'the stopped broker still holds both directories');
  // What a crash in the middle of a deletion leaves, and a directory that cannot be told stray.
  const leftover = join(down.logDir, 'older-0.0123456789abcdef0123456789abcdef-delete');
  await mkdir(leftover);
  await writeFile(join(leftover, '00000000000000000000.log'), 'x');
  await mkdir(join(down.logDir, 'unknown-0'));

  await down.start();
  const dirs = await dirsOf(down);
  assert.ok(!dirs.includes('gone-0') && !dirs.includes('again-0'), `gone-0 and the old again-0 deleted: ${dirs.join(' ')}`);
  assert.ok(!dirs.some((d) => d.endsWith('-delete')), `no -delete directory left: ${dirs.join(' ')}`);
  assert.ok(dirs.includes('unknown-0'), 'a directory without partition.metadata is kept');

  // 'gone' created again on all three: every replica starts empty and holds only the new record.
  await createAndFill(c, k, 'gone', [0, 1, 2], ['new']);
  for (const b of c.brokers) {
    const p = b.broker.services.replicaManager.partition('gone', 0)!;
    assert.deepEqual([p.logStartOffset, p.logEndOffset], [0, 1], `broker ${b.nodeId}`);
    if (p.role === 'leader') assert.deepEqual((await readAll(await openClient(t, b.port), 'gone', 0)).map((r) => r.value), ['new']);
  }
  await c.waitFor('gone-0 identical on all replicas', async () => (await c.compareReplicas('gone', 0)).identical.length === 3);
  const offsets = await k.admin.fetchTopicOffsets('gone');
  assert.deepEqual(offsets.map((o) => [o.low, o.high]), [['0', '1']]);
});

test('a reassignment done while a broker was down: on restart the broker deletes the replica it no longer holds', { timeout: 60_000 }, async (t) => {
  const c = await cluster(t, { brokers: 3 });
  const k = kafkajs(t, c);
  await k.admin.connect();
  await k.producer.connect();
  await createAndFill(c, k, 'moved', [0, 1], ['m0', 'm1']);
  const down = c.broker(1);
  await down.stop();

  await k.admin.alterPartitionReassignments({ topics: [{ topic: 'moved', partitionAssignment: [{ partition: 0, replicas: [0, 2] }] }] });
  await c.waitFor('moved-0 reassigned to [0,2]', async () => {
    const s = await c.partitionState('moved', 0);
    return c.broker(0).broker.services.metadata.partition('moved', 0)?.replicas.join() === '0,2' && s && !s.addingReplicas && !s.removingReplicas;
  }, 15_000);
  assert.ok(existsSync(join(down.logDir, 'moved-0')), 'the stopped broker still holds the directory');

  await down.start();
  assert.ok(!(await dirsOf(down)).includes('moved-0'), 'deleted at startup');
  assert.equal(down.broker.services.replicaManager.partition('moved', 0), null);
  const raw = await openClient(t, c.broker(2).port);
  await c.waitFor('broker 2 holding both records', () => c.broker(2).broker.services.replicaManager.partition('moved', 0)?.logEndOffset === 2);
  const s = await c.partitionState('moved', 0);
  if (s?.leader === 2) assert.deepEqual((await readAll(raw, 'moved', 0)).map((r) => r.value), ['m0', 'm1']);
});
