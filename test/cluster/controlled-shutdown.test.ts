/**
 * Controlled shutdown on the in-process cluster: a stopping leader first has its
 * leaderships moved (controller/controlled-shutdown.ts), so an idempotent acks=all producer
 * writing through it (ours, and kafkajs) loses nothing, duplicates nothing, and needs at
 * most one retry per batch: both producers run with retries = 1, so a batch that needed a
 * second retry would fail its send. A broker whose partitions have no other candidate
 * (RF=1) stops at once, well within the bound.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import kafkajsModule from 'kafkajs';
import { Producer } from '@samsa/client';
import { openClient, readAll } from '../client/fixture.js';
import { cluster, replicatedTopic, stateOf } from './fixture.js';

const { Kafka, logLevel } = kafkajsModule;

const RECORDS = 300;
/**
 * A send slower than this is a stall (a long backoff, a metadata retry loop), not one retry.
 * Loose on purpose: on a loaded 2-core machine one retry with its metadata refresh took up to
 * 1.9 s; the sharp checks are retries=1 (a second retry fails the send) and the single epoch bump.
 */
const STALL_MS = 3_000;

/**
 * Sends `count` values one after another through `send`, stopping `stopAt` records in, and
 * returns each send's latency. Sequential sends keep the check simple: value i is at offset i.
 */
async function produceThrough(count: number, stopAt: number, send: (value: string) => Promise<unknown>, stop: () => Promise<void>): Promise<number[]> {
  const latencies: number[] = [];
  let stopping: Promise<void> | null = null;
  for (let i = 0; i < count; i++) {
    if (i === stopAt) stopping = stop();
    const started = performance.now();
    await send(`v${i}`);
    latencies.push(performance.now() - started);
  }
  await stopping;
  return latencies;
}

async function checkLog(t: Parameters<typeof openClient>[0], port: number, topic: string): Promise<void> {
  const raw = await openClient(t, port);
  const values = (await readAll(raw, topic, 0)).map((r) => r.value);
  assert.equal(values.length, RECORDS, 'nothing lost, nothing duplicated');
  assert.deepEqual(values, Array.from({ length: RECORDS }, (_, i) => `v${i}`), 'in order');
}

test('controlled shutdown of the leader: our idempotent acks=all producer (retries=1) loses nothing, duplicates nothing, never stalls', async (t) => {
  const c = await cluster(t);
  const { state, leader } = await replicatedTopic(c, 'cs-ours', 3, { 'min.insync.replicas': '2' });
  const producer = new Producer({ 'bootstrap.servers': c.bootstrapServers, acks: 'all', 'enable.idempotence': true, retries: 1, 'linger.ms': 0 });
  t.after(() => producer.close(2_000));
  let stoppedMs = 0;
  const latencies = await produceThrough(RECORDS, RECORDS / 3, (value) => producer.send({ topic: 'cs-ours', partition: 0, value }), async () => {
    const started = performance.now();
    await leader.stop();
    stoppedMs = performance.now() - started;
  });
  t.diagnostic(`leader ${leader.nodeId} stopped in ${stoppedMs.toFixed(0)} ms; slowest send ${Math.max(...latencies).toFixed(0)} ms`);
  assert.ok(Math.max(...latencies) < STALL_MS, `a send took ${Math.max(...latencies).toFixed(0)} ms`);
  const after = await stateOf(c, 'cs-ours');
  // AR order: the first replica after the stopped one that is in the ISR.
  const ar = c.brokers.find((b) => b.status === 'running')!.broker.services.metadata.partition('cs-ours', 0)!.replicas;
  assert.equal(after.leader, ar.find((b) => b !== leader.nodeId));
  assert.equal(after.leaderEpoch, state.leaderEpoch + 1, 'one election: the move, not a second one when the session ended');
  assert.ok(!after.isr.includes(leader.nodeId));
  await checkLog(t, c.broker(after.leader).port, 'cs-ours');
});

test('controlled shutdown of the leader: a kafkajs idempotent producer (acks -1, retries 1) loses nothing and duplicates nothing', async (t) => {
  const c = await cluster(t);
  const { leader } = await replicatedTopic(c, 'cs-kafkajs', 3, { 'min.insync.replicas': '2' });
  const kafka = new Kafka({ clientId: 'cs-test', brokers: c.bootstrapServers.split(','), logLevel: logLevel.NOTHING, retry: { retries: 1, initialRetryTime: 100 } });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, retry: { retries: 1, initialRetryTime: 100 } });
  await producer.connect();
  t.after(() => producer.disconnect());
  const latencies = await produceThrough(RECORDS, RECORDS / 3, (value) => producer.send({ topic: 'cs-kafkajs', acks: -1, messages: [{ partition: 0, value }] }), () => leader.stop());
  t.diagnostic(`slowest kafkajs send ${Math.max(...latencies).toFixed(0)} ms`);
  assert.ok(Math.max(...latencies) < STALL_MS, `a send took ${Math.max(...latencies).toFixed(0)} ms`);
  await checkLog(t, c.broker((await stateOf(c, 'cs-kafkajs')).leader).port, 'cs-kafkajs');
});

test('controlled shutdown does not wait for partitions no other broker can lead (RF=1, or the leader alone in the ISR)', async (t) => {
  const c = await cluster(t, { brokers: 2 });
  const admin = c.broker(0).broker.services.topicAdmin;
  await admin.create({ name: 'solo', numPartitions: 1, replicationFactor: 1, assignments: [[0]] });
  await c.waitFor('solo-0 led by 0', async () => (await c.partitionState('solo', 0))?.leader === 0);
  const result = await c.broker(0).broker.controlledShutdown();
  assert.deepEqual(result.remaining, []);
  assert.equal(result.succeeded, true);
  assert.ok(result.elapsedMs < 500, `took ${result.elapsedMs} ms`);
  const started = performance.now();
  await c.broker(0).stop();
  const ms = performance.now() - started;
  t.diagnostic(`broker 0 (RF=1 leader) stopped in ${ms.toFixed(0)} ms`);
  // The bound is 4 attempts x controlled.shutdown.retry.backoff.ms (1 s in the test settings).
  assert.ok(ms < 2_000, `stop took ${ms.toFixed(0)} ms`);
});

test('controlled shutdown gives up after controlled.shutdown.max.retries when no controller moves the leaderships', async (t) => {
  const c = await cluster(t, { brokers: 2, config: { 'controlled.shutdown.max.retries': 1, 'controlled.shutdown.retry.backoff.ms': 300 } });
  const controller = c.controller()!;
  const other = c.brokers.find((b) => b !== controller)!;
  await replicatedTopic(c, 'stuck', 2, {}, [other.nodeId, controller.nodeId]);
  // The controller, cut off from the store, cannot move anything (its lease outlives the test's wait).
  controller.isolate();
  t.after(() => {
    if (controller.status === 'isolated') controller.heal();
  });
  const result = await other.broker.controlledShutdown();
  t.diagnostic(`gave up after ${result.attempts} attempts in ${result.elapsedMs} ms: ${result.remaining}`);
  assert.equal(result.succeeded, false);
  assert.deepEqual(result.remaining, ['stuck-0']);
  assert.equal(result.attempts, 2, '1 + controlled.shutdown.max.retries');
  assert.ok(result.elapsedMs >= 2 * 300 && result.elapsedMs < 2 * 300 + 500, `took ${result.elapsedMs} ms`);
});
