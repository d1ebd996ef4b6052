/**
 * What clients see of a replicated topic while a broker is down, and how they follow a
 * leader that moved: Metadata v1..v12 (our raw client), kcat -L and kafka-python list the
 * leaders, replicas, ISR and offline replicas; kafkajs and librdkafka producers that send to
 * a deposed leader get NOT_LEADER_OR_FOLLOWER, refresh their metadata and go on at the new one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import kafkajsModule from 'kafkajs';
import { Admin } from '@samsa/client';
import { ApiKey, ErrorCode, type Produce } from '@samsa/protocol';
import type { Cluster, ClusterBroker } from '@samsa/testing';
import { cluster, replicatedTopic } from './fixture.js';
import { openClient, readAll } from '../client/fixture.js';
import { kcatMetadata } from '../helpers/kcat.js';
import { runPython, startPython } from '../helpers/python.js';

const { Kafka, logLevel } = kafkajsModule;

/** A 3-partition RF=3 topic with every replica in every ISR, then broker 2 killed and gone from every ISR. */
async function withBrokerDown(t: Parameters<typeof cluster>[0], topic: string): Promise<Cluster> {
  const c = await cluster(t, { brokers: 3 });
  const admin = new Admin({ 'bootstrap.servers': c.bootstrapServers });
  t.after(() => admin.close());
  await admin.createTopics([{ topic, numPartitions: 3, replicationFactor: 3 }]);
  const states = async (): Promise<boolean[]> => Promise.all([0, 1, 2].map(async (i) => (await c.partitionState(topic, i))?.isr.length === 3));
  await c.waitFor('full ISRs', async () => (await states()).every(Boolean));
  await c.broker(2).kill();
  await c.waitFor('broker 2 out of the metadata, leaderships and ISRs', async () => {
    if (c.broker(0).broker.services.metadata.brokers.has(2)) return false;
    for (let i = 0; i < 3; i++) {
      const s = await c.partitionState(topic, i);
      if (!s || s.leader < 0 || s.leader === 2 || s.isr.includes(2)) return false;
    }
    return true;
  });
  return c;
}

test('Metadata v1..v12 while a broker is down: live leaders, all replicas, the shrunk ISR, the dead broker as offline replica (v5+)', async (t) => {
  const c = await withBrokerDown(t, 'md');
  const raw = await openClient(t, c.broker(0).port);
  for (let v = 1; v <= 12; v++) {
    const res = await raw.metadata(['md'], v < 4, v);
    assert.deepEqual(res.brokers.map((b) => b.nodeId).sort(), [0, 1], `v${v} brokers`);
    const topic = res.topics[0]!;
    assert.equal(topic.partitions.length, 3, `v${v} partitions`);
    for (const p of topic.partitions) {
      const state = (await c.partitionState('md', p.partitionIndex))!;
      const at = `v${v} md-${p.partitionIndex}`;
      assert.equal(p.errorCode, 0, at);
      assert.equal(p.leaderId, state.leader, `${at} leader`);
      assert.deepEqual([...p.replicaNodes].sort(), [0, 1, 2], `${at} replicas`);
      assert.deepEqual([...p.isrNodes].sort(), [...state.isr].sort(), `${at} isr`);
      assert.ok(!p.isrNodes.includes(2), `${at} isr without the dead broker`);
      if (v >= 5) assert.deepEqual(p.offlineReplicas, [2], `${at} offline replicas`);
      if (v >= 7) assert.equal(p.leaderEpoch, state.leaderEpoch, `${at} leader epoch`);
    }
  }
});

test('kcat -L and kafka-python while a broker is down: the dead broker is listed among the replicas, not the ISR (kafka-python: as offline replica)', async (t) => {
  const c = await withBrokerDown(t, 'md2');
  const md = await kcatMetadata(c.bootstrapServers, 'md2');
  assert.deepEqual(md.brokers.map((b) => b.id).sort(), [0, 1]);
  const listed = md.topics.find((x) => x.topic === 'md2')!;
  for (const p of listed.partitions) {
    assert.ok([0, 1].includes(p.leader), `kcat md2-${p.partition} leader ${p.leader}`);
    assert.deepEqual(p.replicas.map((r) => r.id).sort(), [0, 1, 2], `kcat md2-${p.partition} replicas`);
    assert.ok(!p.isrs.some((r) => r.id === 2), `kcat md2-${p.partition} isrs`);
  }
  const described = await runPython<Array<{ partition: number; leader: number; replicas: number[]; isr: number[]; offline_replicas: number[] }>>(
    `
    from kafka import KafkaAdminClient
    a = KafkaAdminClient(bootstrap_servers=ARGS['bootstrap'].split(','), request_timeout_ms=10000)
    t = a.describe_topics(['md2'])[0]
    emit([{k: p[k] for k in ('partition', 'leader', 'replicas', 'isr', 'offline_replicas')} for p in t['partitions']])
    a.close()
    `,
    { bootstrap: c.bootstrapServers },
    30_000,
    'kafka-python describe_topics',
  );
  assert.equal(described.length, 3);
  for (const p of described) {
    assert.ok([0, 1].includes(p.leader), `kafka-python md2-${p.partition} leader`);
    assert.deepEqual([...p.replicas].sort(), [0, 1, 2]);
    assert.ok(!p.isr.includes(2));
    assert.deepEqual(p.offline_replicas, [2], `kafka-python md2-${p.partition} offline replicas`);
  }
});

