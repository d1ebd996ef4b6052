/**
 * linger.ms and batch.size shape the Produce requests, counted at a proxy in front of the
 * broker: a partial batch waits for linger.ms, a full batch goes at once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBrokerFor } from '../helpers/broker-process.js';
import { CountingProxy } from '../helpers/counting-proxy.js';
import { producerFor } from './fixture.js';

const PRODUCE = 0;

async function brokerBehindProxy(t: { after(fn: () => unknown): void }): Promise<CountingProxy> {
  const proxy = await CountingProxy.start();
  t.after(() => proxy.close());
  const broker = await startBrokerFor(t, { overrides: { 'advertised.listeners': `PLAINTEXT://127.0.0.1:${proxy.port}` } });
  proxy.targetPort = broker.current.port;
  return proxy;
}

test('records sent within linger.ms travel in one Produce request, sent no earlier than linger.ms', { timeout: 60_000 }, async (t) => {
  const proxy = await brokerBehindProxy(t);
  const producer = producerFor(t, { 'bootstrap.servers': `127.0.0.1:${proxy.port}`, 'linger.ms': 400, 'batch.size': 1 << 20 });
  await producer.send({ topic: 'linger', value: 'warm-up' }); // metadata, producer id, connection
  const before = proxy.count(PRODUCE);
  const started = Date.now();
  const sends = Array.from({ length: 50 }, (_, i) => producer.send({ topic: 'linger', value: `r${i}` }));
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(proxy.count(PRODUCE), before, 'nothing sent before linger.ms passed');
  const mds = await Promise.all(sends);
  const elapsed = Date.now() - started;
  assert.equal(proxy.count(PRODUCE) - before, 1, 'one request for all 50 records');
  assert.ok(elapsed >= 390, `acknowledged after ${elapsed} ms, not before linger.ms`);
  assert.deepEqual(mds.map((m) => m.offset), Array.from({ length: 50 }, (_, i) => i + 1));
});

test('a batch that reaches batch.size is sent at once, without waiting for linger.ms', { timeout: 60_000 }, async (t) => {
  const proxy = await brokerBehindProxy(t);
  const producer = producerFor(t, { 'bootstrap.servers': `127.0.0.1:${proxy.port}`, 'linger.ms': 30_000, 'batch.size': 1200 });
  await Promise.all([producer.send({ topic: 'sized', value: 'warm-up' }), producer.flush()]);
  const before = proxy.count(PRODUCE);
  const value = Buffer.alloc(100, 1);
  // 10 records of 107 bytes fill a 1200-byte batch (an 11th would not fit): 95 records make 9
  // full batches and a partial one of 5. (A batch that cannot take another record like its
  // last counts as full: with 100 records the 10th batch would go at once too.)
  const sends = Array.from({ length: 95 }, () => producer.send({ topic: 'sized', value }));
  const fullBatches = 9;
  const deadline = Date.now() + 10_000;
  while (proxy.count(PRODUCE) - before < fullBatches && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(proxy.count(PRODUCE) - before, fullBatches, 'the full batches went out, the partial one waits for linger.ms');
  assert.ok(proxy.produceFrames.slice(-fullBatches).every((f) => f.bytes < 1200 + 200), 'each request carries one batch of at most batch.size');
  await producer.flush();
  assert.equal(proxy.count(PRODUCE) - before, fullBatches + 1, 'flush sends the partial batch');
  assert.equal((await Promise.all(sends)).length, 95);
});
