/**
 * Runs `perf produce`'s loop in N worker threads (produce-worker.ts) and adds up their
 * figures: counts summed, the run from the earliest first send to the latest acknowledgement,
 * latency histograms merged. Records and throughput are split evenly (the remainder to the
 * first producers). The workers start together: each says "ready" once loaded, then all get
 * "go". SIGINT (via onInterrupt) asks each to stop sending and report.
 */
import { Worker } from 'node:worker_threads';
import type { ProduceTotals } from '../commands/perf-produce.js';
import type { ProduceLoopOptions } from './produce-loop.js';
import type { ProduceWorkerData, ProduceWorkerResult } from './produce-worker.js';
import { LatencyHistogram } from './stats.js';

const READY_TIMEOUT_MS = 30_000;

/**
 * The worker's module. The command may run from the bundle (dist/samsa.bundle.mjs, see
 * scripts/bundle-cli.mjs) or from the modules (dist/src/commands/); the worker is always the
 * module tsc wrote, dist/src/perf/produce-worker.js.
 */
function workerUrl(): URL {
  const here = import.meta.url;
  return here.endsWith('.bundle.mjs') ? new URL('./src/perf/produce-worker.js', here) : new URL('./produce-worker.js', here);
}

export async function runProduceWorkers(options: ProduceLoopOptions, n: number, progress: (acked: number, failed: number) => void, onInterrupt: (listener: () => void) => void): Promise<ProduceTotals> {
  const counts = new SharedArrayBuffer(8 * 2 * n);
  const shared = new Float64Array(counts);
  const workers: Worker[] = [];
  const results: Array<Promise<ProduceWorkerResult>> = [];
  const ready: Array<Promise<void>> = [];
  for (let i = 0; i < n; i++) {
    const share = (total: number): number => (total === Infinity ? Infinity : Math.floor(total / n) + (i < total % n ? 1 : 0));
    const data: ProduceWorkerData = {
      options: { ...options, numRecords: share(options.numRecords), throughput: options.throughput > 0 ? options.throughput / n : options.throughput },
      counts,
      index: i,
    };
    const w = new Worker(workerUrl(), { workerData: data });
    workers.push(w);
    let isReady: () => void;
    ready.push(new Promise<void>((resolve) => (isReady = resolve)));
    results.push(
      new Promise<ProduceWorkerResult>((resolve, reject) => {
        w.on('message', (m: 'ready' | ProduceWorkerResult) => (m === 'ready' ? isReady() : resolve(m)));
        w.once('error', reject);
        w.once('exit', (code) => reject(new Error(`producer ${i + 1} of ${n} (a worker thread) exited with code ${code} before reporting`)));
      }),
    );
  }
  const timer = setInterval(() => {
    let acked = 0;
    let failed = 0;
    for (let i = 0; i < n; i++) {
      acked += shared[2 * i]!;
      failed += shared[2 * i + 1]!;
    }
    progress(acked, failed);
  }, 250);
  try {
    let readyTimer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => (readyTimer = setTimeout(() => reject(new Error(`the ${n} producer threads were not ready within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS)));
    // A worker that fails while loading rejects its result: race it too, or we would wait out the timeout.
    await Promise.race([Promise.all(ready), timeout, ...results.map((r) => r.then(() => new Promise<never>(() => undefined)))]).finally(() => clearTimeout(readyTimer));
    onInterrupt(() => workers.forEach((w) => w.postMessage('stop')));
    for (const w of workers) w.postMessage('go');
    const all = await Promise.all(results);
    const latency = await LatencyHistogram.create();
    for (const r of all) await latency.addEncoded(r.latency.encoded, r.latency.sumUs);
    return {
      sent: all.reduce((a, r) => a + r.sent, 0),
      acked: all.reduce((a, r) => a + r.acked, 0),
      failed: all.reduce((a, r) => a + r.failed, 0),
      firstError: all.find((r) => r.firstError !== null)?.firstError ?? null,
      startMs: Math.min(...all.map((r) => r.startMs)),
      lastAckMs: Math.max(...all.map((r) => r.lastAckMs)),
      latency,
    };
  } finally {
    clearInterval(timer);
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