/**
 * Moves the leadership of `topic`-0 away from its leader while the leader stays up and its
 * clients stay connected: cut off (its lease expires, the controller elects a follower),
 * then healed (it learns it follows now). Clients that cached the old leader learn nothing.
 */
async function deposeLeader(c: Cluster, topic: string, leader: ClusterBroker): Promise<ClusterBroker> {
  const before = (await c.partitionState(topic, 0))!;
  leader.isolate();
  const moved = await c.waitFor(`a new leader of ${topic}-0`, async () => {
    const s = await c.partitionState(topic, 0);
    return s && s.leaderEpoch > before.leaderEpoch && s.leader >= 0 && s.leader !== leader.nodeId ? s : null;
  });
  leader.heal();
  await c.waitFor(`broker ${leader.nodeId} to follow ${topic}-0`, () => leader.broker.services.replicaManager.partition(topic, 0)?.role === 'follower');
  return c.broker(moved.leader);
}

/** Counts the NOT_LEADER_OR_FOLLOWER partition errors `b` answers to Produce. */
function countNotLeader(b: ClusterBroker): () => number {
  let n = 0;
  b.broker.services.faults.onResponse(ApiKey.Produce, (_key, response) => {
    for (const t of (response as Produce.ProduceResponse).responses) for (const p of t.partitionResponses) if (p.errorCode === ErrorCode.NOT_LEADER_OR_FOLLOWER) n++;
  });
  return () => n;
}

async function values(t: Parameters<typeof cluster>[0], b: ClusterBroker, topic: string): Promise<string[]> {
  const raw = await openClient(t, b.port);
  return (await readAll(raw, topic, 0)).map((r) => r.value!);
}

test('kafkajs producer: a send to the deposed leader gets NOT_LEADER_OR_FOLLOWER; it refreshes metadata and the record lands once at the new leader', async (t) => {
  const c = await cluster(t, { brokers: 3 });
  const { leader } = await replicatedTopic(c, 'nl-kjs', 3, { 'min.insync.replicas': '2' });
  const kafka = new Kafka({ clientId: 'nl', brokers: c.bootstrapServers.split(','), logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 1_000 } });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  t.after(() => producer.disconnect());
  await producer.send({ topic: 'nl-kjs', acks: -1, messages: [{ partition: 0, value: 'k0' }] });
  const next = await deposeLeader(c, 'nl-kjs', leader);
  const notLeader = countNotLeader(leader);
  const [sent] = await producer.send({ topic: 'nl-kjs', acks: -1, messages: [{ partition: 0, value: 'k1' }] });
  assert.ok(notLeader() >= 1, 'the old leader answered NOT_LEADER_OR_FOLLOWER');
  assert.equal(sent!.baseOffset, '1');
  await producer.disconnect();
  assert.deepEqual(await values(t, next, 'nl-kjs'), ['k0', 'k1']);
});

test('librdkafka producer (confluent-kafka): a produce to the deposed leader gets NOT_LEADER_OR_FOLLOWER; it refreshes metadata and delivers at the new leader', async (t) => {
  const c = await cluster(t, { brokers: 3 });
  const { leader } = await replicatedTopic(c, 'nl-rd', 3, { 'min.insync.replicas': '2' });
  const go = join(tmpdir(), `samsa-nl-go-${process.pid}-${Date.now()}`);
  const py = startPython(
    `
    import os
    from confluent_kafka import Producer
    p = Producer({'bootstrap.servers': ARGS['bootstrap'], 'acks': 'all', 'linger.ms': 0, 'retry.backoff.ms': 50, 'message.timeout.ms': 20000})
    reports = []
    def cb(err, msg):
        reports.append({'value': dec(msg.value()), 'offset': msg.offset(), 'error': None if err is None else str(err)})
    p.produce('nl-rd', value=enc('r0'), partition=0, on_delivery=cb)
    p.flush(20)
    emit({'phase': 1})
    while not os.path.exists(ARGS['go']):
        p.poll(0.02)
    p.produce('nl-rd', value=enc('r1'), partition=0, on_delivery=cb)
    p.flush(20)
    emit({'reports': reports})
    `,
    { bootstrap: c.bootstrapServers, go },
    60_000,
    'confluent-kafka producer',
  );
  t.after(async () => {
    if (!py.exited) py.child.kill('SIGKILL');
    await rm(go, { force: true });
  });
  await py.waitFor('stdout', /"phase": 1/, 20_000, 'the first delivery');
  const next = await deposeLeader(c, 'nl-rd', leader);
  const notLeader = countNotLeader(leader);
  await writeFile(go, '');
  const out = JSON.parse((await py.output()).trim().split('\n').pop()!) as { reports: Array<{ value: string; offset: number; error: string | null }> };
  assert.deepEqual(out.reports, [
    { value: 'r0', offset: 0, error: null },
    { value: 'r1', offset: 1, error: null },
  ]);
  assert.ok(notLeader() >= 1, 'the old leader answered NOT_LEADER_OR_FOLLOWER');
  assert.deepEqual(await values(t, next, 'nl-rd'), ['r0', 'r1']);
});
