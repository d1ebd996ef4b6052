// The kernel's dirty page cache, so that each produce row starts from the same disk state.
// Without this, a row run after several GB of earlier rows pays for their writeback: the
// full bench/broker run saw 1 KiB rows fall from 535-642 MB/s on a fresh broker to 174-360
// MB/s once ~10 GB had been written (balance_dirty_pages throttles every writer once dirty
// pages pass vm.dirty_ratio, whoever wrote them).
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** Dirty + Writeback from /proc/meminfo, in MiB; null where there is no /proc. */
export function dirtyMB() {
  try {
    const info = readFileSync('/proc/meminfo', 'utf8');
    const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(info)?.[1] ?? 0);
    return Math.round((kb('Dirty') + kb('Writeback')) / 1024);
  } catch {
    return null;
  }
}

/**
 * Waits (bounded) until dirty + writeback pages fall below `belowMB`. Returns what it saw, for
 * the row: a row that had to start above the mark says so rather than hide it.
 */
export async function settleDirtyPages({ belowMB, timeoutMs = 30_000 }) {
  const atStart = dirtyMB();
  if (belowMB <= 0 || atStart === null) return { dirtyMBAtStart: atStart, settleMs: 0, dirtyMB: atStart };
  const t0 = performance.now();
  let now = atStart;
  while (now > belowMB && performance.now() - t0 < timeoutMs) {
    await sleep(100);
    now = dirtyMB();
  }
  return { dirtyMBAtStart: atStart, settleMs: Math.round(performance.now() - t0), dirtyMB: now };
}
