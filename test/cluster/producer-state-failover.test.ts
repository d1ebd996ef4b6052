/**
 * Producer state moves with partition leadership: followers record idempotent batches as
 * they copy them (Partition.appendAsFollower), so a follower that takes over deduplicates a
 * producer's retry of a batch the old leader had replicated but never acknowledged.
 *
 * The case is forced: the leader's Produce responses are held (FaultHooks), the batch
 * reaches every follower, the leader is killed, and the producer's retry goes to the new
 * leader, which must answer with the original offset and write nothing. Our producer and
 * librdkafka (python3-confluent-kafka, enable.idempotence=true) each run it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Producer } from '@samsa/client';
import { ApiKey } from '@samsa/protocol';
import type { Cluster, ClusterBroker } from '@samsa/testing';
import { cluster, replicatedTopic } from './fixture.js';
import { openClient, readAll } from '../client/fixture.js';
import { startPython } from '../helpers/python.js';

/** Holds every Produce response of `b` until the test ends (the broker is killed before). */
function holdProduceResponses(t: { after(fn: () => unknown): void }, b: ClusterBroker): void {
  const release: Array<() => void> = [];
  b.broker.services.faults.onResponse(ApiKey.Produce, () => new Promise<void>((resolve) => release.push(resolve)));
  t.after(() => {
    for (const r of release) r();
  });
}

async function waitReplicated(c: Cluster, followers: readonly ClusterBroker[], topic: string, logEndOffset: number): Promise<void> {
  await c.waitFor(`every follower of ${topic}-0 to hold ${logEndOffset} records`, () =>
    followers.every((f) => (f.broker.services.replicaManager.partition(topic, 0)?.logEndOffset ?? 0) >= logEndOffset),
  );
}

async function logValues(t: { after(fn: () => unknown): void }, c: Cluster, topic: string): Promise<string[]> {
  const state = await c.waitFor(`a live leader of ${topic}-0`, async () => {
    const s = await c.partitionState(topic, 0);
    return s && s.leader >= 0 && c.broker(s.leader).status === 'running' ? s : null;
  });
  const raw = await openClient(t, c.broker(state.leader).port);
  return (await readAll(raw, topic, 0)).map((r) => r.value!);
}

test('our idempotent producer: the leader replicates a batch and dies before answering; the new leader answers the retry with the original offset and one copy is in the log', async (t) => {
  const c = await cluster(t, { brokers: 3 });
  const { leader, followers } = await replicatedTopic(c, 'idem', 3, { 'min.insync.replicas': '2' });
  const producer = new Producer({ 'bootstrap.servers': c.bootstrapServers, acks: 'all', 'linger.ms': 0, 'retry.backoff.ms': 50, 'request.timeout.ms': 5_000 });
  t.after(() => producer.close(2_000));
  assert.equal((await producer.send({ topic: 'idem', partition: 0, value: 'a0' })).offset, 0);

  holdProduceResponses(t, leader);
  const pending = producer.send({ topic: 'idem', partition: 0, value: 'a1' });
  await waitReplicated(c, followers, 'idem', 2);
  const newLeaderTable = followers[0]!.broker.services.replicaManager.partition('idem', 0)!.producerState;
  assert.equal(newLeaderTable.producers.size, 1, 'the followers know the producer from its replicated batches');
  await leader.kill();

  assert.equal((await pending).offset, 1, 'the retry got the offset the old leader had written');
  assert.equal((await producer.send({ topic: 'idem', partition: 0, value: 'a2' })).offset, 2, 'the sequence goes on');
  assert.deepEqual(await logValues(t, c, 'idem'), ['a0', 'a1', 'a2'], 'one copy each, in order');
});

