/**
 * Dead letters and redrive against a real broker: the downstream is down for a while; every
 * record that failed all its attempts lands in the dead-letter topic with its origin,
 * attempt count and error; the redrive worker waits for the health check, then processes
 * each exactly once with a dedup store, and a second redrive over the same topic (a fresh
 * group: every dead letter delivered again) processes nothing twice.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Consumer, DLT_HEADERS, headerValue, idempotent, MemoryDedupStore, ParallelConsumer, Producer, RedriveWorker, type ConsumerConfig, type ConsumerRecord } from '@samsa/client';
import { FAST_GROUP, groupBroker, pollUntil, waitFor } from '../client/consumer-fixture.js';

test('downstream down for a while: failing records go to the DLT with headers; redrive after health processes each exactly once', { timeout: 120_000 }, async (t) => {
  const broker = await groupBroker(t, { 'num.partitions': 2 });
  const bootstrap = broker.current.bootstrap;
  const base: ConsumerConfig = { 'bootstrap.servers': bootstrap, 'enable.auto.commit': false, 'auto.offset.reset': 'earliest', ...FAST_GROUP };
  const producer = new Producer({ 'bootstrap.servers': bootstrap, 'linger.ms': 2 });
  t.after(() => producer.close(2_000));
  await Promise.all(Array.from({ length: 300 }, (_, i) => producer.send({ topic: 'payments', key: `acct-${i % 20}`, value: `pay-${i}`, headers: { 'message-id': `pay-${i}` } })));

  // The downstream: down until 40 records have been dead-lettered, then up.
  let down = true;
  const applied = new Map<string, number>(); // message id -> times the effect ran
  const effect = async (r: ConsumerRecord): Promise<void> => {
    await new Promise((res) => setTimeout(res, 1));
    if (down) throw new Error(`downstream unavailable for ${r.value}`);
    const id = headerValue(r, 'message-id')!;
    applied.set(id, (applied.get(id) ?? 0) + 1);
  };
  const store = new MemoryDedupStore();
  const handle = idempotent(effect, { store });
  const deadLettered: ConsumerRecord[] = [];

  const main = new Consumer({ ...base, 'group.id': 'payments-app' });
  t.after(() => main.close(500));
  const pc = new ParallelConsumer(main, {
    workers: 8,
    handler: handle,
    deadLetter: {
      producer,
      attempts: 3,
      backoff: { initialMs: 5, maxMs: 20 },
      onDeadLetter: (r) => {
        deadLettered.push(r);
        if (deadLettered.length >= 40) down = false;
      },
    },
  });
  pc.subscribe(['payments']);
  const mainRun = pc.run();

  const redriven: ConsumerRecord[] = [];
  let healthChecks = 0;
  const redriveConsumer = new Consumer({ ...base, 'group.id': 'payments-redrive' });
  t.after(() => redriveConsumer.close(500));
  const redrive = new RedriveWorker(redriveConsumer, {
    topics: 'payments.DLT',
    handler: handle,
    healthCheck: () => {
      healthChecks++;
      return !down;
    },
    healthCheckIntervalMs: 50,
    onRedriven: (r) => redriven.push(r),
  });
  const redriveRun = redrive.run();

  await waitFor(() => applied.size >= 300, 60_000, 'every payment applied (directly or by redrive)');
  await waitFor(() => redriven.length >= deadLettered.length, 30_000, 'every dead letter redriven');
  await Promise.all([pc.stop(10_000), redrive.stop()]);
  await Promise.all([mainRun, redriveRun]);
  assert.ok(deadLettered.length >= 40, `${deadLettered.length} records dead-lettered`);
  assert.ok(healthChecks > 1, 'the redrive worker waited on the health check');

  // The DLT holds each dead-lettered record once, with its origin, attempts and error.
  const reader = new Consumer({ 'bootstrap.servers': bootstrap, 'auto.offset.reset': 'earliest', 'fetch.max.wait.ms': 100 });
  t.after(() => reader.close(500));
  reader.assign([{ topic: 'payments.DLT', partition: 0 }, { topic: 'payments.DLT', partition: 1 }]);
  const dlt = await pollUntil(reader, (a) => a.length >= deadLettered.length, 20_000, 'dead letters');
  const origins = new Map(deadLettered.map((r) => [`${r.topic}-${r.partition}@${r.offset}`, r]));
  assert.equal(dlt.length, deadLettered.length);
  for (const d of dlt) {
    const origin = `${headerValue(d, DLT_HEADERS.topic)}-${headerValue(d, DLT_HEADERS.partition)}@${headerValue(d, DLT_HEADERS.offset)}`;
    const orig = origins.get(origin);
    assert.ok(orig, `dead letter ${origin} matches a failed record`);
    assert.equal(d.value?.toString(), orig.value?.toString());
    assert.equal(d.key?.toString(), orig.key?.toString());
    assert.equal(headerValue(d, 'message-id'), headerValue(orig, 'message-id'), 'original headers kept');
    assert.equal(headerValue(d, DLT_HEADERS.attempts), '3');
    assert.equal(headerValue(d, DLT_HEADERS.errorClass), 'Error');
    assert.match(headerValue(d, DLT_HEADERS.errorMessage) ?? '', /downstream unavailable/);
  }
  assert.equal(new Set(dlt.map((d) => headerValue(d, 'message-id'))).size, dlt.length, 'each failed record dead-lettered once');

  // Exactly once: every payment's effect ran once, those dead-lettered included.
  assert.equal(applied.size, 300);
  assert.deepEqual([...applied].filter(([, n]) => n !== 1), []);

  // A second redrive (a new group reads the whole DLT again): the dedup store skips them all.
  const again = new Consumer({ ...base, 'group.id': 'payments-redrive-2' });
  t.after(() => again.close(500));
  let seenAgain = 0;
  const second = new RedriveWorker(again, { topics: 'payments.DLT', handler: handle, healthCheck: () => true, onRedriven: () => seenAgain++ });
  const secondRun = second.run();
  await waitFor(() => seenAgain >= deadLettered.length, 30_000, 'the second redrive to pass every dead letter');
  await second.stop();
  await secondRun;
  assert.deepEqual([...applied].filter(([, n]) => n !== 1), [], 'nothing applied twice');
  await Promise.all([main.close(), redriveConsumer.close(), again.close(), reader.close()]);
});
