#!/usr/bin/env node
// ParallelConsumer against one sequential consumer, both with a 10 ms handler (a downstream
// call), against `samsa start`: records/s of each, and the parallel run's heap and RSS sampled
// over a longer run to show memory stays flat (queues bounded, partitions paused): the slope
// (MB per minute, least squares) after a warm-up, and a goal row. With --expose-gc each sample
// is taken after a full GC, so the heap figure is live memory, not garbage awaiting a GC.
//   npx tsc -b && node --expose-gc bench/patterns.mjs [--workers=16] [--handler.ms=10] [--duration.ms=5000]
//     [--long.ms=30000] [--sample.ms=1000] [--warmup.ms=long.ms/5] [--keys=1000]
// A memory run of 10 minutes: chrt -r 20 nice -n 0 node --expose-gc bench/patterns.mjs --long.ms=600000 --sample.ms=5000
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Consumer, ParallelConsumer, Producer } from '../packages/client/dist/src/index.js';
import { cleanupAll, makeTempDir, removeTempDir, startBroker } from './lib/broker-process.mjs';
import { machineNote } from './lib/machine-note.mjs';

const flags = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const workers = Number(flags.workers ?? 16);
const handlerMs = Number(flags['handler.ms'] ?? 10);
const durationMs = Number(flags['duration.ms'] ?? 5000);
const longMs = Number(flags['long.ms'] ?? 30000);
const keys = Number(flags.keys ?? 1000);
const sampleMs = Number(flags['sample.ms'] ?? 1000);
const warmupMs = Number(flags['warmup.ms'] ?? longMs / 5);
// "Flat": after warm-up, neither the live heap nor RSS grows by more than this per minute
// (30 MB an hour). Keeping just 100 bytes per handled record at 1600 records/s would grow
// ~9 MB a minute, so a leak of anything per record shows far above it.
const FLAT_MB_PER_MIN = 0.5;
const PARTITIONS = 4;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function produce(bootstrap, topic, count) {
  const p = new Producer({ 'bootstrap.servers': bootstrap, 'linger.ms': 5 });
  const value = Buffer.alloc(100, 1);
  for (let i = 0; i < count; i++) {
    p.send({ topic, key: `key-${i % keys}`, value }, (err) => err && console.error(err.message));
    if (i % 1000 === 999) await p.waitForBuffer();
  }
  await p.flush();
  await p.close();
}

/** Least-squares slope of samples[k] against time, in MB per minute. */
function slopePerMin(samples, k) {
  if (samples.length < 2) return 0;
  const n = samples.length;
  const mx = samples.reduce((a, x) => a + x.s, 0) / n;
  const my = samples.reduce((a, x) => a + x[k], 0) / n;
  let num = 0;
  let den = 0;
  for (const x of samples) {
    num += (x.s - mx) * (x[k] - my);
    den += (x.s - mx) ** 2;
  }
  return den === 0 ? 0 : (num / den) * 60;
}

const config = (bootstrap, group) => ({ 'bootstrap.servers': bootstrap, 'group.id': group, 'enable.auto.commit': false, 'auto.offset.reset': 'earliest', 'fetch.max.wait.ms': 100, 'heartbeat.interval.ms': 1000 });

/** Records/s of one consumer handling records one after another, over durationMs after the first record. */
async function sequential(bootstrap, topic) {
  const c = new Consumer(config(bootstrap, 'bench-seq'));
  c.subscribe([topic]);
  let count = 0;
  let t0 = 0;
  outer: for (;;) {
    for (const r of await c.poll(500)) {
      if (t0 === 0) t0 = performance.now();
      await sleep(handlerMs);
      count++;
      if (performance.now() - t0 >= durationMs) break outer;
      void r;
    }
  }
  const rate = count / ((performance.now() - t0) / 1000);
  await c.close();
  return rate;
}

/** Records/s of a ParallelConsumer over the first durationMs, and heap samples over longMs. */
async function parallel(bootstrap, topic) {
  const c = new Consumer(config(bootstrap, 'bench-par'));
  let count = 0;
  const pc = new ParallelConsumer(c, { workers, maxQueuedRecords: 2000, handler: () => sleep(handlerMs).then(() => void count++) });
  pc.subscribe([topic]);
  const run = pc.run();
  while (count === 0) await sleep(10);
  const t0 = performance.now();
  const start = count;
  await sleep(durationMs);
  const rate = (count - start) / ((performance.now() - t0) / 1000);
  const samples = [];
  const longStart = performance.now();
  while (performance.now() - longStart < longMs) {
    await sleep(sampleMs);
    globalThis.gc?.();
    const m = process.memoryUsage();
    samples.push({ s: Math.round((performance.now() - longStart) / 1000), handled: count, heapUsedMb: +(m.heapUsed / 2 ** 20).toFixed(1), rssMb: +(m.rss / 2 ** 20).toFixed(1), externalMb: +(m.external / 2 ** 20).toFixed(1), queued: pc.stats().queuedRecords });
  }
  await pc.stop();
  await run;
  await c.close();
  return { rate, samples };
}

