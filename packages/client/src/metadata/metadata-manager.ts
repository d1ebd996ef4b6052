/**
 * Keeps the metadata cache fresh: a refresh for the topics in use when someone asks for one
 * (a leader moved, a topic is unknown, a connection broke), at least every
 * metadata.max.age.ms, and after a failed refresh again after retry.backoff.ms (growing to
 * retry.backoff.max.ms). One refresh runs at a time; asks during one start another after it.
 */
import { ApiKey, ErrorCode, isRetriable, type Metadata } from '@samsa/protocol';
import type { BrokerPool } from '../connection/broker-pool.js';
import { closedError, KafkaProtocolError, SamsaClientError } from '../errors.js';
import { backoffMs, type Backoff } from '../util/backoff.js';
import { MetadataCache, type TopicMetadata } from './metadata-cache.js';

export interface MetadataOptions {
  metadataMaxAgeMs: number;
  retryBackoff: Backoff;
  /** Producers ask the broker to create missing topics (if it auto-creates), as Kafka's producer does. */
  allowAutoTopicCreation: boolean;
  random?: () => number;
}

interface TopicWaiter {
  topic: string;
  resolve: (t: TopicMetadata) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class MetadataManager {
  readonly cache = new MetadataCache();
  private readonly interest = new Set<string>();
  private readonly waiters = new Set<TopicWaiter>();
  private readonly listeners: Array<() => void> = [];
  private running = false;
  private again = false;
  private failures = 0;
  private timer: NodeJS.Timeout | null = null;
  private isClosed = false;
  private lastRefreshMs = 0;
  private lastAttemptMs = -Infinity;
  private timerAt = 0;
  /** Ask for every topic (a consumer's pattern subscription) instead of those in use. */
  allTopics = false;

  constructor(
    private readonly pool: BrokerPool,
    private readonly opts: MetadataOptions,
  ) {}

  onUpdate(listener: () => void): void {
    this.listeners.push(listener);
  }

  /**
   * Asks for a refresh soon: at once, unless one ran less than retry.backoff.ms ago (a
   * leader that is still unknown after a refresh must not turn into a loop of Metadata
   * requests) or the last one failed and is backing off.
   */
  requestUpdate(): void {
    if (this.isClosed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.failures > 0 && this.timer !== null) return; // the backoff timer will run it
    const soonest = this.lastAttemptMs + this.opts.retryBackoff.initialMs - Date.now();
    if (soonest > 0 && this.timer !== null && this.timerAt <= Date.now() + soonest) return;
    this.schedule(Math.max(0, soonest));
  }

  /**
   * Resolves with the topic's metadata once it has partitions, within `timeoutMs`; rejects
   * with METADATA_TIMEOUT, or with the topic's error when it is not retriable.
   */
  waitForTopic(topic: string, timeoutMs: number): Promise<TopicMetadata> {
    const known = this.cache.usable(topic);
    if (known) return Promise.resolve(known);
    if (this.isClosed) return Promise.reject(closedError(`metadata for ${topic}`));
    this.interest.add(topic);
    return new Promise((resolve, reject) => {
      const w: TopicWaiter = {
        topic,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(w);
          reject(new SamsaClientError('METADATA_TIMEOUT', `topic ${topic} not present in metadata after ${timeoutMs} ms`, { retriable: true }));
        }, timeoutMs),
      };
      this.waiters.add(w);
      this.requestUpdate();
    });
  }

  /** Adds topics to those every refresh asks about. */
  addTopic(topic: string): void {
    if (!this.interest.has(topic)) {
      this.interest.add(topic);
      this.requestUpdate();
    }
  }

  private schedule(delayMs: number): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timerAt = Date.now() + delayMs;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.refresh();
    }, delayMs);
  }

  private async refresh(): Promise<void> {
    if (this.isClosed || this.running) return;
    this.running = true;
    this.again = false;
    this.lastAttemptMs = Date.now();
    try {
      const conn = await this.pool.any();
      const topics = this.allTopics ? null : [...this.interest].map((name) => ({ name }));
      const res = await conn.request<Metadata.MetadataResponse>(ApiKey.Metadata, { topics, allowAutoTopicCreation: this.opts.allowAutoTopicCreation });
      if (this.isClosed) return;
      this.cache.update(res);
      this.pool.setNodes(res.brokers);
      this.failures = 0;
      this.lastRefreshMs = Date.now();
      this.settleWaiters();
      for (const l of this.listeners) l();
    } catch (e) {
      this.failures++;
      if (this.isClosed) return;
    } finally {
      this.running = false;
    }
    this.scheduleNext();
  }

  /** Next refresh: soon when one is wanted (after a backoff if refreshes fail), else at max age. */
  private scheduleNext(): void {
    if (this.isClosed) return;
    const wanted = this.again || this.waiters.size > 0 || this.failures > 0;
    if (wanted) {
      this.schedule(backoffMs(this.opts.retryBackoff, Math.max(0, this.failures - 1), this.opts.random));
    } else {
      this.schedule(Math.max(0, this.lastRefreshMs + this.opts.metadataMaxAgeMs - Date.now()));
    }
  }

  private settleWaiters(): void {
    for (const w of this.waiters) {
      const t = this.cache.topic(w.topic);
      if (!t) continue;
      const ok = t.errorCode === 0 && t.partitions.length > 0;
      if (!ok && (t.errorCode === 0 || isRetriable(t.errorCode) || t.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)) continue;
      clearTimeout(w.timer);
      this.waiters.delete(w);
      if (ok) w.resolve(t);
      else w.reject(new KafkaProtocolError(t.errorCode, `topic ${w.topic}`));
    }
  }

  close(): void {
    this.isClosed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.reject(closedError(`metadata for ${w.topic}`));
    }
    this.waiters.clear();
  }
}
