/**
 * A producer we did not write through a leader's death: kafkajs, idempotent with acks=-1,
 * sends one batch after another to a RF=3, min.insync.replicas=2 partition of the
 * in-process cluster while the leader is killed. Every batch it was told is written is on
 * the new leader exactly once and in send order, and the surviving replicas are identical.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import kafkajsModule from 'kafkajs';
import { openClient, readAll } from '../client/fixture.js';
import { assertReplicasIdentical, cluster, replicatedTopic, stateOf } from './fixture.js';

const { Kafka, logLevel } = kafkajsModule;

test('kafkajs idempotent acks=-1 producer: a leader kill mid-stream loses, duplicates and reorders nothing', { timeout: 60_000 }, async (t) => {
  const c = await cluster(t);
  const { leader } = await replicatedTopic(c, 'kjs', 3, { 'min.insync.replicas': '2' });
  const kafka = new Kafka({ clientId: 'kafkajs-acks', brokers: c.bootstrapServers.split(','), logLevel: logLevel.NOTHING, retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 1_000 } });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 1_000 } });
  await producer.connect();
  t.after(() => producer.disconnect());

  const acked: string[] = [];
  const BATCHES = 60;
  const KILL_AT = 20;
  let killed: Promise<void> | null = null;
  for (let i = 0; i < BATCHES; i++) {
    const values = Array.from({ length: 5 }, (_, j) => `b${i}-r${j}`);
    // The kill lands while this send is in flight (not between two sends).
    const sending = producer.send({ topic: 'kjs', acks: -1, timeout: 5_000, messages: values.map((value) => ({ partition: 0, value })) });
    if (i === KILL_AT) killed = new Promise((r) => setTimeout(r, 5)).then(() => leader.kill());
    await sending;
    acked.push(...values);
  }
  await killed;

  const next = await stateOf(c, 'kjs');
  assert.notEqual(next.leader, leader.nodeId, 'another broker leads');
  const raw = await openClient(t, c.broker(next.leader).port);
  const values = (await readAll(raw, 'kjs', 0)).map((r) => r.value);
  assert.deepEqual(values, acked, 'every acknowledged record once, in send order');
  await assertReplicasIdentical(c, 'kjs', c.brokers.filter((b) => b !== leader).map((b) => b.nodeId));
});
