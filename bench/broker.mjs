#!/usr/bin/env node
// The broker as a user runs it: `samsa start` in its own process, driven over TCP by a
// protocol-level load generator in this process (pre-built batches, pipelined Produce
// requests, a bounded number in flight per connection) and by librdkafka through
// confluent-kafka. Two brokers: Kafka's default flush policy (no fsync), then
// log.flush.interval.messages=1 (an fdatasync, grouped across requests, before every ack).
// Run after `npx tsc -b`:
//   node bench/broker.mjs [--duration.ms=3000] [--warmup.ms=500] [--connections=4]
//     [--max.in.flight.requests.per.connection=5] [--record.bytes=100,1024]
//     [--num.partitions=1,8] [--acks=1,-1] [--batch.size=65536,16384]
//     [--flush.record.bytes=1024] [--flush.connections=4,16] [--latency.records.per.sec=10000]
//     [--latency.record.bytes=1024]
//     [--latency.duration.ms=5000] [--consume.bytes=1073741824] [--fetch.max.bytes=52428800]
//     [--max.partition.fetch.bytes=8388608] [--consume.connections=4] [--rdkafka.records=300000]
//     [--linger.ms=5] [--rdkafka.batch.size=65536] [--startup.runs=3]
//     [--only=startup,floor,produce,latency,consume,rdkafka,restart,fsync] [--cpu.prof=DIR]
//     [--settle.dirty.mb=256]  (each produce row first waits, up to 30 s, for dirty pages to drain)
//     [--node.args="--max-semi-space-size=64"]
// Figures: MB/s is record values only (records/s x record.bytes, 1 MB = 10^6 bytes), as
// Kafka's producer-perf-test counts; produce latency runs from handing the request to the
// socket to decoding its response, and its percentiles come from a log-bucket histogram over
// every request (bench/lib/histogram.mjs, within 1.6%). The "floor" is the same load against
// bench/lib/null-broker.mjs, which answers Produce without a log. The machine is shared and
// has 2 cores for the broker and the load together: each figure carries the CPU that other
// processes used meanwhile, and one over 25% of a core is marked disturbed. Prints a table
// with each target and writes bench/results/broker.json with a note of the machine; the
// previous file is the baseline shown next to the new figures (a run with any flag writes
// bench/results/broker-partial.json instead).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanupAll, cpuSecondsOf, machineBusySeconds, makeTempDir, memoryOf, removeTempDir, runToEnd, startBroker, startNullBroker, track } from './lib/broker-process.mjs';
import { buildBatch, createTopic, deleteTopic, fetchAll, openConnections, produceClosedLoop, produceFixedRate, watchBroker } from './lib/broker-load.mjs';
import { summarizeProfile } from './lib/cpu-profile.mjs';
import { launchEnv } from '../packages/cli/bin/launch.js';
import { machineNote } from './lib/machine-note.mjs';
import { settleDirtyPages } from './lib/page-cache.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const flags = Object.fromEntries(process.argv.slice(2).map((a) => /^--([^=]+)=?(.*)$/s.exec(a).slice(1)));
const list = (name, dflt) => String(flags[name] ?? dflt).split(',').map(Number);
const S = {
  durationMs: Number(flags['duration.ms'] ?? 3000),
  warmupMs: Number(flags['warmup.ms'] ?? 500),
  connections: Number(flags['connections'] ?? 4),
  maxInFlight: Number(flags['max.in.flight.requests.per.connection'] ?? 5), // the producer default
  recordBytes: list('record.bytes', '100,1024'),
  partitions: list('num.partitions', '1,8'),
  acks: list('acks', '1,-1'),
  batchSizes: list('batch.size', '65536,16384'),
  flushRecordBytes: list('flush.record.bytes', '1024'),
  /** With an fsync per ack, how many appends share one depends on how many producers wait. */
  flushConnections: list('flush.connections', '4,16'),
  latencyRecordsPerSec: Number(flags['latency.records.per.sec'] ?? 10000),
  latencyRecordBytes: Number(flags['latency.record.bytes'] ?? 1024),
  latencyDurationMs: Number(flags['latency.duration.ms'] ?? 5000),
  consumeBytes: Number(flags['consume.bytes'] ?? 1024 ** 3),
  fetchMaxBytes: Number(flags['fetch.max.bytes'] ?? 52428800), // the consumer default
  partitionMaxBytes: Number(flags['max.partition.fetch.bytes'] ?? 8388608),
  consumeConnections: Number(flags['consume.connections'] ?? 4),
  consumePasses: 3,
  rdkafkaRecords: Number(flags['rdkafka.records'] ?? 300000),
  lingerMs: Number(flags['linger.ms'] ?? 5),
  rdkafkaBatchSize: Number(flags['rdkafka.batch.size'] ?? 65536),
  startupRuns: Number(flags['startup.runs'] ?? 3),
  only: new Set(String(flags.only ?? 'startup,floor,produce,latency,consume,rdkafka,restart,fsync').split(',')),
  cpuProfDir: flags['cpu.prof'] ?? null,
  /** Extra node options for the broker processes (space-separated), e.g. --max-semi-space-size=64. */
  nodeArgs: String(flags['node.args'] ?? '').split(' ').filter(Boolean),
  /** Before each produce row, wait (up to 30 s) for the page cache's dirty + writeback pages to fall below this (0: do not wait). */
  settleDirtyMB: Number(flags['settle.dirty.mb'] ?? 256),
};
const FSYNC_OVERRIDES = ['log.flush.interval.messages=1']; // broker-level synonym of flush.messages
const PYTHON = '/usr/bin/python3'; // Debian's, which sees python3-confluent-kafka
const RDKAFKA_TIMEOUT_MS = 180_000;
const MB = 1e6;
/** A figure taken while other processes used more than this (percent of one core) is marked disturbed. */
const DISTURBED_CPU_PCT = 25;
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const round = (x, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
let topicSeq = 0;

/** Spawn-to-ready on fresh data dirs, `startupRuns` times; the median counts. */
async function measureStartup() {
  const runs = [];
  for (let i = 0; i < S.startupRuns; i++) {
    const dir = makeTempDir('samsa-bench-startup-');
    const machine0 = machineBusySeconds();
    const self0 = process.cpuUsage();
    const b = await startBroker({ dataDir: dir });
    const self = process.cpuUsage(self0);
    const otherSeconds = machineBusySeconds() - machine0 - cpuSecondsOf(b.pid) - (self.user + self.system) / 1e6;
    const m = memoryOf(b.pid);
    const stopped = await b.stop();
    removeTempDir(dir);
    runs.push({ readyMs: round(b.readyMs), rssAtReadyBytes: m?.rssBytes, stopMs: round(stopped.stopMs), otherCpuPct: Math.max(0, Math.round((otherSeconds / (b.readyMs / 1000)) * 100)) });
  }
  return { readyMs: median(runs.map((r) => r.readyMs)), otherCpuPct: Math.max(...runs.map((r) => r.otherCpuPct)), runs, nodeAloneMs: await nodeStartupMs() };
}

/** The floor under startup: spawn to the first line from a Node that loads nothing (in the environment samsa runs in), same count of runs. */
async function nodeStartupMs() {
  const times = [];
  for (let i = 0; i < S.startupRuns; i++) {
    const t0 = performance.now();
    await new Promise((resolve, reject) => {
      const child = track(spawn(process.execPath, ['-e', 'console.log("ready")'], { stdio: ['ignore', 'pipe', 'inherit'], env: launchEnv() }));
      child.stdout.once('data', () => resolve());
      child.once('error', reject);
    });
    times.push(round(performance.now() - t0));
  }
  return median(times);
}

/** RSS after `ms` of idleness (Node's heap settles after startup). */
async function idleRss(pid, ms = 1000) {
  await sleep(ms);
  return memoryOf(pid).rssBytes;
}

async function produceScenario(broker, admin, { recordBytes, partitions, acks, batchSize, keep = false, durationMs = S.durationMs, totalBytes, connections = S.connections }) {
  const topic = `bench-${++topicSeq}`;
  if (admin) await createTopic(admin, topic, partitions);
  const batch = buildBatch({ recordBytes, batchSize });
  const settled = await settleDirtyPages({ belowMB: S.settleDirtyMB });
  const conns = await openConnections(broker.port, connections, 'samsa-bench-produce');
  const r = await produceClosedLoop({ conns, pid: broker.pid, topic, partitions, batch, acks, maxInFlight: S.maxInFlight, warmupMs: totalBytes ? 0 : S.warmupMs, durationMs: totalBytes ? Infinity : durationMs, totalBytes });
  for (const c of conns) c.close();
  if (admin && !keep) await deleteTopic(admin, topic);
  const row = {
    recordBytes,
    partitions,
    acks,
    batchSize,
    connections,
    maxInFlight: S.maxInFlight,
    recordsPerBatch: batch.records,
    batchBytes: batch.bytes.length,
    recordsPerSec: Math.round(r.records / r.seconds),
    MBps: round((r.records * recordBytes) / MB / r.seconds),
    batchMBps: round(r.batchBytes / MB / r.seconds),
    requestsPerSec: Math.round(r.requests / r.seconds),
    p50Ms: r.latency.p50Ms,
    p99Ms: r.latency.p99Ms,
    latency: r.latency,
    brokerPeakRssMB: round(r.brokerPeakRssBytes / MB),
    brokerCpuPct: r.brokerCpuPct,
    loadCpuPct: r.loadCpuPct,
    otherCpuPct: r.otherCpuPct,
    brokerThreadsCpuPct: r.brokerThreadsCpuPct,
    errors: r.errors,
    firstError: r.firstError,
    dirtyMBAtStart: settled.dirtyMB,
    settleMs: settled.settleMs,
  };
  return { row, topic, records: r.records };
}

async function produceMatrix(broker, admin, recordSizes, batchSizes, connectionCounts = [S.connections]) {
  const rows = [];
  for (const connections of connectionCounts)
    for (const batchSize of batchSizes)
      for (const recordBytes of recordSizes)
        for (const partitions of S.partitions)
          for (const acks of S.acks) {
            const { row } = await produceScenario(broker, admin, { recordBytes, partitions, acks, batchSize, connections });
            printProduceRow(row);
            rows.push(row);
          }
  return rows;
}

/** 10,000 records/s two ways: 100-record batches every 10 ms, and one record per request. */
async function latencyTests(broker, admin, acks) {
  const rows = [];
  const topic = `bench-latency-${++topicSeq}`;
  if (admin) await createTopic(admin, topic, 1);
  const [conn] = await openConnections(broker.port, 1, 'samsa-bench-latency');
  for (const recordsPerRequest of [100, 1]) {
    const batch = buildBatch({ recordBytes: S.latencyRecordBytes, count: recordsPerRequest });
    const r = await produceFixedRate({ conn, pid: broker.pid, topic, batch, acks, requestsPerSec: S.latencyRecordsPerSec / recordsPerRequest, warmupMs: 1000, durationMs: S.latencyDurationMs });
    const row = {
      mode: recordsPerRequest === 1 ? '1 record per request' : `${recordsPerRequest} records per request`,
      recordBytes: S.latencyRecordBytes,
      acks,
      recordsPerRequest,
      requestsPerSec: r.requestsPerSec,
      achievedRecordsPerSec: r.achievedRecordsPerSec,
      p50Ms: r.latency.p50Ms,
      p99Ms: r.latency.p99Ms,
      latency: r.latency,
      latencyFromDue: r.latencyFromDue,
      maxGeneratorLagMs: r.maxGeneratorLagMs,
      skippedRequests: r.skippedRequests,
      brokerCpuPct: r.brokerCpuPct,
      otherCpuPct: r.otherCpuPct,
      brokerThreadsCpuPct: r.brokerThreadsCpuPct,
      brokerPeakRssMB: round(r.brokerPeakRssBytes / MB),
      errors: r.errors,
      firstError: r.firstError,
    };
    console.log(`  latency ${row.mode.padEnd(24)} ${row.achievedRecordsPerSec} rec/s  p50 ${row.p50Ms} ms  p99 ${row.p99Ms} ms  (from due time p99 ${r.latencyFromDue.p99Ms} ms, max ${r.latency.maxMs} ms)  broker cpu ${row.brokerCpuPct}% (${threads(r.brokerThreadsCpuPct)}) other ${row.otherCpuPct}%${r.skippedRequests ? `  SKIPPED ${r.skippedRequests} requests (over ${r.maxInFlight} in flight)` : ''}${row.errors ? `  ERRORS ${row.errors}: ${row.firstError}` : ''}`);
    rows.push(row);
  }
  conn.close();
  if (admin) await deleteTopic(admin, topic);
  return rows;
}

/** Produces consume.bytes of 1 KiB records into 8 partitions, then fetches it all, `consumePasses` times. */
async function consumeTest(broker, admin) {
  const partitions = 8;
  const { topic, records, row: produced } = await produceScenario(broker, admin, { recordBytes: 1024, partitions, acks: 1, batchSize: 65536, keep: true, totalBytes: S.consumeBytes });
  const passes = [];
  for (let i = 0; i < S.consumePasses; i++) {
    const conns = await openConnections(broker.port, S.consumeConnections, 'samsa-bench-consume');
    const r = await fetchAll({ conns, pid: broker.pid, topic, partitions, fetchMaxBytes: S.fetchMaxBytes, partitionMaxBytes: S.partitionMaxBytes });
    for (const c of conns) c.close();
    if (r.records !== records) throw new Error(`consume pass ${i + 1}: fetched ${r.records} records, produced ${records}`);
    passes.push({ MBps: round(r.MBps), seconds: round(r.seconds, 3), bytes: r.bytes, fetches: r.fetches, brokerCpuPct: r.brokerCpuPct, loadCpuPct: r.loadCpuPct, otherCpuPct: r.otherCpuPct, brokerThreadsCpuPct: r.brokerThreadsCpuPct, brokerPeakRssMB: round(r.brokerPeakRssBytes / MB) });
    console.log(`  consume pass ${i + 1}: ${round(r.bytes / MB)} MB in ${round(r.seconds, 3)} s = ${round(r.MBps)} MB/s (${r.fetches} fetches, broker cpu ${r.brokerCpuPct}% (${threads(r.brokerThreadsCpuPct)}), load cpu ${r.loadCpuPct}%, other cpu ${r.otherCpuPct}%, broker peak RSS ${round(r.brokerPeakRssBytes / MB)} MB)`);
  }
  return { topic, partitions, records, producedMBps: produced.MBps, fetchMaxBytes: S.fetchMaxBytes, partitionMaxBytes: S.partitionMaxBytes, connections: S.consumeConnections, MBps: median(passes.map((p) => p.MBps)), passes };
}

/** librdkafka's producer (confluent-kafka) with 1 KiB records, timed from the first produce() to the end of flush(). */
async function rdkafkaTest(broker, admin, acks) {
  const topic = `bench-rdkafka-${++topicSeq}`;
  await createTopic(admin, topic, 8);
  const settings = {
    'bootstrap.servers': `127.0.0.1:${broker.port}`,
    topic,
    records: S.rdkafkaRecords,
    'record.bytes': 1024,
    producer: { acks: String(acks), 'linger.ms': S.lingerMs, 'batch.size': S.rdkafkaBatchSize, 'compression.type': 'none', 'enable.idempotence': false, 'queue.buffering.max.kbytes': 1048576 },
  };
  const watch = watchBroker(broker.pid);
  let out;
  try {
    out = (await runToEnd(PYTHON, [join(HERE, 'lib', 'rdkafka-produce.py'), JSON.stringify(settings)], RDKAFKA_TIMEOUT_MS)).stdout;
  } catch (e) {
    // python3-confluent-kafka is a system package: without it this part is skipped, not failed.
    console.log(`  librdkafka acks=${acks}: SKIPPED: ${e.message.split('\n').slice(-3).join(' ')}`);
    return null;
  } finally {
    await deleteTopic(admin, topic);
  }
  const w = watch();
  const r = JSON.parse(out.trim().split('\n').pop());
  const row = { client: `librdkafka ${r.librdkafka} (confluent-kafka)`, acks, lingerMs: S.lingerMs, batchSize: S.rdkafkaBatchSize, records: r.records, recordsPerSec: Math.round(r.records / r.seconds), MBps: round(r.bytes / MB / r.seconds), seconds: round(r.seconds, 3), produceLoopSeconds: round(r.produceLoopSeconds, 3), clientCpuSeconds: round(r.cpuSeconds, 2), errors: r.errors + r.undelivered, firstError: r.firstError, brokerCpuPct: w.brokerCpuPct, brokerThreadsCpuPct: w.brokerThreadsCpuPct, otherCpuPct: Math.max(0, w.otherCpuPct - Math.round((r.cpuSeconds / r.seconds) * 100)), brokerPeakRssMB: round(w.brokerPeakRssBytes / MB) };
  console.log(`  ${row.client} acks=${acks}: ${row.records} x 1 KiB in ${row.seconds} s = ${row.recordsPerSec} rec/s, ${row.MBps} MB/s; client cpu ${row.clientCpuSeconds} s, broker cpu ${row.brokerCpuPct}% (${threads(row.brokerThreadsCpuPct)}) other ~${row.otherCpuPct}%${row.errors ? `  ERRORS ${row.errors}: ${row.firstError}` : ''}`);
  return row;
}

/** main thread user+sys / other threads user+sys, percent of a core. */
const threads = (t) => `main ${t.mainUser}+${t.mainSystem}, pool ${t.otherUser}+${t.otherSystem}`;

function printProduceRow(r) {
  const acks = r.acks === -1 ? 'all' : String(r.acks);
  console.log(
    `  ${String(r.recordBytes).padStart(5)} B ${String(r.partitions).padStart(2)} part acks=${acks.padEnd(3)} batch ${String(r.batchSize).padStart(5)} ${String(r.connections).padStart(2)} conn: ` +
      `${String(r.recordsPerSec).padStart(8)} rec/s ${String(r.MBps).padStart(7)} MB/s  p50 ${r.p50Ms} ms p99 ${r.p99Ms} ms  ` +
      `broker cpu ${r.brokerCpuPct}% (${threads(r.brokerThreadsCpuPct)}) load ${r.loadCpuPct}% other ${r.otherCpuPct}% peak RSS ${r.brokerPeakRssMB} MB dirty ${r.dirtyMBAtStart ?? '?'} MB${r.settleMs ? ` (waited ${r.settleMs} ms)` : ''}${r.errors ? `  ERRORS ${r.errors}: ${r.firstError}` : ''}`,
  );
}

/**
 * The same load against bench/lib/null-broker.mjs, which frames and answers Produce requests
 * and does nothing else: what the machine, Node and this client allow by themselves.
 */
async function floorRun(results) {
  const nul = await startNullBroker();
  const out = {};
  try {
    console.log('floor: the same load against a null broker (frames, decodes and answers Produce; no log):');
    await produceScenario(nul, null, { recordBytes: 1024, partitions: 8, acks: 1, batchSize: 65536, durationMs: 1000 });
    out.produce = [];
    for (const recordBytes of [100, 1024]) {
      const { row } = await produceScenario(nul, null, { recordBytes, partitions: 8, acks: 1, batchSize: 65536 });
      printProduceRow(row);
      out.produce.push(row);
    }
    if (S.only.has('latency')) out.latency = await latencyTests(nul, null, 1);
  } finally {
    await nul.stop();
  }
  results.floor = out;
}

/** Everything against the broker with Kafka's default flush policy. */
async function defaultBrokerRun(results) {
  const dataDir = makeTempDir('samsa-bench-broker-');
  const nodeArgs = [...S.nodeArgs, ...(S.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', S.cpuProfDir] : [])];
  const broker = await startBroker({ dataDir, nodeArgs });
  const rssBytes = await idleRss(broker.pid);
  results.idle = { readyMs: round(broker.readyMs), rssBytes, rssMB: round(rssBytes / MB) };
  console.log(`broker (default flush) ready in ${results.idle.readyMs} ms, idle RSS ${results.idle.rssMB} MB`);
  const [admin] = await openConnections(broker.port, 1, 'samsa-bench-admin');
  try {
    if (S.only.has('produce')) {
      // Warm up the broker's JIT before anything is measured.
      await produceScenario(broker, admin, { recordBytes: 1024, partitions: 8, acks: 1, batchSize: 65536, durationMs: 2000 });
      console.log('produce, closed loop:');
      results.produce = await produceMatrix(broker, admin, S.recordBytes, S.batchSizes);
    }
    if (S.only.has('latency')) {
      console.log(`latency at ${S.latencyRecordsPerSec} records/s, one connection, one partition:`);
      results.latency = await latencyTests(broker, admin, 1);
    }
    if (S.only.has('consume')) {
      console.log(`consume from the page cache, ${S.consumeConnections} connections:`);
      results.consume = await consumeTest(broker, admin);
    }
    if (S.only.has('rdkafka')) {
      console.log('librdkafka:');
      results.rdkafka = [await rdkafkaTest(broker, admin, 1), await rdkafkaTest(broker, admin, -1)].filter(Boolean);
    }
    results.afterLoad = { rssMB: round((await idleRss(broker.pid, 2000)) / MB), hwmMB: round(memoryOf(broker.pid).hwmBytes / MB) };
    console.log(`after the load: RSS ${results.afterLoad.rssMB} MB idle, peak (VmHWM) ${results.afterLoad.hwmMB} MB`);
    if (broker.stderr.trim()) console.log(`broker stderr (last 2000 chars):\n${broker.stderr.slice(-2000)}`);
  } finally {
    admin.close();
    const stopped = await broker.stop();
    results.stop = { stopMs: round(stopped.stopMs), code: stopped.code, signal: stopped.signal };
    console.log(`SIGTERM to exit: ${results.stop.stopMs} ms, exit ${stopped.code ?? stopped.signal}${stopped.code === 0 ? '' : ' (NOT A CLEAN STOP)'}`);
  }
  if (S.only.has('restart')) {
    const dataBytes = dirBytes(dataDir);
    const again = await startBroker({ dataDir });
    await again.stop();
    results.restart = { readyMs: round(again.readyMs), dataMB: round(dataBytes / MB) };
    console.log(`restart after a clean stop with ${results.restart.dataMB} MB of data: ready in ${results.restart.readyMs} ms`);
  }
  removeTempDir(dataDir);
}

/** The broker with log.flush.interval.messages=1: an fdatasync before every acknowledgement. */
async function fsyncBrokerRun(results) {
  const dataDir = makeTempDir('samsa-bench-broker-fsync-');
  const broker = await startBroker({ dataDir, overrides: FSYNC_OVERRIDES, nodeArgs: S.nodeArgs });
  console.log(`broker (${FSYNC_OVERRIDES.join(' ')}) ready in ${round(broker.readyMs)} ms`);
  const [admin] = await openConnections(broker.port, 1, 'samsa-bench-admin');
  const out = { overrides: FSYNC_OVERRIDES };
  try {
    await produceScenario(broker, admin, { recordBytes: 1024, partitions: 8, acks: 1, batchSize: 65536, durationMs: 1000 });
    console.log('produce, closed loop:');
    out.produce = await produceMatrix(broker, admin, S.flushRecordBytes, S.batchSizes, S.flushConnections);
    console.log(`latency at ${S.latencyRecordsPerSec} records/s, one connection, one partition:`);
    out.latency = await latencyTests(broker, admin, 1);
    console.log('librdkafka:');
    out.rdkafka = [await rdkafkaTest(broker, admin, -1)].filter(Boolean);
    if (broker.stderr.trim()) console.log(`broker stderr (last 2000 chars):\n${broker.stderr.slice(-2000)}`);
  } finally {
    admin.close();
    await broker.stop();
    removeTempDir(dataDir);
  }
  results.fsync = out;
}

function dirBytes(dir) {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) n += e.isDirectory() ? dirBytes(join(dir, e.name)) : statSync(join(dir, e.name)).size;
  return n;
}

const find = (rows, q) => rows?.find((r) => Object.entries(q).every(([k, v]) => r[k] === v));

/** Each target of issue 3 with the figure measured, against the previous run's figure. */
function targets(results, baseline) {
  const rows = [];
  // get(results) -> the row holding the figure; field names the figure in it.
  const add = (name, get, field, unit, target, pass, getFloor = () => undefined) => {
    const row = get(results);
    if (row?.[field] === undefined) return;
    const before = baseline ? get(baseline)?.[field] : undefined;
    const otherCpuPct = row.otherCpuPct ?? (row.passes ? Math.max(...row.passes.map((p) => p.otherCpuPct ?? 0)) : undefined);
    const floor = getFloor(results)?.[field] ?? null;
    rows.push({ name, value: row[field], unit, target, pass: pass(row[field]), floor, disturbed: otherCpuPct > DISTURBED_CPU_PCT, otherCpuPct, baseline: before ?? null });
  };
  const atLeast = (t) => (v) => v >= t;
  const below = (t) => (v) => v < t;
  for (const partitions of [1, 8]) {
    add(`produce 1 KiB, 64 KiB, acks=1, ${partitions} part, ${S.connections} conn`, (r) => find(r.produce, { recordBytes: 1024, batchSize: 65536, acks: 1, partitions, connections: S.connections }), 'MBps', 'MB/s', '>= 500', atLeast(500), (r) => find(r.floor?.produce, { recordBytes: 1024 }));
    for (const connections of S.flushConnections)
      for (const acks of [1, -1]) add(`fsync each ack, 1 KiB, 64 KiB, acks=${acks === 1 ? 1 : 'all'}, ${partitions} part, ${connections} conn`, (r) => find(r.fsync?.produce, { recordBytes: 1024, batchSize: 65536, acks, partitions, connections }), 'MBps', 'MB/s', '>= 200', atLeast(200));
  }
  add('consume from the page cache (median of 3)', (r) => r.consume, 'MBps', 'MB/s', '>= 1000', atLeast(1000));
  for (const n of [100, 1]) add(`p99 at 10,000 rec/s, ${n === 1 ? '1 record' : '100 records'} per request, acks=1`, (r) => find(r.latency, { recordsPerRequest: n }), 'p99Ms', 'ms', '< 5', below(5), (r) => find(r.floor?.latency, { recordsPerRequest: n }));
  add('startup to ready (median)', (r) => r.startup, 'readyMs', 'ms', '< 300', below(300));
  add('idle RSS', (r) => r.idle, 'rssMB', 'MB', '< 100', below(100));
  return rows;
}

function printTargets(rows, baselineDate) {
  console.log(`\ntarget                                                          measured      target          floor  ${baselineDate ? `baseline (${baselineDate.slice(0, 16)})` : ''}`);
  for (const t of rows) {
    console.log(`${t.name.padEnd(62)} ${String(t.value).padStart(8)} ${t.unit.padEnd(4)} ${t.target.padStart(8)}  ${t.pass ? 'PASS ' : 'below'}  ${String(t.floor ?? '').padStart(8)}  ${String(t.baseline ?? '').padStart(8)}${t.disturbed ? `  (disturbed: other processes used ${t.otherCpuPct}% of a core)` : ''}`);
  }
  console.log('floor: the same load against bench/lib/null-broker.mjs (no log); baseline: the previous full run');
}

async function main() {
  // A run with any flag (--only, --cpu.prof, other sizes) never replaces the default run's baseline.
  const full = Object.keys(flags).length === 0;
  const baselineFile = join(HERE, 'results', 'broker.json');
  const out = full ? baselineFile : join(HERE, 'results', 'broker-partial.json');
  const baseline = existsSync(baselineFile) ? JSON.parse(readFileSync(baselineFile, 'utf8')) : null;
  const results = { machine: machineNote('packages'), date: new Date().toISOString(), settings: { ...S, only: [...S.only] } };
  console.log(`machine: ${results.machine.cpu}, ${results.machine.cores} cores, node ${results.machine.node}; samsa ${results.machine.commit} (+${results.machine.uncommittedFiles} uncommitted files in packages/); load average ${results.machine.loadAverageAtStart.join(" ")}`);
  const t0 = performance.now();
  if (S.only.has('startup')) {
    results.startup = await measureStartup();
    console.log(`startup to ready on an empty data dir: ${results.startup.runs.map((r) => r.readyMs).join(', ')} ms (median ${results.startup.readyMs}; node printing a line: ${results.startup.nodeAloneMs} ms)`);
  }
  if (S.only.has('floor')) await floorRun(results);
  await defaultBrokerRun(results);
  if (S.only.has('fsync')) await fsyncBrokerRun(results);
  if (S.cpuProfDir) {
    const files = readdirSync(S.cpuProfDir).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(S.cpuProfDir, f));
    const newest = files.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
    if (newest) {
      results.profile = summarizeProfile(newest);
      console.log(`\nbroker CPU profile ${newest}: ${results.profile.busyMs} ms busy, ${results.profile.idleMs} ms idle; top self time:`);
      for (const f of results.profile.top) console.log(`  ${String(f.pctOfBusy).padStart(5)}%  ${String(f.selfMs).padStart(7)} ms  ${f.function}`);
    }
  }
  results.targets = targets(results, baseline);
  results.wallSeconds = round((performance.now() - t0) / 1000);
  results.machine.loadAverageAtEnd = loadavg().map((x) => round(x, 2));
  printTargets(results.targets, baseline?.date);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
  console.log(`\n${results.wallSeconds} s; wrote ${out}`);
  const failed = [results.floor?.produce, results.floor?.latency, results.produce, results.latency, results.rdkafka, results.fsync?.produce, results.fsync?.latency, results.fsync?.rdkafka]
    .flatMap((rows) => rows ?? [])
    .filter((r) => r.errors > 0);
  if (failed.length > 0) {
    console.log(`ERRORS in ${failed.length} scenario(s); the first: ${failed[0].firstError}`);
    process.exitCode = 1;
  }
}

main().then(
  () => cleanupAll(),
  (e) => {
    console.error(e);
    cleanupAll();
    process.exit(1);
  },
);
