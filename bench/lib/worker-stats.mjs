/**
 * What every bench client worker reports, measured the same way: CPU used by the process
 * while it ran, and the peak V8 heap used, sampled every HEAP_SAMPLE_MS (the heap at the end
 * says little: a client that has just closed has freed its buffers). The parent samples RSS
 * from /proc, so that includes what is allocated outside the heap (Buffers, sockets).
 */
import { getHeapStatistics } from 'node:v8';

const HEAP_SAMPLE_MS = 100;

export function startWorkerStats() {
  let cpu0 = process.cpuUsage();
  let cpu = null;
  let peakHeapUsedBytes = 0;
  const sample = () => {
    const used = getHeapStatistics().used_heap_size;
    if (used > peakHeapUsedBytes) peakHeapUsedBytes = used;
  };
  const timer = setInterval(sample, HEAP_SAMPLE_MS);
  timer.unref();
  return {
    /** The measured part starts: CPU counts from here (not the import, connect and warm-up before). */
    begin() {
      cpu0 = process.cpuUsage();
    },
    /** The measured part ends (before close()). */
    end() {
      cpu = process.cpuUsage(cpu0);
    },
    /** Prints the worker's one JSON line: `r` plus records/s, CPU and heap; `r.records` counts what was done. */
    report(r) {
      clearInterval(timer);
      sample();
      cpu ??= process.cpuUsage(cpu0);
      const cpuMicros = cpu.user + cpu.system;
      console.log(
        JSON.stringify({
          ...r,
          recordsPerSec: Math.round(r.records / r.seconds),
          cpuPct: Math.round((cpuMicros / 1e6 / r.seconds) * 100),
          // CPU per record is steadier than records/s on a shared machine.
          cpuUsPerRecord: r.records ? Math.round((cpuMicros / r.records) * 100) / 100 : null,
          peakHeapUsedBytes,
        }),
      );
    },
  };
}
