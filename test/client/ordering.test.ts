/**
 * Order under pipelining: with idempotence and max.in.flight.requests.per.connection=5 (the
 * defaults), small batches put many Produce requests in flight at once; each partition's
 * records must still land in the order they were sent, which kcat confirms.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBrokerFor } from '../helpers/broker-process.js';
import { CountingProxy } from '../helpers/counting-proxy.js';
import { kcatConsume } from '../helpers/kcat.js';
import { openClient, producerFor, readAll } from './fixture.js';

test('an idempotent producer with 5 requests in flight keeps each partition in send order', { timeout: 90_000 }, async (t) => {
  const proxy = await CountingProxy.start();
  t.after(() => proxy.close());
  const broker = await startBrokerFor(t, { overrides: { 'num.partitions': 2, 'advertised.listeners': `PLAINTEXT://127.0.0.1:${proxy.port}` } });
  proxy.targetPort = broker.current.port;
  const producer = producerFor(t, {
    'bootstrap.servers': `127.0.0.1:${proxy.port}`,
    'batch.size': 2048,
    'linger.ms': 0,
    'max.in.flight.requests.per.connection': 5,
  });
  assert.equal(producer.settings.idempotence, true);
  const count = 6000;
  const offsets: number[][] = [[], []];
  const sends: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const partition = i % 2;
    sends.push(producer.send({ topic: 'ordered', partition, key: `k${i}`, value: `${i}` }).then((md) => void offsets[partition]!.push(md.offset)));
    if (i % 500 === 499) await producer.waitForBuffer();
  }
  await Promise.all(sends);
  assert.ok(proxy.count(0) >= 20, `many Produce requests (${proxy.count(0)})`);
  assert.ok(proxy.maxOutstanding > 1 && proxy.maxOutstanding <= 5, `requests were pipelined, at most 5 deep (${proxy.maxOutstanding})`);
  const raw = await openClient(t, broker.current.port);
  for (const partition of [0, 1]) {
    const expected = Array.from({ length: count / 2 }, (_, n) => String(n * 2 + partition));
    const read = await readAll(raw, 'ordered', partition);
    assert.deepEqual(read.map((r) => r.value), expected, `partition ${partition} in send order, each record once`);
    assert.ok(read.every((r) => r.producerId >= 0n), 'batches carry the producer id');
    // Offsets as send() reported them are the records' offsets in send order.
    assert.deepEqual([...offsets[partition]!].sort((a, b) => a - b), read.map((r) => r.offset));
    const viaKcat = await kcatConsume(broker.current.bootstrap, { topic: 'ordered', partition, offset: 'beginning', count: count / 2, exitAtEnd: true });
    assert.deepEqual(viaKcat.map((m) => m.payload), expected, `kcat reads partition ${partition} in send order`);
  }
});
