#!/usr/bin/env node
// PartitionLog append and read throughput, compared in the same run with the raw file
// writes the machine allows. Run after `npx tsc -b packages/broker`:
//   node bench/log-append.mjs [--batch.size=16384] [--total.bytes=536870912] [--appenders=8]
//                             [--segment.bytes=1073741824] [--fetch.max.bytes=1048576] [--runs=3]
// Scenarios (each writes total.bytes into a fresh log in os.tmpdir(), then deletes it):
//   raw-async / raw-sync     fs.writev (thread pool) / fs.writevSync, one 16 KiB write at a time
//   log-1                    one appender awaiting each append, default flush (no fsync)
//   log-N                    N appenders, default flush: waiting appends share one writev
//   log-N-flush1             N appenders, flush.messages=1: waiting appends share one fdatasync
//   log-1-flush1             one appender, flush.messages=1: one fdatasync per append
//   *-syncwrite              the same through syncWriteFileOps (writes on the event loop)
//   read                     sequential reads of the whole log, fetch.max.bytes at a time
// Figures are medians of `runs` rounds (each round runs every scenario once); the machine is
// shared and noisy, so compare ratios, not absolute figures.
// Writes bench/results/log-append.json with a note of the machine.
import fs from 'node:fs';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildRecordBatch } from '../packages/protocol/dist/src/records/index.js';
import { defaultLogConfig } from '../packages/broker/dist/src/config/topic-config.js';
import { PartitionLog, nodeFileOps, syncWriteFileOps } from '../packages/broker/dist/src/log/partition-log.js';
import { systemClock } from '../packages/broker/dist/src/platform/clock.js';
import { silentLogger } from '../packages/broker/dist/src/platform/logger.js';

const flags = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const batchSize = Number(flags['batch.size'] ?? 16384); // the producer's batch.size default
const totalBytes = Number(flags['total.bytes'] ?? 512 * 1024 * 1024);
const appenders = Number(flags['appenders'] ?? 8);
const segmentBytes = Number(flags['segment.bytes'] ?? 1073741824); // log.segment.bytes default
const fetchMaxBytes = Number(flags['fetch.max.bytes'] ?? 1048576); // max.partition.fetch.bytes default
const runs = Number(flags['runs'] ?? 3);
/** flush.messages=1 runs do one fdatasync per round; fewer bytes keep them short. */
const flushTotalBytes = Math.min(totalBytes, 64 * 1024 * 1024);

/** A valid batch of about batch.size bytes: 100-byte records, as a producer fills it. */
function template() {
  const records = [];
  const value = Buffer.alloc(84, 0x61);
  for (let i = 0; i * 110 < batchSize - 61 - 110; i++) records.push({ key: Buffer.from(`key-${String(i).padStart(8, '0')}`), value, timestamp: 1_700_000_000_000 + i });
  return buildRecordBatch({ records, baseOffset: 0n });
}
const TEMPLATE = template();
const RECORDS_PER_BATCH = TEMPLATE.readInt32BE(57);

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

function freshDir() {
  return mkdtempSync(join(tmpdir(), 'samsa-bench-log-'));
}

async function openLog(dir, config, fileOps) {
  return PartitionLog.open(dir, defaultLogConfig({ segmentBytes, ...config }), { clock: systemClock, logger: silentLogger, fileOps });
}

/** Raw positional writes of the template, one at a time. */
async function rawWrites(sync) {
  const dir = freshDir();
  const fd = fs.openSync(join(dir, 'raw.log'), 'w+');
  const count = Math.floor(totalBytes / TEMPLATE.length);
  const t0 = performance.now();
  let position = 0;
  for (let i = 0; i < count; i++) {
    if (sync) fs.writevSync(fd, [TEMPLATE], position);
    else await new Promise((resolve, reject) => fs.writev(fd, [TEMPLATE], position, (e) => (e ? reject(e) : resolve())));
    position += TEMPLATE.length;
  }
  const seconds = (performance.now() - t0) / 1000;
  fs.closeSync(fd);
  rmSync(dir, { recursive: true, force: true });
  return { MBps: position / 1e6 / seconds };
}