let broker;
let dataDir;
try {
  dataDir = makeTempDir('samsa-bench-patterns-');
  broker = await startBroker({ dataDir, overrides: ['group.initial.rebalance.delay.ms=0', `num.partitions=${PARTITIONS}`] });
  const bootstrap = `127.0.0.1:${broker.port}`;
  // Enough for the parallel run's whole long phase (16 workers x 100/s at 10 ms).
  const records = Math.ceil(((durationMs + longMs) / 1000) * (workers * (1000 / handlerMs)) * 1.3) + 2000;
  await produce(bootstrap, 'bench-patterns', records);
  const seqRate = await sequential(bootstrap, 'bench-patterns');
  console.log(`sequential consumer, ${handlerMs} ms handler: ${seqRate.toFixed(1)} records/s`);
  const par = await parallel(bootstrap, 'bench-patterns');
  console.log(`ParallelConsumer, ${workers} workers, ${handlerMs} ms handler: ${par.rate.toFixed(1)} records/s (${(par.rate / seqRate).toFixed(1)}x)`);
  for (const s of par.samples) console.log(`  t=${s.s}s handled=${s.handled} heapUsed=${s.heapUsedMb} MB external=${s.externalMb} MB rss=${s.rssMb} MB queued=${s.queued}`);
  const steady = par.samples.filter((x) => x.s * 1000 >= warmupMs);
  const heapSlope = slopePerMin(steady, 'heapUsedMb');
  const rssSlope = slopePerMin(steady, 'rssMb');
  const externalSlope = slopePerMin(steady, 'externalMb');
  const maxOf = (xs, k) => Math.max(...xs.map((x) => x[k]));
  // Live memory (what the consumer keeps: the JS heap after a full GC, and Buffers) is the
  // leak signal; RSS also moves with the allocator and V8's own pages, so it is its own row.
  const liveFlat = steady.length >= 3 && heapSlope <= FLAT_MB_PER_MIN && externalSlope <= FLAT_MB_PER_MIN;
  const rssFlat = steady.length >= 3 && rssSlope <= FLAT_MB_PER_MIN;
  const goal = {
    goal: `live memory flat after ${(warmupMs / 1000).toFixed(0)} s warm-up: heap used and external (Buffers) slope <= ${FLAT_MB_PER_MIN} MB/min`,
    rssGoal: `RSS flat after ${(warmupMs / 1000).toFixed(0)} s warm-up: slope <= ${FLAT_MB_PER_MIN} MB/min`,
    heapUsedSlopeMbPerMin: +heapSlope.toFixed(3),
    externalSlopeMbPerMin: +externalSlope.toFixed(3),
    rssSlopeMbPerMin: +rssSlope.toFixed(3),
    rssSlopeSecondHalfMbPerMin: +slopePerMin(steady.slice(Math.floor(steady.length / 2)), 'rssMb').toFixed(3),
    heapUsedMaxMb: steady.length ? maxOf(steady, 'heapUsedMb') : null,
    rssMinMb: steady.length ? Math.min(...steady.map((x) => x.rssMb)) : null,
    rssMaxMb: steady.length ? maxOf(steady, 'rssMb') : null,
    steadySamples: steady.length,
    gcBeforeSample: typeof globalThis.gc === 'function',
    met: liveFlat,
    rssMet: rssFlat,
  };
  console.log(`memory after warm-up (${steady.length} samples${goal.gcBeforeSample ? ', after a full GC each' : ''}): heap used ${goal.heapUsedSlopeMbPerMin} MB/min (max ${goal.heapUsedMaxMb} MB), external ${goal.externalSlopeMbPerMin} MB/min: ${liveFlat ? 'flat, met' : 'NOT met'}`);
  console.log(`rss ${goal.rssSlopeMbPerMin} MB/min (second half ${goal.rssSlopeSecondHalfMbPerMin}; ${goal.rssMinMb}-${goal.rssMaxMb} MB): ${rssFlat ? 'flat, met' : 'NOT met'}`);
  const third = Math.max(1, Math.floor(par.samples.length / 3));
  const avg = (xs) => xs.reduce((n, x) => n + x.heapUsedMb, 0) / xs.length;
  const heapFirst = avg(par.samples.slice(0, third));
  const heapLast = avg(par.samples.slice(-third));
  console.log(`heap: first third ${heapFirst.toFixed(1)} MB, last third ${heapLast.toFixed(1)} MB`);
  const results = {
    machine: machineNote('packages/client', 'shared 2-core machine: broker and consumers compete for the same cores'),
    date: new Date().toISOString(),
    settings: { workers, handlerMs, durationMs, longMs, sampleMs, warmupMs, keys, partitions: PARTITIONS, records },
    sequentialRecordsPerSec: +seqRate.toFixed(1),
    parallelRecordsPerSec: +par.rate.toFixed(1),
    speedup: +(par.rate / seqRate).toFixed(2),
    heapFirstThirdMb: +heapFirst.toFixed(1),
    heapLastThirdMb: +heapLast.toFixed(1),
    memory: goal,
    goals: [
      { goal: '16 workers >= 10x one sequential consumer (10 ms handler)', speedup: +(par.rate / seqRate).toFixed(2), met: par.rate >= seqRate * 10 },
      { goal: goal.goal, heapUsedSlopeMbPerMin: goal.heapUsedSlopeMbPerMin, externalSlopeMbPerMin: goal.externalSlopeMbPerMin, met: liveFlat },
      { goal: goal.rssGoal, rssSlopeMbPerMin: goal.rssSlopeMbPerMin, rssSlopeSecondHalfMbPerMin: goal.rssSlopeSecondHalfMbPerMin, met: rssFlat },
    ],
    samples: par.samples,
  };
  const out = join(dirname(fileURLToPath(import.meta.url)), 'results', 'patterns.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
  console.log(`saved ${out}`);
  if (par.rate < seqRate * 10) {
    console.error(`FAIL: ${(par.rate / seqRate).toFixed(1)}x is below 10x`);
    process.exitCode = 1;
  }
  if (!liveFlat || !rssFlat) process.exitCode = 1;
} finally {
  await broker?.stop?.();
  if (dataDir) removeTempDir(dataDir);
  cleanupAll();
}
