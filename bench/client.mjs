#!/usr/bin/env node
// Issue 5's client bench, in one run against one `samsa start` broker: our producer and
// consumer (@samsa/client) side by side with kafkajs 2.x and @platformatic/kafka 2.x, for
// 100-byte records (null keys). Each client runs alone in its own process
// (bench/lib/client-produce-worker.mjs, client-consume-worker.mjs), so no client's heap or
// event loop affects another's.
// Run after `npx tsc -b`:
//   node bench/client.mjs [--duration.ms=4000] [--record.bytes=100] [--acks=1,-1]
//     [--num.partitions=8,1] [--clients=samsa,samsa-64k,kafkajs,platformatic]
//     [--kafkajs.messages=1000] [--kafkajs.in.flight=5] [--platformatic.messages=1000]
//     [--platformatic.in.flight=5] [--consume.records=5000000] [--consume.partitions=8]
//     [--consumers=samsa,kafkajs,platformatic] [--only=produce,consume] [--cpu.prof=samsa,...]
//
// Produce: each client sends for duration.ms to a fresh topic; a row is the records/s
// acknowledged. samsa runs with Kafka's defaults (batch.size 16384, linger.ms 5, idempotence
// on with acks=all); samsa-64k with batch.size=65536. kafkajs and platformatic have no
// accumulator: they get `*.messages` records per send() call with `*.in.flight` calls
// outstanding (idempotence off, their default; platformatic's idempotent mode allows only one
// request in flight). Both fill a Produce request per broker from one call, so the records
// of a call are spread over the partitions (round robin for null keys). 1000 records per
// call: of 250, 1000, 2000, 4000 and 16000 (8 partitions, acks=1), 1000 gave platformatic its
// lowest CPU per record and kafkajs within the noise of its best (4000, not steadily).
// Consume: one topic of consume.partitions partitions is filled once by our producer
// (batch.size 65536, acks=1), then each consumer reads all of it from the beginning: samsa
// assigns itself the partitions (no group); kafkajs and platformatic need a group (a fresh id
// per run, auto commit off). A row is records/s from the first record to the last. Fetch
// sizes are Kafka's defaults for all three (1 MiB per partition: max.partition.fetch.bytes,
// kafkajs maxBytesPerPartition); platformatic's own default, 50 MB per partition, made it
// build all of a partition's records at once (peak heap 430-520 MB against 150 MB, and 30-90%
// more CPU per record in two runs of 2 million records), so it gets 1 MiB too.
// The machine is shared: each row carries the CPU other processes used meanwhile and is
// marked disturbed past DISTURBED_CPU_PCT; the ratios of one run are what to compare.
// --cpu.prof=<client,...> runs those clients' workers under node --cpu-prof and prints
// their top self-time functions. Writes bench/results/client.json (with a flag:
// client-partial.json).
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiKey } from '../packages/protocol/dist/src/index.js';
import { cleanupAll, cpuSecondsOf, machineBusySeconds, makeTempDir, runToEnd, startBroker } from './lib/broker-process.mjs';
import { createTopic } from './lib/broker-load.mjs';
import { clientGoals, printGoals } from './lib/client-goals.mjs';
import { summarizeProfile } from './lib/cpu-profile.mjs';
import { KafkaConnection } from './lib/kafka-connection.mjs';
import { machineNote } from './lib/machine-note.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const flags = Object.fromEntries(process.argv.slice(2).map((a) => /^--([^=]+)=?(.*)$/s.exec(a).slice(1)));
const list = (name, dflt) => String(flags[name] ?? dflt).split(',').filter(Boolean);
const S = {
  durationMs: Number(flags['duration.ms'] ?? 4000),
  recordBytes: Number(flags['record.bytes'] ?? 100),
  acks: list('acks', '1,-1').map(Number),
  partitions: list('num.partitions', '8,1').map(Number),
  clients: list('clients', 'samsa,samsa-64k,kafkajs,platformatic'),
  kafkajsMessages: Number(flags['kafkajs.messages'] ?? 1000),
  kafkajsInFlight: Number(flags['kafkajs.in.flight'] ?? 5),
  platformaticMessages: Number(flags['platformatic.messages'] ?? 1000),
  platformaticInFlight: Number(flags['platformatic.in.flight'] ?? 5),
  consumeRecords: Number(flags['consume.records'] ?? 5_000_000),
  consumePartitions: Number(flags['consume.partitions'] ?? 8),
  consumers: list('consumers', 'samsa,kafkajs,platformatic'),
  only: list('only', 'produce,consume'),
  cpuProf: list('cpu.prof', ''),
};
const PRODUCE_WORKER = join(HERE, 'lib', 'client-produce-worker.mjs');
const CONSUME_WORKER = join(HERE, 'lib', 'client-consume-worker.mjs');
const PRODUCE_TIMEOUT_MS = 120_000;
/** kafkajs reads ~100,000 records/s here when the machine is busy: 5 million take a minute. */
const CONSUME_TIMEOUT_MS = 600_000;
const DISTURBED_CPU_PCT = 25;
const PRODUCER_CONFIGS = { samsa: {}, 'samsa-64k': { 'batch.size': 65536 } };
const CONSUMER_CONFIGS = { platformatic: { maxBytesPerPartition: 1_048_576 } };
const FILL_CONFIG = { 'batch.size': 65536 };
const LIST_OFFSETS_VERSION = 7;
const LATEST_TIMESTAMP = -1n;
const profiles = [];

