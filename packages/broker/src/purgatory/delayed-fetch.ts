/**
 * Parks a fetch until any of its partitions has news (an append, or the high watermark
 * moved) or the time runs out. The caller re-reads afterwards, so a spurious wake-up costs
 * one read and nothing else.
 */
import type { Partition } from '../replication/partition.js';

export function waitForData(partitions: readonly Partition[], timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const cancels: Array<() => void> = [];
    const done = (): void => {
      clearTimeout(timer);
      for (const c of cancels) c();
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, timeoutMs));
    for (const p of partitions) cancels.push(p.onData(done));
  });
}
