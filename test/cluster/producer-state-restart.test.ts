/**
 * Producer state survives a broker restart through its snapshots: a batch the broker wrote
 * but never acknowledged is retried by the producer after the broker came back, and answered
 * with its original offset, not written twice.
 *
 * The case is forced on one broker with a tiny segment.bytes (every append rolls, and every
 * roll snapshots the producer table): the broker drops every Produce response (FaultHooks;
 * the hook's error closes the producer's connection) from the batch to retry on, more
 * records are appended behind it so a roll snapshot covers it, then the broker is killed
 * (no clean-shutdown marker: the table comes from the latest roll's snapshot plus the log
 * after it) or stopped cleanly (from the snapshot at the log end, nothing replayed). Our
 * producer and librdkafka (python3-confluent-kafka, enable.idempotence=true) each run it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Producer } from '@samsa/client';
import { ApiKey } from '@samsa/protocol';
import type { Cluster, ClusterBroker } from '@samsa/testing';
import { batch, cluster } from './fixture.js';
import { openClient, readAll } from '../client/fixture.js';
import { startPython } from '../helpers/python.js';

const TOPIC_CONFIG = { 'segment.bytes': '2048' };
const VALUE_BYTES = 1200;

async function createTopic(c: Cluster, name: string): Promise<void> {
  await c.brokers[0]!.broker.services.topicAdmin.create({ name, numPartitions: 1, replicationFactor: 1, configs: new Map(Object.entries(TOPIC_CONFIG)) });
  await c.waitFor(`${name}-0 led by broker 0`, () => c.broker(0).broker.services.replicaManager.partition(name, 0)?.role === 'leader');
}

function partitionOf(b: ClusterBroker, topic: string) {
  const p = b.broker.services.replicaManager.partition(topic, 0);
  if (!p) throw new Error(`broker ${b.nodeId} has no ${topic}-0`);
  return p;
}

/** From now on the broker writes produces but answers none: the hook's error closes the connection. */
function dropProduceResponses(b: ClusterBroker): { dropped: () => number } {
  let dropped = 0;
  b.broker.services.faults.onResponse(ApiKey.Produce, () => {
    dropped++;
    throw new Error('test: Produce response dropped');
  });
  return { dropped: () => dropped };
}

/**
 * Once the broker holds `logEndOffset` records: appends three records behind them (each in
 * its own segment, so a roll snapshot covers the unacknowledged batch), waits for the
 * snapshots, and kills or stops the broker and starts it again.
 */
async function restartAfterRolls(c: Cluster, topic: string, logEndOffset: number, how: 'kill' | 'stop'): Promise<void> {
  const b = c.broker(0);
  await c.waitFor(`${topic}-0 to hold ${logEndOffset} records`, () => partitionOf(b, topic).logEndOffset >= logEndOffset);
  const p = partitionOf(b, topic);
  for (const v of ['f0', 'f1', 'f2']) await p.appendAsLeader(batch([v.padEnd(VALUE_BYTES, '.')]), 1);
  await p.snapshotsSettled();
  if (how === 'kill') await b.kill();
  else await b.stop();
  await b.start();
  const load = partitionOf(b, topic).producerStateLoad!;
  if (how === 'kill') {
    assert.ok(load.snapshotOffset !== null && load.snapshotOffset > logEndOffset, `the table came from a roll's snapshot past the batch: ${JSON.stringify(load)}`);
    assert.ok(load.replayedBatches <= 1, `only the active segment replayed: ${JSON.stringify(load)}`);
  } else {
    assert.deepEqual(load, { snapshotOffset: logEndOffset + 3, replayedBatches: 0 }, 'a clean stop left a snapshot at the log end');
  }
}

async function logValues(t: { after(fn: () => unknown): void }, c: Cluster, topic: string): Promise<string[]> {
  const raw = await openClient(t, c.broker(0).port);
  return (await readAll(raw, topic, 0)).map((r) => r.value!.replace(/\.+$/, ''));
}

