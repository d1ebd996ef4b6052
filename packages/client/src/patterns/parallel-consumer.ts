/**
 * Key-ordered parallel processing on top of a Consumer (as Confluent's Parallel Consumer in
 * KEY ordering): poll() feeds `workers` queues by key hash (key-queues.ts), so one key's
 * records are handled one at a time in offset order while different keys run in parallel.
 *
 * Commits: each partition has a CompletionTracker, and only its committable offset (the
 * lowest offset not yet handled) is committed, every `commitIntervalMs`, on revoke and on
 * stop. A crash at any moment therefore replays records rather than skipping them
 * (at-least-once); enable.auto.commit must be false, since the consumer's own commits would
 * pass records still queued.
 *
 * Memory: once queued-and-running records reach `maxQueuedRecords` or `maxQueuedBytes`,
 * every assigned partition is paused (consumer.pause), so poll() keeps the group membership
 * alive but returns nothing new; they are resumed once the queues drain below half of both
 * limits. One poll can overshoot a limit by at most max.poll.records records.
 *
 * Rebalances: on revoke, the revoked partitions' records get up to `revokeTimeoutMs` to
 * finish; what is still queued then is dropped (not handled here: the next owner reads it
 * again from the commit) and the completed offsets are committed before the partitions go.
 * A record still running past the deadline finishes but is not committed by this member.
 * Lost partitions (the member was removed) are dropped without a commit.
 *
 * A handler that throws stops the processor: workers finish what they run, the completed
 * offsets are committed (the failed record stays uncommitted, so it comes again), and run()
 * rejects with the error. The `deadLetter` option (dead-letter.ts) retries and sets records aside instead.
 */
import type { Consumer } from '../consumer/consumer.js';
import { tpKey, type ConsumerRecord, type RebalanceListener, type TopicPartition } from '../consumer/types.js';
import { SamsaClientError } from '../errors.js';
import { Wakeup } from '../util/wakeup.js';
import { CompletionTracker } from './completion-tracker.js';
import { withDeadLetter, type DeadLetterOptions } from './dead-letter.js';
import { KeyQueues, recordBytes, type QueuedRecord } from './key-queues.js';

export interface ParallelConsumerOptions {
  /** Called once per record; records of one key never run at the same time and run in offset order. */
  handler: (record: ConsumerRecord) => unknown;
  /** Queues, each with one worker: the most records handled at once. Default 16. */
  workers?: number;
  /** Queued plus running records at which partitions are paused. Default 5000. */
  maxQueuedRecords?: number;
  /** Queued plus running bytes (key + value + headers + 64 per record) at which partitions are paused. Default 64 MiB. */
  maxQueuedBytes?: number;
  /** How often completed offsets are committed (commitAsync). Default 1000. */
  commitIntervalMs?: number;
  /** How long a revoke waits for the revoked partitions' records before dropping them. Default 10000. */
  revokeTimeoutMs?: number;
  /** Dead letters: a record still failing after the retries goes to a dead-letter topic and counts as handled (dead-letter.ts). */
  deadLetter?: DeadLetterOptions;
  /** Sees every commit before it is sent (metrics, tests). */
  onCommit?: (offsets: ReadonlyArray<TopicPartition & { offset: number }>) => void;
}

export interface ParallelConsumerStats {
  queuedRecords: number;
  queuedBytes: number;
  /** Partitions this processor has paused for backpressure. */
  pausedPartitions: number;
}

/** How long each poll waits: also how soon a drained queue resumes fetching and stop() is seen. */
const POLL_MS = 200;

interface PartitionState {
  readonly tp: TopicPartition;
  tracker: CompletionTracker;
  /** The last offset committed (or being committed) for it. */
  committed: number | null;
}

export class ParallelConsumer {
  private readonly o: Required<Omit<ParallelConsumerOptions, 'onCommit' | 'deadLetter'>> & Pick<ParallelConsumerOptions, 'onCommit'>;
  private readonly queues: KeyQueues;
  private readonly partitions = new Map<string, PartitionState>();
  private readonly pausedByUs = new Map<string, TopicPartition>();
  /** Notified whenever a record finishes, fails, or stop() is called. */
  private readonly progress = new Wakeup();
  private failure: { error: unknown } | null = null;
  private stopping = false;
  private stopDeadline = Infinity;
  private running: Promise<void> | null = null;
  private commitInFlight = false;

