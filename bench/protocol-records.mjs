#!/usr/bin/env node
// Record batch and codec throughput on one core: CRC-32C, batch build and read, and each
// codec's compress/decompress. Run after `npx tsc -b packages/protocol`:
//   node bench/protocol-records.mjs [--batch.size=16384] [--record.bytes=100] [--duration.ms=400]
// Prints a table and writes bench/results/protocol-records.json with a note of the machine.
// Figures are medians of 5 runs; the machine is shared, so compare ratios within one run.
import { cpus } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32c } from '../packages/protocol/dist/src/crc32c.js';
import { compressSync, decompressSync, CompressionType } from '../packages/protocol/dist/src/compression/index.js';
import { buildRecordBatch, readRecords, splitBatches, validateBatch } from '../packages/protocol/dist/src/records/index.js';
import { medianRate } from './lib/rate.mjs';

const flags = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const batchSize = Number(flags['batch.size'] ?? 16384); // Kafka's producer default
const recordBytes = Number(flags['record.bytes'] ?? 100);
const durationMs = Number(flags['duration.ms'] ?? 400);
const RUNS = 5;

const rate = (fn) => medianRate(fn, durationMs, RUNS);

let seed = 12345;
const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
const words = ['order', 'customer', 'status', 'shipped', 'pending', 'amount', 'EUR', 'USD', 'sku', 'warehouse', 'north', 'south'];
/** A JSON-ish value of about `bytes` bytes, compressible like real event payloads. */
function jsonValue(i, bytes) {
  let s = `{"id":${i},"user":"u${Math.floor(random() * 1e5)}","ts":${1_700_000_000_000 + i}`;
  while (s.length < bytes - 2) s += `,"${words[Math.floor(random() * words.length)]}":${Math.floor(random() * 1000)}`;
  return Buffer.from((s + '}').slice(0, bytes));
}

const results = { machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version, platform: `${process.platform}-${process.arch}` }, settings: { batchSize, recordBytes, durationMs, runs: RUNS } };

// CRC-32C
const mib = Buffer.alloc(1 << 20);
for (let i = 0; i < mib.length; i++) mib[i] = Math.floor(random() * 256);
results.crc32c = { bufferBytes: mib.length, MBps: rate(() => (crc32c(mib), mib.length)) / 1e6 };

// Batch build and read, 100-byte records (16-byte key + value), batch.size bytes per batch.
const keyBytes = 16;
const perBatch = Math.max(1, Math.floor(batchSize / (recordBytes + 10)));
const records = Array.from({ length: perBatch }, (_, i) => ({ key: jsonValue(i, keyBytes), value: jsonValue(i, recordBytes - keyBytes), timestamp: 1_700_000_000_000 + i }));
const codecs = [
  ['none', CompressionType.none],
  ['gzip', CompressionType.gzip],
  ['snappy', CompressionType.snappy],
  ['lz4', CompressionType.lz4],
  ['zstd', CompressionType.zstd],
];
results.batches = {};
for (const [name, compression] of codecs) {
  const input = { records, compression, producerId: 1000n, producerEpoch: 0, baseSequence: 0 };
  const bytes = buildRecordBatch(input);
  const buildPerSec = rate(() => (buildRecordBatch(input), perBatch));
  const readPerSec = rate(() => {
    let n = 0;
    for (const view of splitBatches(bytes).batches) {
      validateBatch(view.bytes);
      for (const r of readRecords(view)) n += r.value === null ? 0 : 1;
    }
    return n;
  });
  results.batches[name] = { recordsPerBatch: perBatch, batchBytes: bytes.length, buildRecordsPerSec: buildPerSec, readRecordsPerSec: readPerSec };
}

// Codecs alone: 64 KiB chunks of ~1 KB JSON records (as in shared/MEASUREMENTS.md).
const chunks = [];
for (let c = 0; c < 16; c++) {
  const parts = [];
  let n = 0;
  for (let i = 0; n < 65536; i++) {
    const v = jsonValue(i, 1000);
    parts.push(v);
    n += v.length;
  }
  chunks.push(Buffer.concat(parts).subarray(0, 65536));
}
results.codecs = {};
// gzip at level 6 is Kafka's default (compression.gzip.level); level 1 shows what a lower level buys.
const codecRows = [...codecs.slice(1, 2), ['gzip-1', CompressionType.gzip, { level: 1 }], ...codecs.slice(2)];
for (const [name, type, options = {}] of codecRows) {
  const packed = chunks.map((c) => compressSync(type, c, options));
  const ratio = (chunks.length * 65536) / packed.reduce((a, p) => a + p.length, 0);
  let i = 0;
  const compressMBps = rate(() => (compressSync(type, chunks[i++ % chunks.length], options), 65536)) / 1e6;
  const decompressMBps = rate(() => (decompressSync(type, packed[i++ % packed.length]), 65536)) / 1e6;
  results.codecs[name] = { compressMBps, decompressMBps, ratio };
}

const f = (x, d = 0) => x.toFixed(d).padStart(9);
console.log(`machine: ${results.machine.cpu}, ${results.machine.cores} cores, node ${results.machine.node}`);
console.log(`crc32c, 1 MiB buffers: ${f(results.crc32c.MBps)} MB/s`);
console.log(`\nbatches of ${perBatch} x ${recordBytes}-byte records (batch.size ${batchSize})`);
console.log('codec     batch bytes   build rec/s    read rec/s');
for (const [name, r] of Object.entries(results.batches)) console.log(`${name.padEnd(8)} ${f(r.batchBytes)}   ${f(r.buildRecordsPerSec)}     ${f(r.readRecordsPerSec)}`);
console.log('\ncodecs on 64 KiB chunks of ~1 KB JSON records');
console.log('codec    compress MB/s  decompress MB/s   ratio');
for (const [name, r] of Object.entries(results.codecs)) console.log(`${name.padEnd(8)} ${f(r.compressMBps)}      ${f(r.decompressMBps)}      ${r.ratio.toFixed(2)}`);

const out = join(dirname(fileURLToPath(import.meta.url)), 'results', 'protocol-records.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify({ ...results, date: new Date().toISOString() }, null, 2) + '\n');
console.log(`\nwrote ${out}`);
