/**
 * The log cleaner of one broker (Kafka's LogCleaner with its LogCleanerManager, one
 * cleaner thread): on a timer, off the request path, it picks the filthiest compacted log
 * and runs one pass over it (cleaner.ts), one log at a time.
 *
 * A log is a candidate when its cleanup.policy includes compact and
 * - its dirty ratio is at least min.cleanable.dirty.ratio, or
 * - max.compaction.lag.ms has passed for its oldest dirty data, or
 * - the earliest delete horizon of the tombstones it kept has passed (the pass then
 *   removes them even with nothing dirty);
 * among candidates the highest dirty ratio goes first. After a pass that did something the
 * next pick follows at once; otherwise the cleaner waits log.cleaner.backoff.ms.
 *
 * Where each log stopped lives in the cleaner-offset-checkpoint of the log directory
 * (cleaner-checkpoint.ts), written after every pass. abort(log) (topic deletion) and stop()
 * (shutdown) make a running pass give up at its next batch and wait for it.
 */
import { stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Clock } from '../../platform/clock.js';
import type { Logger } from '../../platform/logger.js';
import { nodeFileOps, type FileOps } from '../log-file.js';
import { AbortedError, Cleaner, type CleanableLog, type CleanResult } from './cleaner.js';
import { cleanableRange } from './cleanable.js';
import { readCleanerCheckpoint, writeCleanerCheckpoint, type CleanerCheckpoint } from './cleaner-checkpoint.js';
import { Throttler } from './throttler.js';

/** A log the broker holds, as the cleaner sees it. */
export interface CleanerTarget {
  log: CleanableLog;
  /** Nothing at or above it is cleaned. */
  highWatermark(): number;
  /** Producer id -> offset of the last record of its last batch. */
  producerLastOffsets(): ReadonlyMap<bigint, number>;
}

export interface LogCleanerOptions {
  /** The log directory: where cleaner-offset-checkpoint lives. */
  logDir: string;
  backoffMs: number;
  dedupeBufferBytes: number;
  ioMaxBytesPerSecond: number;
  clock: Clock;
  logger: Logger;
  fileOps?: FileOps;
  /** The logs to consider, asked afresh before every pick. */
  targets(): readonly CleanerTarget[];
}

/** The shortest wait between idle looks at the logs, whatever log.cleaner.backoff.ms says. */
const MIN_IDLE_BACKOFF_MS = 10;

interface Candidate {
  target: CleanerTarget;
  name: string;
  dirtyRatio: number;
  force: boolean;
}

export class LogCleaner {
  private readonly cleaner: Cleaner;
  private checkpoint: CleanerCheckpoint = new Map();
  private timer: NodeJS.Timeout | null = null;
  /** The pass in progress (choosing a log or cleaning it), settled never rejecting. */
  private inFlight: Promise<void> | null = null;
  /** The log being cleaned; null while none is, or while one is still being chosen. */
  private current: CleanableLog | null = null;
  private readonly aborted = new WeakSet<CleanableLog>();
  private readonly uncleanable = new WeakSet<CleanableLog>();
  private stopped = false;
  /** Passes completed, for tests and the log. */
  passes = 0;

  constructor(private readonly opts: LogCleanerOptions) {
    this.cleaner = new Cleaner({
      dedupeBufferBytes: opts.dedupeBufferBytes,
      throttler: new Throttler(opts.ioMaxBytesPerSecond),
      fileOps: opts.fileOps ?? nodeFileOps,
    });
  }

  async start(): Promise<void> {
    try {
      this.checkpoint = await readCleanerCheckpoint(this.opts.logDir);
    } catch (e) {
      // Losing it only means cleaning again what was clean.
      this.opts.logger.warn({ err: (e as Error).message }, 'ignoring an unreadable cleaner-offset-checkpoint');
    }
    // Entries of logs deleted while the broker was down would mislead a later topic of the same name.
    for (const name of [...this.checkpoint.keys()]) {
      if (!(await stat(join(this.opts.logDir, name)).then((s) => s.isDirectory(), () => false))) this.checkpoint.delete(name);
    }
    this.schedule(this.opts.backoffMs);
  }

