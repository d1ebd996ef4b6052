#!/usr/bin/env node
// `samsa perf produce` against bench/broker.mjs's protocol-level generator, for the same
// row: a fresh `samsa start` each, 100-byte records (null keys), 8 partitions, batch.size
// 65536, acks=1 and acks=all. The generator sends pre-built batches over 4 connections, 5
// requests in flight each (bench/broker's produce row); perf produce is the CLI a user runs,
// with --producers N producers (worker threads, a connection each). Prints each pair and the
// ratio, and writes bench/results/perf-produce.json. Run it at a real-time priority so other
// processes on the shared machine disturb it less (children inherit the policy):
//   npx tsc -b && npm run build && chrt -r 20 nice -n 0 node bench/perf-produce.mjs
//     [--record.bytes=100] [--num.partitions=8] [--batch.size=65536] [--acks=1,-1]
//     [--producers=1,2] [--duration.ms=3000] [--perf.duration.ms=6000] [--runs=3] [--cpu.prof=DIR]
// Each pair runs --runs times, alternating, and the medians are compared: on a shared
// machine one run of either moves by a third.
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildBatch, createTopic, openConnections, produceClosedLoop } from './lib/broker-load.mjs';
import { cleanupAll, makeTempDir, removeTempDir, runSamsa, startBroker } from './lib/broker-process.mjs';
import { machineNote } from './lib/machine-note.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const flags = Object.fromEntries(process.argv.slice(2).map((a) => /^--([^=]+)=?(.*)$/s.exec(a).slice(1)));
const list = (name, dflt) => String(flags[name] ?? dflt).split(',').map(Number);
const S = {
  recordBytes: Number(flags['record.bytes'] ?? 100),
  partitions: Number(flags['num.partitions'] ?? 8),
  batchSize: Number(flags['batch.size'] ?? 65536),
  acks: list('acks', '1,-1'),
  producers: list('producers', '1,2'),
  connections: 4,
  maxInFlight: 5,
  durationMs: Number(flags['duration.ms'] ?? 3000),
  warmupMs: 500,
  perfDurationMs: Number(flags['perf.duration.ms'] ?? 6000),
  runs: Number(flags.runs ?? 3),
  cpuProfDir: flags['cpu.prof'] || null,
};
const round = (x, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
// Taken before the runs, so its load average is the one they started under.
const machine = machineNote('packages', 'shared 2-core machine: broker, generator or perf produce compete for the same cores');

async function withBroker(fn) {
  const dataDir = makeTempDir('samsa-bench-perf-produce-');
  const broker = await startBroker({ dataDir });
  try {
    return await fn(broker);
  } finally {
    await broker.stop();
    removeTempDir(dataDir);
  }
}

async function generatorRow(acks) {
  return withBroker(async (broker) => {
    const [admin, ...conns] = await openConnections(broker.port, S.connections + 1, 'samsa-bench-produce');
    await createTopic(admin, 'bench', S.partitions);
    const batch = buildBatch({ recordBytes: S.recordBytes, batchSize: S.batchSize });
    const r = await produceClosedLoop({ conns, pid: broker.pid, topic: 'bench', partitions: S.partitions, batch, acks, maxInFlight: S.maxInFlight, warmupMs: S.warmupMs, durationMs: S.durationMs });
    for (const c of [admin, ...conns]) c.close();
    if (r.errors) throw new Error(`generator: ${r.firstError}`);
    return { recordsPerSec: Math.round(r.records / r.seconds), MBps: round((r.records * S.recordBytes) / 1e6 / r.seconds), p99Ms: r.latency.p99Ms, brokerCpuPct: r.brokerCpuPct, otherCpuPct: r.otherCpuPct };
  });
}

async function perfRow(acks, producers) {
  return withBroker(async (broker) => {
    const bootstrap = `127.0.0.1:${broker.port}`;
    await runSamsa(['topics', 'create', 'bench', '--bootstrap-server', bootstrap, '--partitions', String(S.partitions)], 30_000);
    const nodeArgs = S.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${S.cpuProfDir}`] : [];
    const args = ['perf', 'produce', '--bootstrap-server', bootstrap, '--topic', 'bench', '--record-size', String(S.recordBytes), '--duration', `${S.perfDurationMs}ms`, '--acks', acks === -1 ? 'all' : String(acks), '--batch-size', String(S.batchSize), '--json'];
    if (producers !== 1) args.push('--producers', String(producers));
    const { stdout } = await runSamsa(args, S.perfDurationMs + 60_000, nodeArgs);
    const r = JSON.parse(stdout);
    return { recordsPerSec: r.recordsPerSec, MBps: r.MBps, p99Ms: r.latencyMs.p99Ms, failed: r.failed };
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rows = [];
try {
  for (const acks of S.acks) {
    const generators = [];
    const perfs = new Map(S.producers.map((p) => [p, []]));
    for (let run = 0; run < S.runs; run++) {
      generators.push(await generatorRow(acks));
      for (const producers of S.producers) perfs.get(producers).push(await perfRow(acks, producers));
    }
    const generatorRecordsPerSec = median(generators.map((g) => g.recordsPerSec));
    for (const producers of S.producers) {
      const runs = perfs.get(producers);
      const perfRecordsPerSec = median(runs.map((r) => r.recordsPerSec));
      const ratio = round(perfRecordsPerSec / generatorRecordsPerSec, 2);
      const row = { recordBytes: S.recordBytes, partitions: S.partitions, batchSize: S.batchSize, acks, producers, generatorRecordsPerSec, perfRecordsPerSec, ratio, within20pct: ratio >= 0.8, generatorRuns: generators, perfRuns: runs };
      rows.push(row);
      const list = (xs) => xs.map((x) => x.recordsPerSec).join(', ');
      console.log(`${S.recordBytes} B, ${S.partitions} parts, batch ${S.batchSize}, acks=${acks === -1 ? 'all' : acks}: bench/broker generator median ${generatorRecordsPerSec} rec/s (${list(generators)}), samsa perf produce --producers ${producers} median ${perfRecordsPerSec} rec/s (${list(runs)}): ${ratio}x${ratio >= 0.8 ? '' : ' (below 0.8)'}`);
    }
  }
} finally {
  cleanupAll();
}
const out = join(HERE, 'results', 'perf-produce.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify({ machine, loadAverageAtEnd: loadavg().map((x) => Math.round(x * 100) / 100), date: new Date().toISOString(), settings: S, rows }, null, 2) + '\n');
console.log(`saved ${out}`);
