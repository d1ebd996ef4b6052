/**
 * Records cross clients: in the ring kcat -> kafkajs -> kafka-python -> confluent-kafka ->
 * kcat, each client produces every codec batch (headers, null key, tombstone) and a 900 KB
 * value, and the next client in the ring consumes them from the beginning. Each edge has its
 * own topic, so every client's batch framing and compression is read by another client's
 * decoder.
 */
import { after, before, describe, it } from 'node:test';
import { CODECS, type ClientDriver, type TestRecord } from './clients/driver.js';
import { confluentDriver } from './clients/confluent-kafka.js';
import { kafkaPythonDriver } from './clients/kafka-python.js';
import { kafkajsDriver } from './clients/kafkajs.js';
import { kcatDriver } from './clients/kcat.js';
import { useBroker } from './fixture.js';
import { bigRecord, codecBatch, expectOffsets, expectRecords } from './records.js';
import { expectWireCodecs, type ProducedRun } from './wire-batches.js';

/** The ring, in order: each client's records are read by the next. */
const RING: ReadonlyArray<readonly [string, (bootstrap: string) => ClientDriver]> = [
  ['kcat', kcatDriver],
  ['kafkajs', kafkajsDriver],
  ['kafka-python', kafkaPythonDriver],
  ['confluent-kafka', confluentDriver],
];

describe('cross-client ring against the broker process', () => {
  let ring: ClientDriver[] = [];
  after(async () => {
    await Promise.all(ring.map((d) => d.close()));
  });
  const broker = useBroker();
  before(() => {
    const b = broker().bootstrap;
    ring = RING.map(([, make]) => make(b));
  });

  for (const [i, [producerName]] of RING.entries()) {
    const consumerName = RING[(i + 1) % RING.length]![0];
    it(`${consumerName} reads what ${producerName} produced, in every codec`, { timeout: 120_000 }, async () => {
      const producer = ring[i]!;
      const consumer = ring[(i + 1) % ring.length]!;
      const topic = `ring-${producer.name}-to-${consumer.name}`;
      const startedMs = Date.now();
      await producer.createTopic(topic, 1);
      const expected: TestRecord[] = [];
      const runs: ProducedRun[] = [];
      for (const codec of CODECS) {
        const batch = codecBatch(producer.name, codec);
        expectOffsets(await producer.produce(topic, batch, { partition: 0, codec }), expected.length, batch.length, `${producer.name} produce ${codec}`);
        runs.push({ codec, from: expected.length, count: batch.length });
        expected.push(...batch);
      }
      await expectWireCodecs(broker().port, topic, producer, runs);
      const big = bigRecord(producer.name);
      await producer.produce(topic, [big], { partition: 0, codec: 'zstd' });
      expected.push(big);
      const consumed = await consumer.consume(topic, 0, { kind: 'beginning' }, expected.length);
      expectRecords(consumed, expected, { firstOffset: 0, notBeforeMs: startedMs, what: `${consumer.name} reading ${producer.name}` });
    });
  }
});
