#!/usr/bin/env node
// Our producer (@samsa/client) against kafkajs, both against one `samsa start` broker:
// 100-byte records (null keys), acks=1 and acks=all, 1 and 8 partitions, records/s
// acknowledged and the client's peak RSS. Each client runs alone in its own process
// (bench/lib/client-produce-worker.mjs), so neither's heap or event loop affects the other.
// Run after `npx tsc -b`:
//   node bench/client-producer.mjs [--duration.ms=4000] [--record.bytes=100] [--acks=1,-1]
//     [--num.partitions=8,1] [--clients=samsa,samsa-64k,kafkajs] [--kafkajs.messages=1000]
//     [--kafkajs.in.flight=5]
// samsa runs with Kafka's defaults (batch.size 16384, linger.ms 5, idempotence on with
// acks=all); samsa-64k with batch.size=65536. kafkajs sends `kafkajs.messages` records per
// send() with `kafkajs.in.flight` sends outstanding (it has no accumulator; idempotence off,
// its default). The machine is shared and has 2 cores for the broker and the client
// together: each row carries the CPU that other processes used meanwhile. Writes
// bench/results/client-producer.json (with a flag: client-producer-partial.json).
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanupAll, cpuSecondsOf, machineBusySeconds, makeTempDir, runToEnd, startBroker } from './lib/broker-process.mjs';
import { createTopic } from './lib/broker-load.mjs';
import { KafkaConnection } from './lib/kafka-connection.mjs';
import { machineNote } from './lib/machine-note.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const flags = Object.fromEntries(process.argv.slice(2).map((a) => /^--([^=]+)=?(.*)$/s.exec(a).slice(1)));
const list = (name, dflt) => String(flags[name] ?? dflt).split(',');
const S = {
  durationMs: Number(flags['duration.ms'] ?? 4000),
  recordBytes: Number(flags['record.bytes'] ?? 100),
  acks: list('acks', '1,-1').map(Number),
  partitions: list('num.partitions', '8,1').map(Number),
  clients: list('clients', 'samsa,samsa-64k,kafkajs'),
  kafkajsMessages: Number(flags['kafkajs.messages'] ?? 1000),
  kafkajsInFlight: Number(flags['kafkajs.in.flight'] ?? 5),
};
const WORKER = join(HERE, 'lib', 'client-produce-worker.mjs');
const WORKER_TIMEOUT_MS = 120_000;
const DISTURBED_CPU_PCT = 25;
const CLIENT_CONFIGS = { samsa: {}, 'samsa-64k': { 'batch.size': 65536 } };

async function runWorker(settings) {
  const { stdout, peakRssBytes } = await runToEnd(process.execPath, [WORKER, JSON.stringify(settings)], WORKER_TIMEOUT_MS);
  const line = stdout.trim().split('\n').pop();
  if (!line) throw new Error(`worker ${settings.client} printed no result`);
  return { ...JSON.parse(line), peakRssBytes };
}

let topicSeq = 0;
async function runOne(broker, conn, client, acks, partitions) {
  const topic = `bench-${client}-${acks}-${partitions}-${topicSeq++}`;
  await createTopic(conn, topic, partitions);
  const machine0 = machineBusySeconds();
  const broker0 = cpuSecondsOf(broker.pid);
  const t0 = performance.now();
  const r = await runWorker({
    client: client.startsWith('samsa') ? 'samsa' : 'kafkajs',
    bootstrap: `127.0.0.1:${broker.port}`,
    topic,
    acks,
    durationMs: S.durationMs,
    recordBytes: S.recordBytes,
    config: CLIENT_CONFIGS[client] ?? {},
    sendMessages: S.kafkajsMessages,
    sendsInFlight: S.kafkajsInFlight,
  });
  const wall = (performance.now() - t0) / 1000;
  const brokerCpu = cpuSecondsOf(broker.pid) - broker0;
  const workerCpu = (r.cpuPct / 100) * r.seconds;
  const otherCpuPct = Math.max(0, Math.round(((machineBusySeconds() - machine0 - brokerCpu - workerCpu) / wall) * 100));
  return {
    client,
    acks,
    partitions,
    recordBytes: S.recordBytes,
    recordsPerSec: r.recordsPerSec,
    MBps: Math.round((r.recordsPerSec * S.recordBytes) / 1e5) / 10,
    acked: r.acked,
    sent: r.sent,
    seconds: Math.round(r.seconds * 100) / 100,
    clientCpuPct: r.cpuPct,
    clientCpuUsPerRecord: r.cpuUsPerRecord,
    brokerCpuPct: Math.round((brokerCpu / wall) * 100),
    otherCpuPct,
    disturbed: otherCpuPct > DISTURBED_CPU_PCT,
    clientPeakRssMB: Math.round(r.peakRssBytes / 1e5) / 10,
    clientHeapUsedMB: Math.round(r.heapUsedBytes / 1e5) / 10,
    firstError: r.firstError,
  };
}

async function main() {
  const machine = machineNote('packages/client', 'shared 2-core machine: broker and client compete for the same cores; see otherCpuPct per row');
  const broker = await startBroker({ dataDir: makeTempDir('samsa-bench-client-') });
  const conn = await KafkaConnection.open(broker.port, 'bench-admin');
  const rows = [];
  try {
    for (const partitions of S.partitions) {
      for (const acks of S.acks) {
        for (const client of S.clients) {
          const row = await runOne(broker, conn, client, acks, partitions);
          rows.push(row);
          console.log(
            `${client.padEnd(10)} acks=${String(acks).padEnd(2)} partitions=${partitions}  ${String(row.recordsPerSec).padStart(9)} records/s  ${String(row.MBps).padStart(6)} MB/s  client cpu ${row.clientCpuPct}% (${row.clientCpuUsPerRecord} us/record)  broker cpu ${row.brokerCpuPct}%  other ${row.otherCpuPct}%${row.disturbed ? ' (disturbed)' : ''}  client peak RSS ${row.clientPeakRssMB} MB${row.firstError ? `  first error: ${row.firstError}` : ''}`,
          );
        }
      }
    }
  } finally {
    conn.close?.();
    await broker.stop();
    cleanupAll();
  }
  for (const partitions of S.partitions) {
    for (const acks of S.acks) {
      const of = (c) => rows.find((r) => r.client === c && r.acks === acks && r.partitions === partitions)?.recordsPerSec;
      if (of('kafkajs')) console.log(`partitions=${partitions} acks=${acks}: samsa/kafkajs ${(of('samsa') / of('kafkajs')).toFixed(2)}x, samsa-64k/kafkajs ${(of('samsa-64k') / of('kafkajs')).toFixed(2)}x`);
    }
  }
  mkdirSync(join(HERE, 'results'), { recursive: true });
  const file = join(HERE, 'results', process.argv.length > 2 ? 'client-producer-partial.json' : 'client-producer.json');
  writeFileSync(file, JSON.stringify({ machine: { ...machine, loadAverageAtEnd: loadavg().map((x) => Math.round(x * 100) / 100) }, date: new Date().toISOString(), settings: S, rows }, null, 2) + '\n');
  console.log(`wrote ${file}`);
}

await main();
