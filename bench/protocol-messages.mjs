#!/usr/bin/env node
// Encode and decode throughput of the generated codecs on the data path: a Produce request
// and a Fetch response each carrying 1 MiB of record batches (16 partitions x 64 KiB).
// Also checks that decoding hands records out as views of the input (zero copies).
//   npx tsc -b && node bench/protocol-messages.mjs [--duration.ms=400]
import { cpus } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Reader, Writer, Produce, Fetch, buildRecordBatch } from '../packages/protocol/dist/src/index.js';
import { medianRate } from './lib/rate.mjs';

const flags = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const durationMs = Number(flags['duration.ms'] ?? 400);
const RUNS = 5;

const rate = (fn) => medianRate(fn, durationMs, RUNS);

const value = Buffer.alloc(100, 'x');
function batch64k() {
  const records = Array.from({ length: 600 }, (_, i) => ({ key: Buffer.from(`key-${i}`), value }));
  return buildRecordBatch({ baseOffset: 0n, records, baseTimestamp: Date.now() });
}
const batches = Array.from({ length: 16 }, batch64k);
const recordBytes = batches.reduce((n, b) => n + b.length, 0);

const produce = {
  acks: -1,
  timeoutMs: 30000,
  topicData: [{ name: 'bench', partitionData: batches.map((records, index) => ({ index, records })) }],
};
const fetch = {
  responses: [
    {
      topic: 'bench',
      partitions: batches.map((records, partitionIndex) => ({ partitionIndex, errorCode: 0, highWatermark: 1000n, records })),
    },
  ],
};

const results = {};
for (const [name, version, encode, decode, message, recordsOf] of [
  ['produce request v9', 9, Produce.encodeProduceRequest, Produce.decodeProduceRequest, produce, (m) => m.topicData[0].partitionData.map((p) => p.records)],
  ['fetch response v12', 12, Fetch.encodeFetchResponse, Fetch.decodeFetchResponse, fetch, (m) => m.responses[0].partitions.map((p) => p.records)],
]) {
  const encoded = (() => {
    const w = new Writer();
    encode(w, version, message);
    return w.finish();
  })();
  const decoded = decode(new Reader(encoded), version);
  const zeroCopy = recordsOf(decoded).every((r) => r.buffer === encoded.buffer);
  const encodeChunks = rate(() => {
    const w = new Writer();
    encode(w, version, message);
    w.chunks();
    return recordBytes;
  });
  // The same, joined into one buffer (what a writer without writev would need).
  const encodeJoined = rate(() => {
    const w = new Writer();
    encode(w, version, message);
    w.finish();
    return recordBytes;
  });
  const decodeRate = rate(() => {
    decode(new Reader(encoded), version);
    return recordBytes;
  });
  results[name] = { recordBytes, encodeMBps: Math.round(encodeChunks / 1e6), encodeJoinedMBps: Math.round(encodeJoined / 1e6), decodeMBps: Math.round(decodeRate / 1e6), zeroCopyDecode: zeroCopy };
}

const machine = { cpu: cpus()[0]?.model, cores: cpus().length, node: process.version };
console.log(`machine: ${machine.cpu}, ${machine.cores} cores, node ${machine.node}`);
console.log('message               record bytes  encode MB/s  encode+join MB/s  decode MB/s  zero-copy decode');
for (const [name, r] of Object.entries(results)) {
  console.log(`${name.padEnd(22)}${String(r.recordBytes).padStart(12)}${String(r.encodeMBps).padStart(13)}${String(r.encodeJoinedMBps).padStart(18)}${String(r.decodeMBps).padStart(13)}  ${r.zeroCopyDecode}`);
}
const out = join(dirname(fileURLToPath(import.meta.url)), 'results', 'protocol-messages.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify({ machine, date: new Date().toISOString(), results }, null, 2) + '\n');