/** `writers` appenders, each with its own buffer, offsets assigned when the append's turn comes. */
async function appendRun({ writers, config = {}, fileOps = nodeFileOps, bytes = totalBytes, keep = false }) {
  const dir = freshDir();
  const log = await openLog(dir, config, fileOps);
  const perWriter = Math.ceil(Math.floor(bytes / TEMPLATE.length) / writers);
  const flushesBefore = log.flushCount;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async () => {
      const blob = Buffer.from(TEMPLATE);
      for (let i = 0; i < perWriter; i++) {
        await log.append(blob, (baseOffset) => {
          blob.writeBigInt64BE(BigInt(baseOffset), 0);
          return { lastOffset: baseOffset + RECORDS_PER_BATCH - 1 };
        });
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const appends = perWriter * writers;
  const result = { MBps: log.size / 1e6 / seconds, appendsPerSec: appends / seconds, fsyncs: log.flushCount - flushesBefore, appends };
  if (keep) return { result, log, dir };
  await log.delete();
  return { result };
}

async function readRun() {
  const { log, dir } = await appendRun({ writers: appenders, keep: true });
  const t0 = performance.now();
  let offset = log.logStartOffset;
  let bytes = 0;
  let reads = 0;
  while (offset < log.logEndOffset) {
    const r = await log.read(offset, fetchMaxBytes, { minOneBatch: true });
    bytes += r.records.length;
    reads++;
    offset = r.nextOffset;
  }
  const seconds = (performance.now() - t0) / 1000;
  await log.delete();
  rmSync(dir, { recursive: true, force: true });
  return { MBps: bytes / 1e6 / seconds, readsPerSec: reads / seconds, readBytes: fetchMaxBytes };
}

const scenarios = {
  'raw-async': () => rawWrites(false),
  'raw-sync': () => rawWrites(true),
  'log-1': async () => (await appendRun({ writers: 1 })).result,
  [`log-${appenders}`]: async () => (await appendRun({ writers: appenders })).result,
  'log-1-syncwrite': async () => (await appendRun({ writers: 1, fileOps: syncWriteFileOps })).result,
  [`log-${appenders}-syncwrite`]: async () => (await appendRun({ writers: appenders, fileOps: syncWriteFileOps })).result,
  [`log-${appenders}-flush1`]: async () => (await appendRun({ writers: appenders, config: { flushMessages: 1 }, bytes: flushTotalBytes })).result,
  'log-1-flush1': async () => (await appendRun({ writers: 1, config: { flushMessages: 1 }, bytes: flushTotalBytes / 4 })).result,
  read: readRun,
};

const results = {
  machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memoryBytes: totalmem(), node: process.version, platform: `${process.platform}-${process.arch}`, tmpdir: tmpdir() },
  settings: { batchBytes: TEMPLATE.length, recordsPerBatch: RECORDS_PER_BATCH, totalBytes, flushTotalBytes, appenders, segmentBytes, fetchMaxBytes, runs },
  scenarios: {},
};

// Round-robin: every run goes through every scenario once, so the machine's noise falls on
// all of them alike and the ratios within a run stay meaningful.
const samples = Object.fromEntries(Object.keys(scenarios).map((name) => [name, []]));
for (let r = 0; r < runs; r++) {
  for (const [name, run] of Object.entries(scenarios)) samples[name].push(await run());
}
for (const name of Object.keys(scenarios)) {
  const summary = {};
  for (const key of Object.keys(samples[name][0])) summary[key] = median(samples[name].map((s) => s[key]));
  summary.samplesMBps = samples[name].map((s) => Math.round(s.MBps));
  results.scenarios[name] = summary;
  const extra = summary.fsyncs !== undefined ? `  fsyncs ${summary.fsyncs} for ${summary.appends} appends` : '';
  console.log(`${name.padEnd(22)} ${summary.MBps.toFixed(0).padStart(6)} MB/s   runs ${summary.samplesMBps.join(' / ')}${extra}`);
}

const out = join(dirname(fileURLToPath(import.meta.url)), 'results', 'log-append.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify({ ...results, date: new Date().toISOString() }, null, 2) + '\n');
console.log(`\nbatch ${TEMPLATE.length} bytes (${RECORDS_PER_BATCH} records); wrote ${out}`);
