/**
 * Keeps the cleaner off the request path: after every unit of work it yields to the event
 * loop (setImmediate) once enough bytes went by, so produce and fetch requests are served
 * between batches; and, when log.cleaner.io.max.bytes.per.second is set, it sleeps to hold
 * the cleaner's read+write rate under it (Kafka's Throttler, measured over windows).
 */
import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises';

/** Bytes processed between two yields to the event loop. */
export const YIELD_EVERY_BYTES = 256 * 1024;
const WINDOW_MS = 100;
/** One sleep is at most this long, so stop() is never kept waiting. */
const MAX_SLEEP_MS = 1_000;

export class Throttler {
  private sinceYield = 0;
  private windowStart: number;
  private windowBytes = 0;

  constructor(
    private readonly bytesPerSecond: number,
    private readonly monotonic: () => number = () => performance.now(),
  ) {
    this.windowStart = monotonic();
  }

  async maybeThrottle(bytes: number): Promise<void> {
    this.sinceYield += bytes;
    if (this.sinceYield >= YIELD_EVERY_BYTES) {
      this.sinceYield = 0;
      await yieldToLoop();
    }
    if (!Number.isFinite(this.bytesPerSecond) || this.bytesPerSecond <= 0) return;
    this.windowBytes += bytes;
    const elapsed = this.monotonic() - this.windowStart;
    if (elapsed < WINDOW_MS) return;
    const wantedMs = (this.windowBytes * 1000) / this.bytesPerSecond;
    if (wantedMs > elapsed) await sleep(Math.min(MAX_SLEEP_MS, wantedMs - elapsed));
    this.windowStart = this.monotonic();
    this.windowBytes = 0;
  }
}