/** Runs a worker; resolves with its JSON line, peak RSS and the CPU the rest of the machine used meanwhile. */
async function runWorker(worker, settings, timeoutMs, broker, name) {
  const profDir = S.cpuProf.includes(name) ? mkdtempSync(join(tmpdir(), 'samsa-client-prof-')) : null;
  const nodeArgs = profDir ? ['--cpu-prof', '--cpu-prof-dir', profDir] : [];
  const machine0 = machineBusySeconds();
  const broker0 = cpuSecondsOf(broker.pid);
  const t0 = performance.now();
  const { stdout, peakRssBytes } = await runToEnd(process.execPath, [...nodeArgs, worker, JSON.stringify(settings)], timeoutMs);
  const wall = (performance.now() - t0) / 1000;
  const line = stdout.trim().split('\n').pop();
  if (!line) throw new Error(`worker ${name} printed no result`);
  const r = JSON.parse(line);
  const brokerCpu = cpuSecondsOf(broker.pid) - broker0;
  // The worker's CPU over its whole life is not known here: count its measured span's CPU, so
  // its start and close show up as "other" (a few hundred ms of a core at most).
  const workerCpu = (r.cpuPct / 100) * r.seconds;
  const otherCpuPct = Math.max(0, Math.round(((machineBusySeconds() - machine0 - brokerCpu - workerCpu) / wall) * 100));
  if (profDir) {
    const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
    if (file) profiles.push({ name, ...summarizeProfile(join(profDir, file), { top: 15 }) });
  }
  return {
    recordsPerSec: r.recordsPerSec,
    MBps: Math.round((r.recordsPerSec * S.recordBytes) / 1e5) / 10,
    records: r.records,
    seconds: Math.round(r.seconds * 100) / 100,
    clientCpuPct: r.cpuPct,
    clientCpuUsPerRecord: r.cpuUsPerRecord,
    // The broker's CPU over the worker's whole life (it is idle before the first request).
    brokerCpuPct: Math.round((brokerCpu / wall) * 100),
    otherCpuPct,
    disturbed: otherCpuPct > DISTURBED_CPU_PCT,
    clientPeakRssMB: Math.round(peakRssBytes / 1e5) / 10,
    clientPeakHeapUsedMB: Math.round(r.peakHeapUsedBytes / 1e5) / 10,
    ...(r.firstError ? { firstError: r.firstError } : {}),
  };
}

/** A worker that fails makes a row with its error: the other clients' rows still count. */
async function measured(...args) {
  try {
    return await runWorker(...args);
  } catch (e) {
    return { error: e.message.slice(0, 500) };
  }
}

const describe = (row) =>
  row.error ? `failed: ${row.error}` : `${String(row.recordsPerSec).padStart(9)} records/s  ${String(row.MBps).padStart(6)} MB/s  client cpu ${row.clientCpuPct}% (${row.clientCpuUsPerRecord} us/record)  broker cpu ${row.brokerCpuPct}%  other ${row.otherCpuPct}%${row.disturbed ? ' (disturbed)' : ''}  client peak RSS ${row.clientPeakRssMB} MB, heap ${row.clientPeakHeapUsedMB} MB${row.firstError ? `  first error: ${row.firstError}` : ''}`;

let topicSeq = 0;
async function produceRow(broker, conn, client, acks, partitions) {
  const topic = `bench-${client}-${acks}-${partitions}-${topicSeq++}`;
  await createTopic(conn, topic, partitions);
  const lanes = client === 'platformatic' ? [S.platformaticMessages, S.platformaticInFlight] : [S.kafkajsMessages, S.kafkajsInFlight];
  const settings = {
    client: client.startsWith('samsa') ? 'samsa' : client,
    bootstrap: `127.0.0.1:${broker.port}`,
    topic,
    acks,
    durationMs: S.durationMs,
    recordBytes: S.recordBytes,
    config: PRODUCER_CONFIGS[client] ?? {},
    sendMessages: lanes[0],
    sendsInFlight: lanes[1],
  };
  const row = { client, acks, partitions, recordBytes: S.recordBytes, ...(await measured(PRODUCE_WORKER, settings, PRODUCE_TIMEOUT_MS, broker, client)) };
  console.log(`produce ${client.padEnd(12)} acks=${String(acks).padEnd(2)} partitions=${partitions}  ${describe(row)}`);
  return row;
}

