#!/usr/bin/env node
// How long startCluster() takes (in-process brokers sharing one embedded store, each with
// its own log directory, the controller elected before it resolves), and stop() after it.
// Each round starts a fresh cluster in a fresh temp directory; the first round (cold: module
// and file-system caches) is reported apart from the rest.
//   npx tsc -b && node bench/cluster-startup.mjs [--brokers=3] [--rounds=20]
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCluster } from '../packages/testing/dist/src/index.js';
import { machineNote } from './lib/machine-note.mjs';

const flags = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const brokers = Number(flags.brokers ?? 3);
const rounds = Number(flags.rounds ?? 20);

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return Number(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))].toFixed(1));
};

const start = [];
const stop = [];
for (let i = 0; i < rounds; i++) {
  const t0 = performance.now();
  const c = await startCluster({ brokers });
  const t1 = performance.now();
  if (!c.controller()) throw new Error('no controller after startCluster');
  await c.stop();
  const t2 = performance.now();
  start.push(t1 - t0);
  stop.push(t2 - t1);
}
const warm = start.slice(1);
const result = {
  machine: machineNote('packages/broker/src'),
  date: new Date().toISOString(),
  settings: { brokers, rounds },
  startCluster: { coldMs: Number(start[0].toFixed(1)), p50Ms: pct(warm, 50), p99Ms: pct(warm, 99), maxMs: pct(warm, 100) },
  stop: { p50Ms: pct(stop, 50), maxMs: pct(stop, 100) },
};
console.log(JSON.stringify(result.startCluster), 'stop', JSON.stringify(result.stop));
const out = join(dirname(fileURLToPath(import.meta.url)), 'results', 'cluster-startup.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