test('producer state rebuilt from the log: followers that copied the unacknowledged batch crash and restart, one of them takes over and still deduplicates the retry', async (t) => {
  const c = await cluster(t, { brokers: 3 });
  const { leader, followers } = await replicatedTopic(c, 'idem-rebuilt', 3, { 'min.insync.replicas': '2' });
  const producer = new Producer({ 'bootstrap.servers': c.bootstrapServers, acks: 'all', 'linger.ms': 0, 'retry.backoff.ms': 50, 'request.timeout.ms': 30_000, 'delivery.timeout.ms': 60_000 });
  t.after(() => producer.close(2_000));
  assert.equal((await producer.send({ topic: 'idem-rebuilt', partition: 0, value: 'b0' })).offset, 0);
  holdProduceResponses(t, leader);
  const pending = producer.send({ topic: 'idem-rebuilt', partition: 0, value: 'b1' });
  await waitReplicated(c, followers, 'idem-rebuilt', 2);
  // A crash leaves no snapshot newer than the batch: each follower's table comes from the log.
  for (const f of followers) {
    await f.kill();
    await f.restart();
    const p = f.broker.services.replicaManager.partition('idem-rebuilt', 0);
    assert.equal(p?.producerState.producers.size, 1, `broker ${f.nodeId} rebuilt the producer from its log`);
    await c.waitFor(`broker ${f.nodeId} back in the ISR`, async () => (await c.partitionState('idem-rebuilt', 0))?.isr.includes(f.nodeId));
  }
  await leader.kill();
  assert.equal((await pending).offset, 1, 'the retry got the original offset');
  assert.equal((await producer.send({ topic: 'idem-rebuilt', partition: 0, value: 'b2' })).offset, 2);
  assert.deepEqual(await logValues(t, c, 'idem-rebuilt'), ['b0', 'b1', 'b2'], 'one copy each, in order');
});

test('librdkafka (confluent-kafka, enable.idempotence=true): its retry of a replicated, unacknowledged batch is deduplicated by the new leader', async (t) => {
  const c = await cluster(t, { brokers: 3 });
  const { leader, followers } = await replicatedTopic(c, 'idem-rd', 3, { 'min.insync.replicas': '2' });
  const go = join(tmpdir(), `samsa-idem-go-${process.pid}-${Date.now()}`);
  const py = startPython(
    `
    import os
    from confluent_kafka import Producer
    p = Producer({'bootstrap.servers': ARGS['bootstrap'], 'enable.idempotence': True, 'acks': 'all', 'linger.ms': 0,
                  'retry.backoff.ms': 50, 'socket.timeout.ms': 5000, 'message.timeout.ms': 30000})
    reports = []
    def cb(err, msg):
        reports.append({'value': dec(msg.value()), 'offset': msg.offset(), 'error': None if err is None else str(err)})
    p.produce('idem-rd', value=enc('p0'), partition=0, on_delivery=cb)
    p.flush(20)
    emit({'phase': 1})
    while not os.path.exists(ARGS['go']):
        time.sleep(0.02)
    p.produce('idem-rd', value=enc('p1'), partition=0, on_delivery=cb)
    emit({'phase': 2})
    p.flush(30)
    p.produce('idem-rd', value=enc('p2'), partition=0, on_delivery=cb)
    p.flush(20)
    emit({'reports': reports})
    `,
    { bootstrap: c.bootstrapServers, go },
    60_000,
    'confluent-kafka idempotent producer',
  );
  t.after(async () => {
    if (!py.exited) py.child.kill('SIGKILL');
    await rm(go, { force: true });
  });
  await py.waitFor('stdout', /"phase": 1/, 20_000, 'the first delivery');
  holdProduceResponses(t, leader);
  await writeFile(go, '');
  await py.waitFor('stdout', /"phase": 2/, 10_000, 'the second produce call');
  await waitReplicated(c, followers, 'idem-rd', 2);
  await leader.kill();

  const out = JSON.parse((await py.output()).trim().split('\n').pop()!) as { reports: Array<{ value: string; offset: number; error: string | null }> };
  assert.deepEqual(out.reports, [
    { value: 'p0', offset: 0, error: null },
    { value: 'p1', offset: 1, error: null },
    { value: 'p2', offset: 2, error: null },
  ]);
  assert.deepEqual(await logValues(t, c, 'idem-rd'), ['p0', 'p1', 'p2'], 'one copy each, in order');
});
