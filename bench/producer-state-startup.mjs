#!/usr/bin/env node
// Startup of a broker holding a large log written by idempotent producers: how long
// Broker.start takes after a clean stop and after a kill (no clean-shutdown markers), with
// the time that goes into rebuilding the producer-state table and the leader-epoch cache.
// One in-process broker (@samsa/testing, embedded store), one partition, RF=1.
//   npx tsc -b && node bench/producer-state-startup.mjs [--total.bytes=2147483648]
//     [--segment.bytes=67108864] [--producers=4] [--restarts=3] [--out=FILE]
// The data directory is in os.tmpdir() and is removed at the end. The log stays in the page
// cache between restarts, so the figures are CPU and page-cache reads, not disk reads.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Admin, Producer } from '../packages/client/dist/src/index.js';
import { startCluster } from '../packages/testing/dist/src/index.js';
import { machineNote } from './lib/machine-note.mjs';

const flags = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const totalBytes = Number(flags['total.bytes'] ?? 2 * 1024 ** 3);
const segmentBytes = Number(flags['segment.bytes'] ?? 64 * 1024 ** 2);
const producers = Number(flags.producers ?? 4);
const restarts = Number(flags.restarts ?? 3);
const VALUE = Buffer.alloc(1000, 0x61);
const TOPIC = 'big';

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const round = (x) => Number(x.toFixed(1));

const dataDir = mkdtempSync(join(tmpdir(), 'samsa-bench-pstate-'));
const c = await startCluster({ brokers: 1, dataDir, config: { 'log.segment.bytes': segmentBytes } });
try {
  const admin = new Admin({ 'bootstrap.servers': c.bootstrapServers });
  await admin.createTopics([{ topic: TOPIC, numPartitions: 1, replicationFactor: 1 }]);
  await admin.close();
  const t0 = performance.now();
  const perProducer = Math.ceil(totalBytes / VALUE.length / producers);
  await Promise.all(
    Array.from({ length: producers }, async () => {
      const p = new Producer({ 'bootstrap.servers': c.bootstrapServers, 'linger.ms': 5, 'batch.size': 1 << 20, 'enable.idempotence': true });
      const window = [];
      for (let i = 0; i < perProducer; i++) {
        window.push(p.send({ topic: TOPIC, partition: 0, value: VALUE }));
        if (window.length >= 20_000) await Promise.all(window.splice(0));
      }
      await Promise.all(window);
      await p.close();
    }),
  );
  const b = c.broker(0);
  const part = () => b.broker.services.replicaManager.partition(TOPIC, 0);
  const written = { logEndOffset: part().logEndOffset, bytes: part().log.size, segments: part().log.segmentCount, seconds: round((performance.now() - t0) / 1000) };
  console.log(`wrote ${(written.bytes / 1024 ** 2).toFixed(0)} MB, ${written.logEndOffset} records, ${written.segments} segments in ${written.seconds} s`);

  const timeStart = async () => {
    const s = performance.now();
    await b.start();
    const ms = performance.now() - s;
    if (part()?.logEndOffset !== written.logEndOffset) throw new Error(`restarted with log end ${part()?.logEndOffset}, expected ${written.logEndOffset}`);
    return round(ms);
  };
  const afterKill = [];
  const afterStop = [];
  for (let i = 0; i < restarts; i++) {
    await b.kill();
    afterKill.push(await timeStart());
    await b.stop();
    afterStop.push(await timeStart());
  }
  const result = {
    machine: machineNote('packages/broker/src'),
    date: new Date().toISOString(),
    settings: { totalBytes, segmentBytes, producers, restarts, valueBytes: VALUE.length },
    written,
    startAfterKillMs: { median: median(afterKill), runs: afterKill },
    startAfterStopMs: { median: median(afterStop), runs: afterStop },
  };
  console.log(`Broker.start after a kill: ${afterKill.join(', ')} ms (median ${result.startAfterKillMs.median}); after a clean stop: ${afterStop.join(', ')} ms (median ${result.startAfterStopMs.median})`);
  const out = flags.out ?? join(dirname(fileURLToPath(import.meta.url)), 'results', 'producer-state-startup.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
} finally {
  await c.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