for (const how of ['kill', 'stop'] as const) {
  test(`our idempotent producer: a batch written but not acknowledged before a ${how === 'kill' ? 'kill' : 'clean stop'} after rolls is retried and answered from the restarted broker's snapshot`, async (t) => {
    const c = await cluster(t, { brokers: 1 });
    const topic = `restart-${how}`;
    await createTopic(c, topic);
    const producer = new Producer({ 'bootstrap.servers': c.bootstrapServers, acks: 'all', 'linger.ms': 0, 'retry.backoff.ms': 100, 'request.timeout.ms': 5_000, 'delivery.timeout.ms': 60_000 });
    t.after(() => producer.close(2_000));
    const value = (s: string): string => s.padEnd(VALUE_BYTES, '.');
    for (let i = 0; i < 4; i++) assert.equal((await producer.send({ topic, partition: 0, value: value(`a${i}`) })).offset, i);
    assert.ok(partitionOf(c.broker(0), topic).log.segmentCount >= 4, 'rolled');

    const drops = dropProduceResponses(c.broker(0));
    const pending = producer.send({ topic, partition: 0, value: value('a4') });
    await c.waitFor('the response to a4 dropped', () => drops.dropped() > 0);
    await restartAfterRolls(c, topic, 5, how);

    assert.equal((await pending).offset, 4, 'the retry got the offset written before the restart');
    assert.equal((await producer.send({ topic, partition: 0, value: value('a5') })).offset, 8, 'the sequence goes on');
    assert.deepEqual(await logValues(t, c, topic), ['a0', 'a1', 'a2', 'a3', 'a4', 'f0', 'f1', 'f2', 'a5'], 'one copy each, in order');
  });
}

test('librdkafka (confluent-kafka, enable.idempotence=true): its retry of a batch written before a kill after rolls is deduplicated by the restarted broker', async (t) => {
  const c = await cluster(t, { brokers: 1 });
  const topic = 'restart-rd';
  await createTopic(c, topic);
  const go = join(tmpdir(), `samsa-restart-go-${process.pid}-${Date.now()}`);
  const py = startPython(
    `
    import os
    from confluent_kafka import Producer
    p = Producer({'bootstrap.servers': ARGS['bootstrap'], 'enable.idempotence': True, 'acks': 'all', 'linger.ms': 0,
                  'retry.backoff.ms': 100, 'socket.timeout.ms': 5000, 'message.timeout.ms': 40000})
    reports = []
    def cb(err, msg):
        reports.append({'value': dec(msg.value()).rstrip('.'), 'offset': msg.offset(), 'error': None if err is None else str(err)})
    pad = lambda s: enc(s.ljust(ARGS['size'], '.'))
    for i in range(4):
        p.produce(ARGS['topic'], value=pad('p%d' % i), partition=0, on_delivery=cb)
        p.flush(20)
    emit({'phase': 1})
    while not os.path.exists(ARGS['go']):
        time.sleep(0.02)
    p.produce(ARGS['topic'], value=pad('p4'), partition=0, on_delivery=cb)
    p.flush(40)
    p.produce(ARGS['topic'], value=pad('p5'), partition=0, on_delivery=cb)
    p.flush(20)
    emit({'reports': reports})
    `,
    { bootstrap: c.bootstrapServers, go, topic, size: VALUE_BYTES },
    90_000,
    'confluent-kafka idempotent producer',
  );
  t.after(async () => {
    if (!py.exited) py.child.kill('SIGKILL');
    await rm(go, { force: true });
  });
  await py.waitFor('stdout', /"phase": 1/, 20_000, 'the first four deliveries');
  const drops = dropProduceResponses(c.broker(0));
  await writeFile(go, '');
  await c.waitFor('the response to p4 dropped', () => drops.dropped() > 0, 20_000);
  await restartAfterRolls(c, topic, 5, 'kill');

  const out = JSON.parse((await py.output()).trim().split('\n').pop()!) as { reports: Array<{ value: string; offset: number; error: string | null }> };
  assert.deepEqual(
    out.reports,
    ['p0', 'p1', 'p2', 'p3', 'p4'].map((value, offset) => ({ value, offset, error: null })).concat([{ value: 'p5', offset: 8, error: null }]),
  );
  assert.deepEqual(await logValues(t, c, topic), ['p0', 'p1', 'p2', 'p3', 'p4', 'f0', 'f1', 'f2', 'p5'], 'one copy each, in order');
});
