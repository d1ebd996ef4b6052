/**
 * One producer's perf loop (kafka-producer-perf-test's): --record-size byte values with null
 * keys, one payload and one record object reused, in chunks of sends between waits for
 * buffer space and throttle checks. Runs in the command's thread for one producer and in a
 * worker thread per producer for --producers N (produce-worker.ts).
 *
 * Latency runs from the chunk's send time to the acknowledgement. The acknowledgements a
 * batch brings are delivered in one synchronous loop, so the clock is read once for the lot
 * (in a microtask right after it) and they go into the histogram as one value with a count:
 * a clock read and a histogram update per record cost ~12% of the throughput at 100 bytes.
 */
import { randomBytes } from 'node:crypto';
import { Producer, type ProducerConfig, type RecordMetadata, type SamsaClientError } from '@samsa/client';
import { LatencyHistogram, throttle } from './stats.js';

export interface ProduceLoopOptions {
  config: ProducerConfig;
  topic: string;
  recordSize: number;
  /** Records to send (Infinity: until endAtMs or stop). */
  numRecords: number;
  /** How long to send, from the first send (Infinity: until numRecords or stop). */
  durationMs: number;
  /** Records/s, or -1 for no limit. */
  throughput: number;
}

export interface ProduceLoopResult {
  sent: number;
  acked: number;
  failed: number;
  firstError: string | null;
  /** Wall-clock ms (timeOrigin + now, comparable across worker threads) of the first send and the last acknowledgement. */
  startMs: number;
  lastAckMs: number;
  latency: LatencyHistogram;
}

/** Records sent between waits for buffer space (and throttle checks). */
const CHUNK = 1000;

/** Uppercase letters, as Kafka's perf tool fills its payload. */
export function payload(size: number): Buffer {
  const b = randomBytes(size);
  for (let i = 0; i < size; i++) b[i] = 65 + (b[i]! % 26);
  return b;
}

const wallNow = (): number => performance.timeOrigin + performance.now();

/** `progress` hears the running counts (for a progress line) after each batch of acknowledgements. */
export async function produceLoop(o: ProduceLoopOptions, progress: (acked: number, failed: number) => void, stopped: () => boolean): Promise<ProduceLoopResult> {
  const producer = new Producer(o.config);
  const record = { topic: o.topic, value: payload(o.recordSize) };
  const latency = await LatencyHistogram.create();
  let sent = 0;
  let acked = 0;
  let failed = 0;
  let firstError: string | null = null;
  let lastAckMs = 0;
  const startMs = wallNow();
  const endAtMs = startMs + o.durationMs;
  try {
    const chunk = o.throughput > 0 ? Math.max(1, Math.min(CHUNK, Math.floor(o.throughput / 100))) : CHUNK;
    const t0 = performance.now();
    while (sent < o.numRecords && !stopped() && wallNow() < endAtMs) {
      const n = Math.min(chunk, o.numRecords - sent);
      // One callback per chunk, not per record (a closure per record cost a third of the
      // throughput): the chunk's records are handed over within about a millisecond.
      const sentAt = wallNow();
      let pending = 0;
      const settle = (): void => {
        lastAckMs = wallNow();
        latency.recordMs(lastAckMs - sentAt, pending);
        pending = 0;
        progress(acked, failed);
      };
      const onDelivery = (err: SamsaClientError | null, _md: RecordMetadata | null): void => {
        if (err) {
          failed++;
          firstError ??= `${err.code}: ${err.message}`;
          lastAckMs = wallNow();
          progress(acked, failed);
          return;
        }
        acked++;
        if (pending++ === 0) queueMicrotask(settle);
      };
      for (let i = 0; i < n; i++) producer.send(record, onDelivery);
      sent += n;
      await producer.waitForBuffer();
      await throttle(o.throughput, sent, t0);
    }
    await producer.flush();
  } finally {
    await producer.close();
  }
  return { sent, acked, failed, firstError, startMs, lastAckMs, latency };
}
