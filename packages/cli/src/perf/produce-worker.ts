/**
 * A worker thread of `samsa perf produce --producers N`: its own Producer (so its own
 * connections), the same loop as a single producer (produce-loop.ts). It reports "ready",
 * starts on "go" (so the producers start together), keeps its live counts in a shared array
 * for the progress line, stops early on "stop", and posts its figures and encoded histogram.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { produceLoop, type ProduceLoopOptions, type ProduceLoopResult } from './produce-loop.js';

export interface ProduceWorkerData {
  options: ProduceLoopOptions;
  /** Float64Array over a SharedArrayBuffer: [acked, failed] per worker. */
  counts: SharedArrayBuffer;
  index: number;
}

/** A loop's result with its histogram encoded, to cross the thread boundary. */
export type ProduceWorkerResult = Omit<ProduceLoopResult, 'latency'> & { latency: { encoded: string; sumUs: number } };

const port = parentPort!;
const data = workerData as ProduceWorkerData;
const shared = new Float64Array(data.counts);
let stopping = false;
const go = new Promise<void>((resolve) =>
  port.on('message', (m: string) => {
    if (m === 'go') resolve();
    if (m === 'stop') stopping = true;
  }),
);
port.postMessage('ready');
await go;
// Counts go to the shared array, where the command's progress line reads them.
const progress = (acked: number, failed: number): void => {
  shared[data.index * 2] = acked;
  shared[data.index * 2 + 1] = failed;
};
const r = await produceLoop(data.options, progress, () => stopping);
const result: ProduceWorkerResult = { sent: r.sent, acked: r.acked, failed: r.failed, firstError: r.firstError, startMs: r.startMs, lastAckMs: r.lastAckMs, latency: await r.latency.encode() };
port.postMessage(result);