  constructor(private readonly consumer: Consumer, options: ParallelConsumerOptions) {
    if (consumer.settings.enableAutoCommit) {
      throw new SamsaClientError('CONFIG_INVALID', 'ParallelConsumer needs enable.auto.commit=false: auto commit would commit records still queued or running');
    }
    const { deadLetter, ...rest } = options;
    this.o = { workers: 16, maxQueuedRecords: 5000, maxQueuedBytes: 64 << 20, commitIntervalMs: 1000, revokeTimeoutMs: 10_000, ...rest };
    if (deadLetter) this.o.handler = withDeadLetter(options.handler, deadLetter);
    this.queues = new KeyQueues(this.o.workers, {
      handle: (r) => this.o.handler(r),
      onDone: (q) => {
        q.tracker.complete(q.record.offset);
        this.progress.notify();
      },
      onError: (_q, error) => {
        this.failure ??= { error };
        this.queues.stop();
        this.progress.notify();
      },
    });
  }

  /** Subscribes the consumer with this processor's rebalance listener wrapped around `listener`. */
  subscribe(topics: string | readonly string[] | RegExp, listener: RebalanceListener = {}): void {
    this.consumer.subscribe(topics, this.rebalanceListener(listener));
  }

  /** The listener to subscribe with (subscribe() does it): settles revoked partitions, then calls `user`. */
  rebalanceListener(user: RebalanceListener = {}): RebalanceListener {
    return {
      onPartitionsRevoked: async (tps) => {
        await this.settle(tps, true);
        await user.onPartitionsRevoked?.(tps);
      },
      onPartitionsAssigned: async (tps) => {
        await user.onPartitionsAssigned?.(tps);
      },
      onPartitionsLost: async (tps) => {
        await this.settle(tps, false);
        await user.onPartitionsLost?.(tps);
      },
    };
  }

  stats(): ParallelConsumerStats {
    return { queuedRecords: this.queues.records, queuedBytes: this.queues.bytes, pausedPartitions: this.pausedByUs.size };
  }

  /**
   * Polls and dispatches until stop() (resolves) or a handler or poll error (rejects), then
   * waits for queued records (bounded by stop's timeout) and commits what is complete.
   */
  run(): Promise<void> {
    if (this.running) throw new SamsaClientError('ILLEGAL_STATE', 'ParallelConsumer.run() is already running');
    this.running = this.loop();
    return this.running;
  }

  /** Stops polling, lets queued records finish within `timeoutMs`, commits, and resolves when run() has ended. */
  async stop(timeoutMs = 30_000): Promise<void> {
    this.stopping = true;
    this.stopDeadline = Date.now() + timeoutMs;
    this.progress.notify();
    await this.running?.catch(() => undefined);
  }

  private async loop(): Promise<void> {
    let nextCommitMs = Date.now() + this.o.commitIntervalMs;
    let pollError: unknown = null;
    try {
      while (!this.stopping && !this.failure) {
        const records = await this.consumer.poll(POLL_MS);
        for (const r of records) this.dispatch(r);
        this.applyBackpressure();
        if (Date.now() >= nextCommitMs) {
          nextCommitMs = Date.now() + this.o.commitIntervalMs;
          this.commitAsync();
        }
      }
    } catch (e) {
      pollError = e;
    }
    // Stopping: let what is queued finish (a failure stops the workers instead).
    while (!this.failure && pollError === null && this.queues.records > 0 && Date.now() < this.stopDeadline) await this.progress.wait(this.stopDeadline - Date.now());
    this.queues.stop();
    await this.commitSync([...this.partitions.keys()]).catch((e) => (pollError ??= e));
    if (this.failure) throw this.failure.error;
    if (pollError !== null) throw pollError;
  }

