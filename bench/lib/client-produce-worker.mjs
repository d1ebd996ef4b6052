#!/usr/bin/env node
/**
 * One producer client in its own process, for bench/client-producer.mjs: produces
 * `record.bytes`-byte values (null keys, as producer-perf-test sends) to one topic for
 * `duration.ms`, then waits for every acknowledgement, and prints one JSON line: records
 * acknowledged, seconds from first send to last acknowledgement, CPU and memory.
 *   node bench/lib/client-produce-worker.mjs '<json settings>'
 * Settings: client (samsa | kafkajs), bootstrap, topic, acks, durationMs, recordBytes,
 * config (producer settings, Kafka names, for samsa), sendMessages and sendsInFlight (kafkajs).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const S = JSON.parse(process.argv[2]);
const value = Buffer.alloc(S.recordBytes, 0x61);
/** Checked between chunks of sends: the loop never blocks the event loop for long. */
const CHUNK = 1000;

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
  let sent = 0;
  while (performance.now() - t0 < S.durationMs) {
    for (let i = 0; i < CHUNK; i++) producer.send({ topic: S.topic, value }, onDelivery);
    sent += CHUNK;
    await producer.waitForBuffer();
  }
  await producer.flush();
  const seconds = (performance.now() - t0) / 1000;
  await producer.close();
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
  let acked = 0;
  let firstError = null;
  let sent = 0;
  const t0 = performance.now();
  // kafkajs sends one request per send() call: keep `sendsInFlight` of them going.
  const lane = async () => {
    while (performance.now() - t0 < S.durationMs) {
      sent += messages.length;
      try {
        await producer.send({ topic: S.topic, acks: S.acks, messages });
        acked += messages.length;
      } catch (e) {
        firstError ??= e.message;
      }
    }
  };
  await Promise.all(Array.from({ length: S.sendsInFlight }, lane));
  const seconds = (performance.now() - t0) / 1000;
  await producer.disconnect();
  return { sent, acked, seconds, firstError };
}

const cpu0 = process.cpuUsage();
const r = S.client === 'samsa' ? await runSamsa() : await runKafkajs();
const cpu = process.cpuUsage(cpu0);
const mem = process.memoryUsage();
console.log(
  JSON.stringify({
    ...r,
    recordsPerSec: Math.round(r.acked / r.seconds),
    cpuPct: Math.round(((cpu.user + cpu.system) / 1e6 / r.seconds) * 100),
    // CPU per record is steadier than records/s on a shared machine.
    cpuUsPerRecord: Math.round(((cpu.user + cpu.system) / r.acked) * 100) / 100,
    heapUsedBytes: mem.heapUsed,
    rssBytes: mem.rss,
  }),
);
