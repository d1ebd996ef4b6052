/**
 * What our producer writes, read back two ways: with the raw client (every field, offsets
 * as send() reported them) and with kcat (librdkafka), for every codec.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RecordMetadata } from '@samsa/client';
import { startBrokerFor } from '../helpers/broker-process.js';
import { kcatConsume } from '../helpers/kcat.js';
import { openClient, producerFor, readAll } from './fixture.js';

const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
const COUNT = 300;

function recordAt(i: number): { key: string | null; value: string | null; headers: Array<[string, string]> } {
  return {
    key: i % 3 === 0 ? null : `key-${i % 17}`,
    value: i % 10 === 9 ? null : `value-${i}-${'x'.repeat(i % 50)}`,
    headers: i % 2 === 0 ? [['n', String(i)], ['tag', 'even']] : [],
  };
}

test('records produced with each codec read back whole, with the raw client and with kcat', { timeout: 120_000 }, async (t) => {
  const broker = await startBrokerFor(t, { overrides: { 'num.partitions': 3 } });
  const raw = await openClient(t, broker.current.port);
  for (const codec of CODECS) {
    await t.test(codec, async (t) => {
      const topic = `read-back-${codec}`;
      const producer = producerFor(t, { 'bootstrap.servers': broker.current.bootstrap, 'compression.type': codec, 'linger.ms': 10 });
      const sent = await Promise.all(
        Array.from({ length: COUNT }, (_, i) => {
          const r = recordAt(i);
          return producer.send({ topic, key: r.key, value: r.value, headers: r.headers, timestamp: 1_700_000_000_000 + i });
        }),
      );
      await producer.close();
      const byPartition = new Map<number, Array<{ i: number; md: RecordMetadata }>>();
      sent.forEach((md, i) => {
        assert.equal(md.topic, topic);
        assert.equal(md.timestamp, 1_700_000_000_000 + i);
        byPartition.set(md.partition, [...(byPartition.get(md.partition) ?? []), { i, md }]);
      });
      // Same key, same partition.
      const partitionOfKey = new Map<string, number>();
      sent.forEach((md, i) => {
        const key = recordAt(i).key;
        if (key === null) return;
        assert.equal(partitionOfKey.get(key) ?? md.partition, md.partition, `key ${key}`);
        partitionOfKey.set(key, md.partition);
      });
      let total = 0;
      for (const [partition, list] of byPartition) {
        const read = await readAll(raw, topic, partition);
        assert.equal(read.length, list.length, `partition ${partition} holds exactly what was sent to it`);
        list.forEach(({ i, md }, n) => {
          const r = read[n]!;
          const want = recordAt(i);
          assert.equal(r.offset, md.offset, `record ${i}: send() reported its offset`);
          assert.equal(r.key, want.key);
          assert.equal(r.value, want.value);
          assert.deepEqual(r.headers, want.headers);
          assert.equal(r.timestamp, 1_700_000_000_000 + i);
        });
        const viaKcat = await kcatConsume(broker.current.bootstrap, { topic, partition, offset: 'beginning', count: list.length, exitAtEnd: true });
        assert.deepEqual(
          viaKcat.map((m) => [m.offset, m.key, m.payload, m.headers ?? []]),
          list.map(({ i, md }) => {
            const w = recordAt(i);
            return [md.offset, w.key, w.value, w.headers.flat()];
          }),
          `kcat reads partition ${partition} as sent`,
        );
        total += read.length;
      }
      assert.equal(total, COUNT);
    });
  }
});

test('acks=0 and acks=1 deliver too (acks=0 reports offset -1)', { timeout: 60_000 }, async (t) => {
  const broker = await startBrokerFor(t);
  const raw = await openClient(t, broker.current.port);
  const one = producerFor(t, { 'bootstrap.servers': broker.current.bootstrap, acks: 1 });
  const mdOne = await Promise.all(Array.from({ length: 50 }, (_, i) => one.send({ topic: 'acks', value: `one-${i}` })));
  assert.deepEqual(mdOne.map((m) => m.offset), Array.from({ length: 50 }, (_, i) => i));
  const zero = producerFor(t, { 'bootstrap.servers': broker.current.bootstrap, acks: 0 });
  const mdZero = await Promise.all(Array.from({ length: 50 }, (_, i) => zero.send({ topic: 'acks', value: `zero-${i}` })));
  assert.ok(mdZero.every((m) => m.offset === -1));
  await zero.close();
  // acks=0 gives no response to wait for: poll the log end (bounded).
  const deadline = Date.now() + 10_000;
  while (Number(await raw.offsetOf('acks', 0, -1n)) < 100 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const read = await readAll(raw, 'acks', 0);
  assert.deepEqual(read.map((r) => r.value), [...Array.from({ length: 50 }, (_, i) => `one-${i}`), ...Array.from({ length: 50 }, (_, i) => `zero-${i}`)]);
});
