/**
 * Shared pieces of the consumer's tests against a real broker: consumers closed by the
 * test's end, a broker tuned for quick group formation, numbered records produced with our
 * producer, and bounded loops that poll until a condition holds.
 */
import { Consumer, Producer, type ConsumerConfig, type ConsumerRecord } from '@samsa/client';
import { startBrokerFor, type StartOptions, type TestBroker } from '../helpers/broker-process.js';

/** Group settings that let a test's groups form and rebalance in well under a second. */
export const FAST_GROUP: Partial<ConsumerConfig> = {
  'session.timeout.ms': 6000,
  'heartbeat.interval.ms': 300,
  'retry.backoff.ms': 50,
  'fetch.max.wait.ms': 100,
};

export async function groupBroker(t: { after(fn: () => unknown): void }, extra: StartOptions['overrides'] = {}): Promise<TestBroker> {
  return startBrokerFor(t, { overrides: { 'group.initial.rebalance.delay.ms': 0, 'num.partitions': 1, ...extra } });
}

/**
 * A consumer closed when the test ends. Tests close their consumers themselves while the
 * broker runs; this is the safety net, and runs after the broker is gone (t.after hooks run
 * in registration order), so its timeout is short: commits to a dead broker only retry.
 */
export function consumerFor(t: { after(fn: () => unknown): void }, config: ConsumerConfig): Consumer {
  const c = new Consumer(config);
  t.after(() => c.close(500));
  return c;
}

/** Produces `count` records `prefix-<i>` (key `k-<i>`) spread over `partitions` explicitly; returns them by partition. */
export async function produceNumbered(bootstrap: string, topic: string, count: number, o: { partitions: number; prefix?: string; from?: number }): Promise<void> {
  const p = new Producer({ 'bootstrap.servers': bootstrap, 'linger.ms': 2 });
  try {
    const from = o.from ?? 0;
    await Promise.all(Array.from({ length: count }, (_, n) => p.send({ topic, partition: (from + n) % o.partitions, key: `k-${from + n}`, value: `${o.prefix ?? 'v'}-${from + n}` })));
  } finally {
    await p.close(5_000);
  }
}

/** Polls until `done(all)` or the timeout; returns everything polled. */
export async function pollUntil(c: Consumer, done: (all: ConsumerRecord[]) => boolean, timeoutMs: number, what = 'records'): Promise<ConsumerRecord[]> {
  const all: ConsumerRecord[] = [];
  const deadline = Date.now() + timeoutMs;
  while (!done(all)) {
    if (Date.now() > deadline) throw new Error(`polled ${all.length} ${what} within ${timeoutMs} ms; wanted more`);
    all.push(...(await c.poll(200)));
  }
  return all;
}

export async function waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const values = (rs: readonly ConsumerRecord[]): string[] => rs.map((r) => r.value?.toString() ?? '<null>');