/** The sum of the partitions' log end offsets: how many records a consumer reading from 0 gets. */
async function recordsIn(conn, topic, partitions) {
  const res = await conn.request(ApiKey.ListOffsets, LIST_OFFSETS_VERSION, {
    replicaId: -1,
    isolationLevel: 0,
    topics: [{ name: topic, partitions: Array.from({ length: partitions }, (_, partitionIndex) => ({ partitionIndex, timestamp: LATEST_TIMESTAMP })) }],
  });
  let total = 0;
  for (const p of res.topics[0].partitions) {
    if (p.errorCode !== 0) throw new Error(`ListOffsets ${topic}-${p.partitionIndex}: error code ${p.errorCode}`);
    total += Number(p.offset);
  }
  return total;
}

async function consumeRows(broker, conn) {
  const topic = `bench-consume-${S.consumePartitions}`;
  const bootstrap = `127.0.0.1:${broker.port}`;
  await createTopic(conn, topic, S.consumePartitions);
  const fill = await runWorker(PRODUCE_WORKER, { client: 'samsa', bootstrap, topic, acks: 1, recordBytes: S.recordBytes, count: S.consumeRecords, config: FILL_CONFIG }, CONSUME_TIMEOUT_MS, broker, 'fill');
  const expected = await recordsIn(conn, topic, S.consumePartitions);
  console.log(`consume: ${expected} records of ${S.recordBytes} bytes in ${S.consumePartitions} partitions (filled by samsa at ${fill.recordsPerSec} records/s)`);
  const rows = [];
  for (const client of S.consumers) {
    const settings = { client, bootstrap, topic, partitions: S.consumePartitions, expected, config: CONSUMER_CONFIGS[client] ?? {} };
    const row = { client, partitions: S.consumePartitions, recordBytes: S.recordBytes, ...(await measured(CONSUME_WORKER, settings, CONSUME_TIMEOUT_MS, broker, `consume-${client}`)) };
    console.log(`consume ${client.padEnd(12)} partitions=${S.consumePartitions}  ${describe(row)}`);
    rows.push(row);
  }
  return rows;
}

function printProduceRatios(produce) {
  for (const partitions of S.partitions) {
    for (const acks of S.acks) {
      const of = (c) => produce.find((r) => r.client === c && r.acks === acks && r.partitions === partitions)?.recordsPerSec;
      const parts = [];
      for (const ours of ['samsa', 'samsa-64k']) for (const other of ['kafkajs', 'platformatic']) if (of(ours) && of(other)) parts.push(`${ours}/${other} ${(of(ours) / of(other)).toFixed(2)}x`);
      if (parts.length) console.log(`produce partitions=${partitions} acks=${acks}: ${parts.join(', ')}`);
    }
  }
}

async function main() {
  const machine = machineNote('packages/client', 'shared 2-core machine: broker and client compete for the same cores; see otherCpuPct per row');
  console.log(`machine: ${machine.cpu}, ${machine.cores} cores, node ${machine.node}; samsa ${machine.commit} (+${machine.uncommittedFiles} uncommitted files in packages/client); load average ${machine.loadAverageAtStart.join(' ')}`);
  const broker = await startBroker({ dataDir: makeTempDir('samsa-bench-client-') });
  const conn = await KafkaConnection.open(broker.port, 'bench-admin');
  const produce = [];
  let consume = [];
  try {
    if (S.only.includes('produce')) {
      for (const partitions of S.partitions) for (const acks of S.acks) for (const client of S.clients) produce.push(await produceRow(broker, conn, client, acks, partitions));
    }
    if (S.only.includes('consume')) consume = await consumeRows(broker, conn);
  } finally {
    conn.close?.();
    await broker.stop();
    cleanupAll();
  }
  printProduceRatios(produce);
  for (const p of profiles) {
    console.log(`\nCPU profile of ${p.name} (${p.file}): ${p.busyMs} ms busy, ${p.idleMs} ms idle; top self time:`);
    for (const f of p.top) console.log(`  ${String(f.pctOfBusy).padStart(5)}%  ${String(f.selfMs).padStart(6)} ms  ${f.function}`);
  }
  const goals = clientGoals({ produce, consume, partitions: Math.max(...S.partitions) });
  printGoals(goals);
  mkdirSync(join(HERE, 'results'), { recursive: true });
  const file = join(HERE, 'results', process.argv.length > 2 ? 'client-partial.json' : 'client.json');
  const result = { machine: { ...machine, loadAverageAtEnd: loadavg().map((x) => Math.round(x * 100) / 100) }, date: new Date().toISOString(), settings: S, produce, consume, goals, profiles };
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  console.log(`wrote ${file}`);
}

await main();
