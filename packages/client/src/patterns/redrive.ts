/**
 * The redrive worker: waits until a health check of the failing dependency passes, then
 * reads the dead-letter topic with its own consumer (its own group, manual commits) and runs
 * the handler again on each record, as the original record: topic, partition and offset
 * come back from the dead-letter headers and those headers are removed, so recordOrigin()
 * (the idempotent() default id) gives the same id as the first delivery.
 *
 * A record whose handler fails again is not skipped: the worker seeks back to it, commits
 * what it finished, and waits for the health check to pass again. Progress is committed
 * after each record, so a crash repeats at most the record in hand: with a dedup store
 * (idempotent()) that repeat does nothing. Records are handled one at a time, in order:
 * redrive volumes are small, and order per partition is kept.
 */
import type { Consumer } from '../consumer/consumer.js';
import type { ConsumerRecord } from '../consumer/types.js';
import { SamsaClientError } from '../errors.js';
import { Wakeup } from '../util/wakeup.js';
import { DLT_HEADERS } from './dead-letter-headers.js';
import { headerValue } from './idempotent.js';

export interface RedriveOptions {
  /** The dead-letter topic(s) to read. */
  topics: string | readonly string[];
  handler: (record: ConsumerRecord) => unknown;
  /** True when the dependency the handler needs is back (a throw counts as false). */
  healthCheck: () => boolean | Promise<boolean>;
  /** How often the health check runs while it fails. Default 1000. */
  healthCheckIntervalMs?: number;
  /** Sees each record redriven. */
  onRedriven?: (record: ConsumerRecord) => void;
}

/** The original record a dead letter was made from (its own coordinates when it has no dead-letter headers). */
export function originalRecord(r: ConsumerRecord): ConsumerRecord {
  const topic = headerValue(r, DLT_HEADERS.topic);
  const partition = headerValue(r, DLT_HEADERS.partition);
  const offset = headerValue(r, DLT_HEADERS.offset);
  if (topic === null || partition === null || offset === null) return r;
  return { ...r, topic, partition: Number(partition), offset: Number(offset), headers: r.headers.filter((h) => !h.key.startsWith('samsa.dlt.')) };
}

const POLL_MS = 500;

export class RedriveWorker {
  private stopping = false;
  private running: Promise<void> | null = null;
  private readonly wakeup = new Wakeup();
  private healthy = false;

  constructor(private readonly consumer: Consumer, private readonly o: RedriveOptions) {
    if (consumer.settings.enableAutoCommit) throw new SamsaClientError('CONFIG_INVALID', 'RedriveWorker needs enable.auto.commit=false: it commits each redriven record itself');
    if (consumer.settings.groupId === null) throw new SamsaClientError('CONFIG_INVALID', 'RedriveWorker needs a group.id: its progress is committed to its own group');
  }

  /** Whether the last health check passed. */
  get dependencyHealthy(): boolean {
    return this.healthy;
  }

  /** Subscribes and runs until stop() (resolves) or a poll or commit error (rejects). */
  run(): Promise<void> {
    if (this.running) throw new SamsaClientError('ILLEGAL_STATE', 'RedriveWorker.run() is already running');
    this.consumer.subscribe(typeof this.o.topics === 'string' ? [this.o.topics] : this.o.topics);
    this.running = this.loop();
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wakeup.notify();
    await this.running?.catch(() => undefined);
  }

  private async check(): Promise<boolean> {
    try {
      this.healthy = (await this.o.healthCheck()) === true;
    } catch {
      this.healthy = false;
    }
    return this.healthy;
  }

  private async loop(): Promise<void> {
    const intervalMs = this.o.healthCheckIntervalMs ?? 1000;
    while (!this.stopping) {
      if (!(await this.check())) {
        // The group membership needs polls while we wait; nothing is read while paused.
        this.consumer.pause(this.consumer.assignment());
        // A partition assigned during this poll is not paused yet: give back what it returned.
        this.seekBack(await this.consumer.poll(0));
        await this.wakeup.wait(intervalMs);
        continue;
      }
      this.consumer.resume(this.consumer.assignment());
      const records = await this.consumer.poll(POLL_MS);
      for (let i = 0; i < records.length && !this.stopping; i++) {
        const r = records[i]!;
        try {
          await this.o.handler(originalRecord(r));
        } catch {
          // Failing again: give back this record and the rest of the poll, and wait for health.
          this.seekBack(records.slice(i));
          this.healthy = false;
          break;
        }
        await this.consumer.commitSync([{ topic: r.topic, partition: r.partition, offset: r.offset + 1 }]);
        this.o.onRedriven?.(r);
      }
    }
  }

  /** Seeks each partition back to its first record in `records` (in offset order per partition). */
  private seekBack(records: readonly ConsumerRecord[]): void {
    const first = new Map<string, ConsumerRecord>();
    for (const r of records) if (!first.has(`${r.topic}\u0000${r.partition}`)) first.set(`${r.topic}\u0000${r.partition}`, r);
    for (const r of first.values()) this.consumer.seek({ topic: r.topic, partition: r.partition }, r.offset);
  }
}
