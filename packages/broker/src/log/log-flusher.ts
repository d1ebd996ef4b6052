/**
 * When appended bytes are fsynced: flush.messages (after that many records since the last
 * fsync) and flush.ms (once the oldest unfsynced append is that old), with the fsyncs
 * grouped (group-flusher.ts). Kafka's defaults for both are "never": the page cache and
 * replication carry durability, and the append path does no fsync at all.
 *
 * A failed fsync takes the log offline (as Kafka takes the log directory offline): the
 * data it covered may be lost in the page cache, so appends are refused from then on.
 */
import type { LogConfig } from '../config/topic-config.js';
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import { LogOfflineError } from './errors.js';
import { GroupFlusher } from './group-flusher.js';
import type { Segment } from './segment.js';

/** setTimeout's limit; a longer flush.ms is only checked on append. */
const TIMER_MAX_MS = 2 ** 31 - 1;

export class LogFlusher {
  private unflushedMessages = 0;
  private oldestUnflushedMs: number | null = null;
  private readonly unflushed = new Set<Segment>();
  private timer: NodeJS.Timeout | null = null;
  private readonly group = new GroupFlusher(() => this.syncUnflushed());
  private stopped = false;
  offline: LogOfflineError | null = null;

  constructor(
    private readonly dir: string,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly config: () => LogConfig,
  ) {}

  /** fsync rounds started. */
  get rounds(): number {
    return this.group.rounds;
  }

  /** Notes a completed write; returns the fsync the append must wait for, if one is due. */
  written(segment: Segment, records: number): Promise<void> | null {
    const now = this.clock.monotonic();
    this.unflushed.add(segment);
    this.oldestUnflushedMs ??= now;
    this.unflushedMessages += records;
    const c = this.config();
    if (this.unflushedMessages >= c.flushMessages || now - this.oldestUnflushedMs >= c.flushMs) return this.group.request();
    this.armTimer(now);
    return null;
  }

  /** A segment whose bytes changed outside an append (truncation). */
  touched(segment: Segment): void {
    this.unflushed.add(segment);
  }

  /** A segment fsynced by other means (rolled and flushed) or deleted. */
  forget(segment: Segment): void {
    this.unflushed.delete(segment);
  }

  hasUnflushed(segment: Segment): boolean {
    return this.unflushed.has(segment);
  }

  /** fsyncs every append written so far. */
  flush(): Promise<void> {
    return this.offline ? Promise.reject(this.offline) : this.group.request();
  }

  goOffline(cause: unknown): LogOfflineError {
    if (!this.offline) {
      this.offline = new LogOfflineError(this.dir, { cause });
      this.logger.error({ dir: this.dir, err: cause }, 'fsync failed; the log refuses appends until the broker restarts');
    }
    return this.offline;
  }

  /** Stops the timer and waits for fsyncs in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.clearTimer();
    await this.group.idle();
  }

  /**
   * The timer is real time but the decision uses the injected clock, so with a manual clock
   * only the append-path check in written() ever flushes.
   */
  private armTimer(now: number): void {
    const flushMs = this.config().flushMs;
    if (this.timer || this.stopped || this.oldestUnflushedMs === null || flushMs >= TIMER_MAX_MS) return;
    const delay = Math.max(1, flushMs - (now - this.oldestUnflushedMs));
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.oldestUnflushedMs === null || this.stopped) return;
      const at = this.clock.monotonic();
      if (at - this.oldestUnflushedMs < this.config().flushMs) return this.armTimer(at);
      this.group.request().catch((e: unknown) => this.logger.error({ dir: this.dir, err: e }, 'scheduled flush failed'));
    }, delay);
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** One fsync round over what was written before it started (captured before any await). */
  private async syncUnflushed(): Promise<void> {
    const segments = [...this.unflushed];
    this.unflushed.clear();
    this.unflushedMessages = 0;
    this.oldestUnflushedMs = null;
    this.clearTimer();
    if (this.offline) throw this.offline;
    try {
      await Promise.all(segments.map((s) => s.log.datasync().catch((e: unknown) => (s.deleted ? undefined : Promise.reject(e)))));
    } catch (e) {
      throw this.goOffline(e);
    }
  }
}
