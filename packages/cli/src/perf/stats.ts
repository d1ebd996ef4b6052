/**
 * Figures of a perf run: records/s and MB/s (record values only, 1 MB = 10^6 bytes, as
 * bench/broker.mjs counts, so the two compare), and latency percentiles from an HDR histogram
 * (hdr-histogram-js: microseconds, 3 significant digits, fixed memory however many records,
 * the same structure Kafka's and most perf tools use) plus the exact mean and max.
 */
import type { Histogram } from 'hdr-histogram-js';

/** hdr-histogram-js is loaded by the perf commands only: at startup it cost every `samsa` command ~70 ms. */
const loadHdr = (): Promise<typeof import('hdr-histogram-js')> => import('hdr-histogram-js');

export interface LatencySummary {
  count: number;
  avgMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

export class LatencyHistogram {
  private sumUs = 0;

  private constructor(private readonly h: Histogram) {}

  static async create(): Promise<LatencyHistogram> {
    const hdr = await loadHdr();
    return new LatencyHistogram(hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 }));
  }

  get count(): number {
    return this.h.totalCount;
  }

  /** `count` latencies of `ms` milliseconds (a performance.now() difference); kept in whole microseconds. */
  recordMs(ms: number, count = 1): void {
    const us = Math.min(3_600_000_000, Math.max(1, Math.round(ms * 1000)));
    if (count === 1) this.h.recordValue(us);
    else this.h.recordValueWithCount(us, count);
    this.sumUs += us * count;
  }

  /** Adds another histogram's values (a worker's, sent as its encoded form and sum). */
  async addEncoded(encoded: string, sumUs: number): Promise<void> {
    const hdr = await loadHdr();
    this.h.add(hdr.decodeFromCompressedBase64(encoded));
    this.sumUs += sumUs;
  }

  /** This histogram as hdr-histogram-js's compressed base64 form, and the sum of its values in µs. */
  async encode(): Promise<{ encoded: string; sumUs: number }> {
    const hdr = await loadHdr();
    return { encoded: hdr.encodeIntoCompressedBase64(this.h), sumUs: this.sumUs };
  }

  summary(): LatencySummary {
    const at = (p: number): number => round3(this.h.getValueAtPercentile(p) / 1000);
    if (this.count === 0) return { count: 0, avgMs: 0, p50Ms: 0, p95Ms: 0, p99Ms: 0, p999Ms: 0, maxMs: 0 };
    return { count: this.count, avgMs: round3(this.sumUs / this.count / 1000), p50Ms: at(50), p95Ms: at(95), p99Ms: at(99), p999Ms: at(99.9), maxMs: round3(this.h.maxValue / 1000) };
  }
}

export const MB = 1e6;

export interface Throughput {
  records: number;
  seconds: number;
  recordsPerSec: number;
  MBps: number;
}

export function throughput(records: number, bytes: number, seconds: number): Throughput {
  const s = Math.max(seconds, 1e-9);
  return { records, seconds: round3(seconds), recordsPerSec: Math.round(records / s), MBps: Math.round((bytes / MB / s) * 100) / 100 };
}

export function latencyLine(l: LatencySummary): string {
  return `latency ms: avg ${l.avgMs}, p50 ${l.p50Ms}, p95 ${l.p95Ms}, p99 ${l.p99Ms}, p99.9 ${l.p999Ms}, max ${l.maxMs}`;
}

/**
 * A progress line on stderr, rewritten in place every second, only when stderr is a terminal
 * (a pipe or a log file gets the final figures only).
 */
export class ProgressLine {
  private readonly timer: NodeJS.Timeout | null;
  private shown = false;

  constructor(render: () => string, stream: NodeJS.WriteStream = process.stderr) {
    this.timer = stream.isTTY
      ? setInterval(() => {
          stream.write(`\r\x1b[2K${render()}`);
          this.shown = true;
        }, 1000)
      : null;
    this.timer?.unref();
    this.stop = () => {
      if (this.timer) clearInterval(this.timer);
      if (this.shown) stream.write('\r\x1b[2K');
    };
  }

  readonly stop: () => void;
}

/** Parses "30s", "500ms", "2m" or a bare number of seconds into milliseconds; NaN when it does not parse. */
export function parseDurationMs(value: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(value.trim());
  if (!m) return NaN;
  const n = Number(m[1]);
  return m[2] === 'ms' ? n : m[2] === 'm' ? n * 60_000 : n * 1000;
}

/**
 * Keeps a loop at `perSec` (Kafka's ThroughputThrottler): after `sent` records, wait until the
 * time they were due. -1: no limit.
 */
export async function throttle(perSec: number, sent: number, startMs: number): Promise<void> {
  if (perSec <= 0) return;
  const dueMs = startMs + (sent / perSec) * 1000;
  const ahead = dueMs - performance.now();
  if (ahead > 1) await new Promise((r) => setTimeout(r, ahead));
}
