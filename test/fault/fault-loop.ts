/**
 * The fault loop: each round picks a broker and a fault with a seeded random source, holds
 * the fault for a while, ends it, and waits (bounded) until the cluster has recovered: every
 * broker registered, every partition led and its ISR full again.
 *
 * Faults: kill -9 and restart on the same data (a crash); SIGSTOP then SIGCONT (a long GC
 * pause: sockets stay open, nothing is answered); a network cut (iptables DROP both ways in
 * the broker's namespace: its etcd lease, its followers and its clients all stall). Hold
 * times straddle broker.session.timeout.ms, so some faults end before the cluster notices
 * and some after it has moved leaderships away.
 */
import type { Admin } from '@samsa/client';
import type { FaultBroker } from './fault-cluster.js';

export type Fault = 'kill' | 'pause' | 'cut';
const FAULTS: readonly Fault[] = ['kill', 'pause', 'cut'];
const HOLD_MS = { min: 1_000, max: 6_000 };
const SETTLE_MS = { min: 1_000, max: 3_000 };

/** mulberry32: small, seedable, good enough to pick faults. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One line per partition that is not recovered, empty when all are. */
async function unrecovered(admin: Admin, topics: readonly string[], brokerCount: number): Promise<string[]> {
  const out: string[] = [];
  const cluster = await admin.describeCluster({ timeoutMs: 5_000 });
  if (cluster.brokers.length !== brokerCount) out.push(`registered brokers ${cluster.brokers.map((b) => b.nodeId).join(',')}`);
  for (const d of await admin.describeTopics(topics, { timeoutMs: 5_000 })) {
    for (const p of d.partitions) {
      if (p.leader < 0 || p.isr.length !== p.replicas.length) out.push(`${d.topic}-${p.partition} leader ${p.leader} isr [${p.isr}] of [${p.replicas}]`);
    }
  }
  return out;
}

/** Waits until every broker is registered and every partition of `topics` has a leader and a full ISR. */
export async function waitRecovered(admin: Admin, topics: readonly string[], timeoutMs: number, brokerCount = 3): Promise<number> {
  const started = Date.now();
  let last: string[] = ['not asked yet'];
  while (Date.now() - started < timeoutMs) {
    try {
      last = await unrecovered(admin, topics, brokerCount);
      if (last.length === 0) return Date.now() - started;
    } catch (e) {
      last = [`metadata request failed: ${(e as Error).message}`];
    }
    await sleep(250);
  }
  throw new Error(`the cluster did not recover within ${timeoutMs} ms: ${last.slice(0, 20).join('; ')}`);
}

export interface LoopOptions {
  rounds: number;
  random: () => number;
  recoveryTimeoutMs: number;
}

/** Runs the rounds; returns one line per round (what was done, how long recovery took). */
export async function runFaultLoop(brokers: readonly FaultBroker[], admin: Admin, topics: readonly string[], o: LoopOptions): Promise<string[]> {
  const between = (r: { min: number; max: number }): number => Math.round(r.min + o.random() * (r.max - r.min));
  const lines: string[] = [];
  for (let round = 1; round <= o.rounds; round++) {
    const broker = brokers[Math.floor(o.random() * brokers.length)]!;
    const fault = FAULTS[Math.floor(o.random() * FAULTS.length)]!;
    const holdMs = between(HOLD_MS);
    const settleMs = between(SETTLE_MS);
    const what = `round ${round}: ${fault} broker ${broker.nodeId} for ${holdMs} ms`;
    console.log(`# ${what}`);
    if (fault === 'kill') {
      await broker.kill();
      await sleep(holdMs);
      await broker.start();
    } else if (fault === 'pause') {
      broker.pause();
      await sleep(holdMs);
      broker.resume();
    } else {
      await broker.cutOff();
      await sleep(holdMs);
      await broker.heal();
    }
    let recoveredMs: number;
    try {
      recoveredMs = await waitRecovered(admin, topics, o.recoveryTimeoutMs, brokers.length);
    } catch (e) {
      throw new Error(`${what}: ${(e as Error).message}\n${brokers.map((b) => b.describe()).join('\n')}`);
    }
    lines.push(`${what}: recovered ${recoveredMs} ms after`);
    await sleep(settleMs);
  }
  return lines;
}
