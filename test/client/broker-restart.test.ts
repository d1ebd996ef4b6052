/**
 * Retries through a broker crash: the broker is killed with -9 in the middle of a run and
 * started again on the same port and data directory. The idempotent producer reconnects
 * with backoff and retries; every record must be in the log exactly once, in send order.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Producer } from '@samsa/client';
import { removeDir, startBroker, type BrokerProcess } from '../helpers/broker-process.js';
import { openClient, readAll } from './fixture.js';

test('an idempotent producer survives kill -9 and restart of its broker: no loss, no duplicates, in order', { timeout: 120_000 }, async (t) => {
  const brokers: BrokerProcess[] = [];
  const first = await startBroker();
  brokers.push(first);
  t.after(async () => {
    for (const b of brokers) await b.kill();
    await removeDir(first.dataDir);
  });
  const producer = new Producer({
    'bootstrap.servers': first.bootstrap,
    'batch.size': 4096,
    'linger.ms': 2,
    'retry.backoff.ms': 50,
    'retry.backoff.max.ms': 400,
    'reconnect.backoff.ms': 50,
    'reconnect.backoff.max.ms': 400,
    'request.timeout.ms': 5000,
  });
  t.after(() => producer.close(2_000));
  const count = 30_000;
  let acked = 0;
  const errors: unknown[] = [];
  const done = new Promise<void>((resolve) => {
    let settled = 0;
    const onDone = (err: unknown): void => {
      if (err) errors.push(err);
      else acked++;
      if (++settled === count) resolve();
    };
    void (async () => {
      for (let i = 0; i < count; i++) {
        producer.send({ topic: 'restart', partition: 0, value: String(i) }, onDone);
        if (i % 200 === 199) await new Promise((r) => setTimeout(r, 10)); // a steady stream over 1.5 s or more, not one burst
      }
    })();
  });
  const deadline = Date.now() + 30_000;
  while (acked < 5000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  assert.ok(acked >= 5000, `5000 records acknowledged before the crash (${acked})`);
  await first.kill();
  const ackedAtCrash = acked;
  await new Promise((r) => setTimeout(r, 500));
  const second = await startBroker({ dataDir: first.dataDir, port: first.port });
  brokers.push(second);
  await done;
  assert.deepEqual(errors, [], 'every send succeeded');
  assert.ok(ackedAtCrash < count, 'the crash happened mid-run');
  const raw = await openClient(t, second.port);
  const read = await readAll(raw, 'restart', 0);
  const values = read.map((r) => Number(r.value));
  const dupes = values.length - new Set(values).size;
  assert.equal(dupes, 0, 'no duplicates');
  assert.equal(values.length, count, 'no loss');
  assert.deepEqual(values, Array.from({ length: count }, (_, i) => i), 'in send order');
});