  /** The checkpointed first dirty offset of a log (by directory name), for tests and tools. */
  firstDirtyOffset(log: CleanableLog): number | undefined {
    return this.checkpoint.get(basename(log.dir))?.firstDirtyOffset;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    // log.cleaner.backoff.ms may be 0; an idle cleaner still must not spin the event loop.
    if (ms === this.opts.backoffMs) ms = Math.max(ms, MIN_IDLE_BACKOFF_MS);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.runOnce()
        .then((didWork) => this.schedule(didWork ? 0 : this.opts.backoffMs))
        .catch((e: unknown) => {
          this.opts.logger.error({ err: e }, 'log cleaner pass failed');
          this.schedule(this.opts.backoffMs);
        });
    }, ms);
    this.timer.unref();
  }

  /** True when a pass failed on the log (see runPass). */
  isUncleanable(log: CleanableLog): boolean {
    return this.uncleanable.has(log);
  }

  /** Picks the filthiest log and cleans it; true when a pass did something. Public for tests. */
  runOnce(): Promise<boolean> {
    const pass = this.runPass();
    const settled = pass.then(
      () => undefined,
      () => undefined,
    );
    this.inFlight = settled;
    void settled.then(() => {
      if (this.inFlight === settled) this.inFlight = null;
    });
    return pass;
  }

  private async runPass(): Promise<boolean> {
    const chosen = await this.filthiest();
    if (!chosen || this.stopped) return false;
    const { target, name } = chosen;
    const log = target.log;
    this.current = log;
    try {
      const result = await this.cleaner.clean(
        {
          log,
          firstDirtyOffset: this.checkpoint.get(name)?.firstDirtyOffset,
          highWatermark: target.highWatermark(),
          producerLastOffsets: target.producerLastOffsets(),
          nowMs: this.opts.clock.now(),
          aborted: () => this.stopped || this.aborted.has(log),
        },
        chosen.force,
      );
      if (!result) return false;
      await this.recordPass(name, result);
      return true;
    } catch (e) {
      if (e instanceof AbortedError || this.aborted.has(log) || this.stopped) {
        this.opts.logger.info({ dir: log.dir }, 'log cleaning aborted');
        return false;
      }
      // As Kafka's uncleanable partitions: a log the cleaner fails on (a corrupt segment, a
      // full disk) is left alone until the broker restarts, so it neither fails again every
      // backoff nor, being the dirtiest, starves every other log.
      this.uncleanable.add(log);
      this.opts.logger.error({ dir: log.dir, err: e }, 'cleaning failed; the log is marked uncleanable until restart');
      return false;
    } finally {
      this.current = null;
    }
  }

  private async recordPass(name: string, r: CleanResult): Promise<void> {
    this.passes++;
    // An incomplete pass (the log changed under it) keeps the old checkpoint: its groups
    // that were swapped in are clean, the rest is cleaned next time.
    if (r.complete) this.checkpoint.set(name, { firstDirtyOffset: r.endOffset, deleteHorizonMs: r.deleteHorizonMs });
    await writeCleanerCheckpoint(this.opts.logDir, this.checkpoint);
    this.opts.logger.info(
      {
        log: name,
        firstDirtyOffset: r.range.firstDirtyOffset,
        endOffset: r.endOffset,
        dirtyRatio: Number(r.range.dirtyRatio.toFixed(3)),
        segmentsBefore: r.segmentsBefore,
        segmentsAfter: r.segmentsAfter,
        bytesRead: r.bytesRead,
        bytesWritten: r.bytesWritten,
        recordsRemoved: r.recordsRemoved,
        complete: r.complete,
      },
      'cleaned log',
    );
  }

  private async filthiest(): Promise<Candidate | null> {
    const nowMs = this.opts.clock.now();
    let best: Candidate | null = null;
    for (const target of this.opts.targets()) {
      const log = target.log;
      const config = log.config;
      if (!config.cleanupPolicy.includes('compact') || this.aborted.has(log) || this.uncleanable.has(log)) continue;
      const name = basename(log.dir);
      const saved = this.checkpoint.get(name);
      let range;
      try {
        range = await cleanableRange(log.segmentsForCleaning, log.logStartOffset, saved?.firstDirtyOffset, nowMs, config, target.highWatermark());
      } catch (e) {
        this.opts.logger.warn({ dir: log.dir, err: (e as Error).message }, 'could not measure a log for cleaning');
        continue;
      }
      const dirty = range.cleanableBytes > 0 && (range.dirtyRatio >= config.minCleanableDirtyRatio || range.needCompactionNow);
      const horizonPassed = saved !== undefined && saved.deleteHorizonMs >= 0 && nowMs >= saved.deleteHorizonMs;
      if (!dirty && !horizonPassed) continue;
      const candidate = { target, name, dirtyRatio: range.dirtyRatio, force: !dirty };
      if (!best || candidate.dirtyRatio > best.dirtyRatio) best = candidate;
    }
    return best;
  }

  /**
   * Stops cleaning `log` for good (its topic is being deleted): a running pass gives up at
   * its next batch, and this resolves once it has. The log's checkpoint entry is dropped.
   */
  async abort(log: CleanableLog): Promise<void> {
    this.aborted.add(log);
    // Wait if the pass is on this log, or has not chosen yet (it might choose this one).
    if (this.current === log || (this.inFlight && this.current === null)) await this.inFlight;
    if (this.checkpoint.delete(basename(log.dir))) {
      await writeCleanerCheckpoint(this.opts.logDir, this.checkpoint).catch((e: unknown) => this.opts.logger.warn({ err: e }, 'writing the cleaner-offset-checkpoint failed'));
    }
  }

  /** Stops the timer and waits for a running pass to give up. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.inFlight;
  }
}
