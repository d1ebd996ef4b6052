/**
 * The limits a producer promises: a full buffer.memory makes send() wait, then fail after
 * max.block.ms; a record over max.request.size fails at once, naming both sizes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SamsaClientError } from '@samsa/client';
import { startBrokerFor } from '../helpers/broker-process.js';
import { openClient, producerFor, readAll } from './fixture.js';

test('with the broker paused, send() waits for buffer memory and fails after max.block.ms; the rest is delivered once it resumes', { timeout: 60_000 }, async (t) => {
  const broker = await startBrokerFor(t);
  const pid = broker.current.pid;
  let paused = false;
  t.after(() => {
    if (paused) process.kill(pid, 'SIGCONT'); // never leave our broker stopped (the after hook kills it)
  });
  const producer = producerFor(t, {
    'bootstrap.servers': broker.current.bootstrap,
    'buffer.memory': 64 * 1024,
    'batch.size': 16 * 1024,
    'linger.ms': 0,
    'max.block.ms': 700,
    'request.timeout.ms': 20_000,
  });
  await producer.send({ topic: 'full', value: 'warm-up' });
  process.kill(pid, 'SIGSTOP');
  paused = true;
  const value = Buffer.alloc(1000, 2);
  // 64 KiB of buffer takes about 60 of these records; the rest must wait, then fail.
  const count = 100;
  const started = Date.now();
  const outcomes = await new Promise<Array<{ error: unknown; afterMs: number }>>((resolve) => {
    const out: Array<{ error: unknown; afterMs: number }> = [];
    for (let i = 0; i < count; i++) {
      producer.send({ topic: 'full', value }, (error) => {
        out[i] = { error, afterMs: Date.now() - started };
        if (out.filter(Boolean).length === count) resolve(out);
      });
      // Once the waiting sends have failed, let the broker go on: the others are delivered.
      if (i === count - 1) {
        setTimeout(() => {
          process.kill(pid, 'SIGCONT');
          paused = false;
        }, 1500);
      }
    }
  });
  const failed = outcomes.filter((o) => o.error !== null);
  assert.ok(failed.length >= 25 && failed.length <= 50, `the sends beyond buffer.memory failed (${failed.length} of ${count})`);
  for (const f of failed) {
    const e = f.error as SamsaClientError;
    assert.ok(e instanceof SamsaClientError, String(e));
    assert.equal(e.code, 'BUFFER_EXHAUSTED');
    assert.equal(e.retriable, true);
    assert.match(e.message, /max blocking time 700 ms/);
    assert.ok(f.afterMs >= 650 && f.afterMs < 1500, `it waited max.block.ms, then failed while the broker was still paused (${f.afterMs} ms)`);
  }
  assert.ok(outcomes.slice(0, count - failed.length).every((o) => o.error === null), 'the first records, which found memory, were delivered');
  const raw = await openClient(t, broker.current.port);
  assert.equal((await readAll(raw, 'full', 0)).length, count - failed.length + 1);
});

test('a record larger than max.request.size fails at once with both sizes in the message', { timeout: 30_000 }, async (t) => {
  const producer = producerFor(t, { 'bootstrap.servers': '127.0.0.1:1', 'max.request.size': 10_000 });
  const started = Date.now();
  const e = (await producer.send({ topic: 'big', value: Buffer.alloc(10_000) }).catch((x: unknown) => x)) as SamsaClientError;
  assert.ok(Date.now() - started < 100, 'no metadata or network wait');
  assert.ok(e instanceof SamsaClientError);
  assert.equal(e.code, 'RECORD_TOO_LARGE');
  assert.match(e.message, /the record is 100\d\d bytes when serialized, which is larger than 10000, the value of max.request.size/);
  const viaCallback = await new Promise<unknown>((resolve) => producer.send({ topic: 'big', key: Buffer.alloc(6000), value: Buffer.alloc(6000) }, (err) => resolve(err)));
  assert.equal((viaCallback as SamsaClientError).code, 'RECORD_TOO_LARGE');
});
