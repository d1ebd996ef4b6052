#!/usr/bin/env node
/**
 * One consumer client in its own process, for bench/client.mjs: reads every record of a
 * pre-filled topic from the beginning, counting them until `expected` have come, and prints
 * one JSON line: records, seconds from the first record to the last, CPU (of that span) and
 * peak heap. Every client hands the application a record object per record (key, value,
 * offset, ...), so none is measured skipping work the others do.
 *   node bench/lib/client-consume-worker.mjs '<json settings>'
 * Settings: client (samsa | kafkajs | platformatic), bootstrap, topic, partitions, expected,
 * config (consumer settings: Kafka names for samsa, the client's own option names for the others).
 * samsa assigns itself every partition and seeks to the beginning (no group);
 * kafkajs and platformatic can only consume through a group: a fresh group id each run,
 * offsets from the earliest, auto commit off. Joining happens before the first record, so
 * it is outside the measured span.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPlatformatic } from './platformatic.mjs';
import { startWorkerStats } from './worker-stats.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const S = JSON.parse(process.argv[2]);
const GROUP_ID = `bench-consume-${S.client}-${process.pid}-${Date.now()}`;
/** Bounds close(): the figures are printed before it, a slow close must not hang the run. */
const CLOSE_TIMEOUT_MS = 10_000;
/** A consumer that gets no record for this long (joining included) has stalled: fail rather than wait out the parent's timeout. */
const STALL_TIMEOUT_MS = 60_000;
const stats = startWorkerStats();

/**
 * Counts records; `finished` resolves when `expected` have come, with the span from the first
 * to the last; add() says whether that happened.
 */
function counter() {
  let records = 0;
  let t0 = 0;
  let done;
  const finished = new Promise((resolve) => (done = resolve));
  let seen = -1;
  const watchdog = setInterval(() => {
    if (records === seen) {
      console.error(`${S.client}: no record for ${STALL_TIMEOUT_MS} ms after ${records} of ${S.expected}`);
      process.exit(1);
    }
    seen = records;
  }, STALL_TIMEOUT_MS);
  void finished.then(() => clearInterval(watchdog));
  return {
    finished,
    add(n) {
      if (n === 0) return false;
      if (records === 0) {
        t0 = performance.now();
        stats.begin();
      }
      records += n;
      if (records >= S.expected) {
        const seconds = (performance.now() - t0) / 1000;
        stats.end();
        done({ records, seconds });
        return true;
      }
      return false;
    },
    get records() {
      return records;
    },
  };
}

async function runSamsa() {
  const { Consumer } = await import(join(ROOT, 'packages/client/dist/src/index.js'));
  const consumer = new Consumer({ 'bootstrap.servers': S.bootstrap, 'enable.auto.commit': false, 'auto.offset.reset': 'earliest', ...S.config });
  const partitions = Array.from({ length: S.partitions }, (_, partition) => ({ topic: S.topic, partition }));
  consumer.assign(partitions);
  consumer.seekToBeginning(partitions);
  const c = counter();
  while (!c.add((await consumer.poll(1000)).length));
  return { ...(await c.finished), close: () => consumer.close() };
}

async function runKafkajs() {
  const require = createRequire(join(ROOT, 'package.json'));
  const { Kafka, logLevel } = require('kafkajs');
  const kafka = new Kafka({ clientId: 'bench', brokers: [S.bootstrap], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: GROUP_ID, allowAutoTopicCreation: false, ...S.config });
  await consumer.connect();
  await consumer.subscribe({ topic: S.topic, fromBeginning: true });
  const c = counter();
  await consumer.run({ autoCommit: false, eachBatch: async ({ batch }) => c.add(batch.messages.length) });
  return { ...(await c.finished), close: () => consumer.disconnect() };
}

async function runPlatformatic() {
  const { Consumer } = await loadPlatformatic();
  const consumer = new Consumer({ clientId: 'bench', bootstrapBrokers: [S.bootstrap], groupId: GROUP_ID, autocommit: false });
  const stream = await consumer.consume({ topics: [S.topic], mode: 'earliest', autocommit: false, ...S.config });
  const c = counter();
  // Flowing mode ('data'), its fastest way out: an async iterator adds a promise per record.
  stream.on('data', () => c.add(1));
  const r = await c.finished;
  stream.pause();
  return { ...r, close: async () => (await stream.close(), await consumer.close(true)) };
}

const { close, ...r } = await { samsa: runSamsa, kafkajs: runKafkajs, platformatic: runPlatformatic }[S.client]();
stats.report(r);
await Promise.race([close(), new Promise((resolve) => setTimeout(resolve, CLOSE_TIMEOUT_MS).unref())]);
process.exit(0);