  private dispatch(r: ConsumerRecord): void {
    const key = tpKey(r.topic, r.partition);
    let p = this.partitions.get(key);
    if (!p) this.partitions.set(key, (p = { tp: { topic: r.topic, partition: r.partition }, tracker: new CompletionTracker(), committed: null }));
    // The position went back (an offset reset): a fresh tracker; records of the old one finish harmlessly.
    else if (!p.tracker.accepts(r.offset)) p.tracker = new CompletionTracker();
    p.tracker.add(r.offset);
    const q: QueuedRecord = { record: r, tracker: p.tracker, bytes: recordBytes(r) };
    this.queues.push(q);
  }

  private applyBackpressure(): void {
    const { records, bytes } = this.queues;
    if (records >= this.o.maxQueuedRecords || bytes >= this.o.maxQueuedBytes) {
      const already = new Set(this.consumer.paused().map((tp) => tpKey(tp.topic, tp.partition)));
      const toPause = this.consumer.assignment().filter((tp) => !already.has(tpKey(tp.topic, tp.partition)));
      for (const tp of toPause) this.pausedByUs.set(tpKey(tp.topic, tp.partition), tp);
      if (toPause.length > 0) this.consumer.pause(toPause);
    } else if (this.pausedByUs.size > 0 && records <= this.o.maxQueuedRecords / 2 && bytes <= this.o.maxQueuedBytes / 2) {
      const assigned = new Set(this.consumer.assignment().map((tp) => tpKey(tp.topic, tp.partition)));
      const toResume = [...this.pausedByUs].filter(([k]) => assigned.has(k)).map(([, tp]) => tp);
      this.pausedByUs.clear();
      if (toResume.length > 0) this.consumer.resume(toResume);
    }
  }

  /** Revoked (commit = true) or lost partitions: wait (bounded) for their records, drop the rest, commit what is complete. */
  private async settle(tps: readonly TopicPartition[], commit: boolean): Promise<void> {
    const keys = new Set(tps.map((tp) => tpKey(tp.topic, tp.partition)));
    if (commit) {
      const deadline = Date.now() + this.o.revokeTimeoutMs;
      const busy = (): boolean => [...keys].some((k) => (this.partitions.get(k)?.tracker.pending ?? 0) > 0);
      while (busy() && !this.failure && Date.now() < deadline) await this.progress.wait(deadline - Date.now());
    }
    this.queues.remove((q) => keys.has(tpKey(q.record.topic, q.record.partition)));
    if (commit) await this.commitSync([...keys]).catch(() => undefined); // the next owner replays from the last commit
    for (const k of keys) {
      this.partitions.delete(k);
      this.pausedByUs.delete(k);
    }
  }

  private toCommit(keys: Iterable<string>): Array<TopicPartition & { offset: number }> {
    const out: Array<TopicPartition & { offset: number }> = [];
    for (const k of keys) {
      const p = this.partitions.get(k);
      const offset = p?.tracker.committable ?? null;
      if (p && offset !== null && offset !== p.committed) out.push({ ...p.tp, offset });
    }
    return out;
  }

  private markCommitted(offsets: ReadonlyArray<TopicPartition & { offset: number }>): void {
    for (const o of offsets) {
      const p = this.partitions.get(tpKey(o.topic, o.partition));
      if (p && (p.committed === null || o.offset > p.committed)) p.committed = o.offset;
    }
  }

  private commitAsync(): void {
    if (this.commitInFlight) return;
    const offsets = this.toCommit(this.partitions.keys());
    if (offsets.length === 0) return;
    this.o.onCommit?.(offsets);
    this.commitInFlight = true;
    this.consumer.commitAsync(offsets, (err) => {
      this.commitInFlight = false;
      if (err === null) this.markCommitted(offsets); // a failed commit is made again at the next interval
    });
  }

  private async commitSync(keys: Iterable<string>): Promise<void> {
    const offsets = this.toCommit(keys);
    if (offsets.length === 0) return;
    this.o.onCommit?.(offsets);
    await this.consumer.commitSync(offsets);
    this.markCommitted(offsets);
  }
}
