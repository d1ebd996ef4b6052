#!/usr/bin/env node
/**
 * One producer client in its own process, for bench/client.mjs: produces
 * `record.bytes`-byte values (null keys, as producer-perf-test sends) to one topic for
 * `duration.ms` (or, for samsa, exactly `count` records: the consume bench's pre-fill), then
 * waits for every acknowledgement, and prints one JSON line: records acknowledged, seconds
 * from first send to last acknowledgement, CPU and memory.
 *   node bench/lib/client-produce-worker.mjs '<json settings>'
 * Settings: client (samsa | kafkajs | platformatic), bootstrap, topic, acks, durationMs,
 * recordBytes, count (samsa only), config (producer settings, Kafka names, for samsa),
 * sendMessages and sendsInFlight (kafkajs and platformatic: records per send() call, calls
 * outstanding).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPlatformatic } from './platformatic.mjs';
import { startWorkerStats } from './worker-stats.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const S = JSON.parse(process.argv[2]);
const value = Buffer.alloc(S.recordBytes, 0x61);
/** Checked between chunks of sends: the loop never blocks the event loop for long. */
const CHUNK = 1000;
const stats = startWorkerStats();

async function runSamsa() {
  const { Producer } = await import(join(ROOT, 'packages/client/dist/src/index.js'));
  const producer = new Producer({ 'bootstrap.servers': S.bootstrap, acks: S.acks === -1 ? 'all' : S.acks, ...S.config });
  await producer.send({ topic: S.topic, value }); // metadata, connection, producer id
  let acked = 0;
  let firstError = null;
  const onDelivery = (err) => {
    if (err) firstError ??= err.message;
    else acked++;
  };
  const t0 = performance.now();
  stats.begin();
  let sent = 0;
  const more = S.count ? () => sent < S.count : () => performance.now() - t0 < S.durationMs;
  while (more()) {
    const n = S.count ? Math.min(CHUNK, S.count - sent) : CHUNK;
    for (let i = 0; i < n; i++) producer.send({ topic: S.topic, value }, onDelivery);
    sent += n;
    await producer.waitForBuffer();
  }
  await producer.flush();
  const seconds = (performance.now() - t0) / 1000;
  stats.end();
  await producer.close();
  return { sent, acked, seconds, firstError };
}

/**
 * kafkajs and platformatic have no accumulator: each send() call becomes one Produce request
 * per broker, so they get `sendMessages` records per call with `sendsInFlight` calls
 * outstanding, as their users batch by hand.
 */
async function runLanes(send) {
  let acked = 0;
  let firstError = null;
  let sent = 0;
  const t0 = performance.now();
  stats.begin();
  const lane = async () => {
    while (performance.now() - t0 < S.durationMs) {
      sent += S.sendMessages;
      try {
        await send();
        acked += S.sendMessages;
      } catch (e) {
        firstError ??= e.message;
      }
    }
  };
  await Promise.all(Array.from({ length: S.sendsInFlight }, lane));
  const seconds = (performance.now() - t0) / 1000;
  stats.end();
  return { sent, acked, seconds, firstError };
}

async function runKafkajs() {
  const require = createRequire(join(ROOT, 'package.json'));
  const { Kafka, logLevel } = require('kafkajs');
  const kafka = new Kafka({ clientId: 'bench', brokers: [S.bootstrap], logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: false, maxInFlightRequests: S.sendsInFlight });
  await producer.connect();
  await producer.send({ topic: S.topic, acks: S.acks, messages: [{ value }] });
  const messages = Array.from({ length: S.sendMessages }, () => ({ value }));
  const r = await runLanes(() => producer.send({ topic: S.topic, acks: S.acks, messages }));
  await producer.disconnect();
  return r;
}

async function runPlatformatic() {
  const { Producer } = await loadPlatformatic();
  // idempotent off (its default; on, it caps in-flight requests at 1), no compression.
  const producer = new Producer({ clientId: 'bench', bootstrapBrokers: [S.bootstrap], acks: S.acks, maxInflights: S.sendsInFlight, autocreateTopics: false });
  await producer.send({ messages: [{ topic: S.topic, value }] });
  const messages = Array.from({ length: S.sendMessages }, () => ({ topic: S.topic, value }));
  const r = await runLanes(() => producer.send({ messages }));
  await producer.close();
  return r;
}

const r = await { samsa: runSamsa, kafkajs: runKafkajs, platformatic: runPlatformatic }[S.client]();
stats.report({ ...r, records: r.acked });
