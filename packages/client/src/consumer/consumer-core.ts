/**
 * The consumer's core, as Java's KafkaConsumer: poll() and the calls around it (subscribe,
 * assign, commits, seek, pause, close). consumer.ts adds the async iterator and run() on
 * top. Group membership, commits, positions and fetching live in their own files; this one
 * wires them together.
 */
import { BrokerPool, type PoolOptions } from '../connection/broker-pool.js';
import { closedError, SamsaClientError } from '../errors.js';
import { MetadataManager } from '../metadata/metadata-manager.js';
import { backoffMs } from '../util/backoff.js';
import { Wakeup } from '../util/wakeup.js';
import { parseConsumerConfig, type ConsumerConfig, type ConsumerSettings } from './consumer-config.js';
import { Fetcher } from './fetcher.js';
import { ConsumerCoordinator } from './group/consumer-coordinator.js';
import { CoordinatorLookup } from './group/coordinator-lookup.js';
import { OffsetCommitter, type CommitEntry } from './group/offset-committer.js';
import { PositionResolver } from './positions.js';
import { SubscriptionState } from './subscription-state.js';
import { tpKey, type CommittedOffset, type ConsumerRecord, type OffsetAndMetadata, type RebalanceListener, type TopicPartition } from './types.js';

export interface ConsumerOptions {
  /** Seeded randomness for tests (backoff jitter). */
  random?: () => number;
}

export type OffsetsToCommit = ReadonlyArray<TopicPartition & OffsetAndMetadata>;
export type CommitCallback = (err: SamsaClientError | null) => void;

const INTERNAL_TOPICS = new Set(['__consumer_offsets', '__transaction_state']);

export class ConsumerCore {
  protected readonly s: ConsumerSettings;
  protected readonly subs = new SubscriptionState();
  private readonly pool: BrokerPool;
  private readonly metadata: MetadataManager;
  protected readonly fetcher: Fetcher;
  private readonly lookup: CoordinatorLookup | null = null;
  private readonly committer: OffsetCommitter | null = null;
  /** Null without group.id. */
  readonly coordinator: ConsumerCoordinator | null = null;
  private readonly positions: PositionResolver;
  protected readonly wakeup = new Wakeup();
  private readonly random: () => number;
  private polling = false;
  protected closing = false;
  private closed: Promise<void> | null = null;
  private nextAutoCommitMs: number;
  private autoCommitInFlight = false;
  /** Records poll() returned that the iterator or run() has not handed out yet (see consumer-loops.ts). */
  protected undelivered: ConsumerRecord[] = [];
  protected undeliveredIndex = 0;

  constructor(config: ConsumerConfig, options: ConsumerOptions = {}) {
    this.s = parseConsumerConfig(config);
    const s = this.s;
    this.random = options.random ?? Math.random;
    const poolOptions: PoolOptions = {
      clientId: s.clientId === '' ? null : s.clientId,
      requestTimeoutMs: s.requestTimeoutMs,
      connectTimeoutMs: s.connectTimeoutMs,
      maxInFlightRequests: 5,
      reconnectBackoff: { initialMs: s.reconnectBackoffMs, maxMs: s.reconnectBackoffMaxMs },
      random: this.random,
    };
    this.pool = new BrokerPool(s.bootstrap, poolOptions);
    this.metadata = new MetadataManager(this.pool, {
      metadataMaxAgeMs: s.metadataMaxAgeMs,
      retryBackoff: { initialMs: s.retryBackoffMs, maxMs: s.retryBackoffMaxMs },
      allowAutoTopicCreation: s.allowAutoCreateTopics,
      random: this.random,
    });
    this.fetcher = new Fetcher(s, this.subs, this.metadata, this.pool, { onChange: () => this.wakeup.notify() });
    if (s.groupId !== null) {
      const groupId = s.groupId;
      this.lookup = new CoordinatorLookup(groupId, this.pool, poolOptions);
      this.coordinator = new ConsumerCoordinator({ ...s, groupId }, this.subs, this.pool, this.lookup, {
        onChange: () => this.wakeup.notify(),
        onPartitionsRemoved: (keys) => this.fetcher.clear(keys),
        commitConsumed: (timeoutMs) => this.commitWithRetries(this.consumedEntries(), timeoutMs),
      });
      this.committer = new OffsetCommitter(groupId, this.lookup, this.coordinator);
    }
    this.positions = new PositionResolver(s, this.subs, this.metadata, this.pool, this.committer);
    this.nextAutoCommitMs = Date.now() + s.autoCommitIntervalMs;
    this.pool.onChange(() => this.fetcher.sendFetches());
    this.metadata.onUpdate(() => this.onMetadata());
  }

  /** The settings in effect, after defaults. */
  get settings(): Readonly<ConsumerSettings> {
    return this.s;
  }

  private onMetadata(): void {
    if (this.subs.type === 'pattern') {
      const names = this.metadata.cache.topicNames().filter((t) => !(this.s.excludeInternalTopics && INTERNAL_TOPICS.has(t)));
      if (this.subs.matchPattern(names)) this.coordinator?.subscriptionChanged();
    }
    this.coordinator?.checkPartitionCounts((t) => this.metadata.cache.usable(t)?.partitions.length);
    this.fetcher.sendFetches();
    this.wakeup.notify();
  }

  private ensureOpen(what: string): void {
    if (this.closing) throw closedError(what);
  }

  /**
   * Subscribes to topics, or to every topic a pattern matches (checked again at each metadata
   * refresh), with group management; needs group.id. Replaces an earlier subscription.
   */
  subscribe(topics: string | readonly string[] | RegExp, listener: RebalanceListener = {}): void {
    this.ensureOpen('subscribe');
    if (this.coordinator === null) throw new SamsaClientError('ILLEGAL_STATE', 'subscribe() needs a group.id: to read without a group, use assign()');
    if (topics instanceof RegExp) {
      this.subs.subscribePattern(topics, listener);
      this.metadata.allTopics = true;
    } else {
      const list = typeof topics === 'string' ? [topics] : [...topics];
      if (list.some((t) => typeof t !== 'string' || t.trim() === '')) throw new SamsaClientError('ILLEGAL_STATE', 'topic names must be non-empty strings');
      this.subs.subscribe(list, listener);
      this.metadata.allTopics = false;
      for (const t of list) this.metadata.addTopic(t);
    }
    this.metadata.requestUpdate();
    this.coordinator.subscriptionChanged();
  }

  /** Reads these partitions without a group (commits still go to group.id when set). */
  assign(partitions: readonly TopicPartition[]): void {
    this.ensureOpen('assign');
    const before = new Set(this.subs.assigned().map((tp) => tpKey(tp.topic, tp.partition)));
    this.subs.assignFromUser(partitions);
    for (const k of before) if (!this.subs.stateByKey(k)) this.fetcher.clear([k]);
    for (const tp of partitions) this.metadata.addTopic(tp.topic);
    this.wakeup.notify();
  }

  /** Stops reading: a group member commits (auto commit), revokes and leaves the group. */
  async unsubscribe(timeoutMs = this.s.defaultApiTimeoutMs): Promise<void> {
    if (this.coordinator && this.subs.usesGroup) await this.coordinator.depart(timeoutMs);
    this.subs.unsubscribe();
    this.fetcher.clear();
    this.metadata.allTopics = false;
  }

  subscription(): string[] {
    return this.subs.usesGroup ? [...this.subs.topics].sort() : [];
  }

  assignment(): TopicPartition[] {
    return this.subs.assigned();
  }

  /**
   * Returns the next records (at most max.poll.records), waiting up to `timeoutMs` for some.
   * Runs rebalances and their listeners, auto commits, and looks up positions. Throws fatal
   * group errors, a listener's error, and partition errors (no offset with
   * auto.offset.reset=none, a corrupt batch, ...).
   */
  async poll(timeoutMs: number): Promise<ConsumerRecord[]> {
    this.ensureOpen('poll');
    if (this.subs.type === 'none') throw new SamsaClientError('ILLEGAL_STATE', 'consumer is not subscribed to any topics or assigned any partitions');
    if (this.polling) throw new SamsaClientError('ILLEGAL_STATE', 'poll() is already running: a consumer is polled by one loop at a time');
    this.polling = true;
    try {
      const deadline = Date.now() + Math.max(0, timeoutMs);
      for (;;) {
        if (this.coordinator) await this.coordinator.poll(deadline);
        if (this.closing) return [];
        this.maybeAutoCommit();
        if (!this.positions.complete) await this.wakeup.race(this.positions.update(), deadline - Date.now());
        const records = this.fetcher.collect(this.s.maxPollRecords);
        this.fetcher.sendFetches();
        if (records.length > 0) return records;
        const left = deadline - Date.now();
        if (left <= 0 || this.closing) return [];
        // Positions still missing are looked up again after retry.backoff.ms.
        await this.wakeup.race(new Promise(() => undefined), this.positions.complete ? left : Math.min(left, this.s.retryBackoffMs));
      }
    } finally {
      this.polling = false;
    }
  }

  private maybeAutoCommit(): void {
    if (!this.s.enableAutoCommit || this.autoCommitInFlight || Date.now() < this.nextAutoCommitMs) return;
    if (this.coordinator && this.subs.usesGroup && this.coordinator.state !== 'stable') return;
    this.nextAutoCommitMs = Date.now() + this.s.autoCommitIntervalMs;
    const entries = this.consumedEntries();
    if (entries.length === 0) return;
    this.autoCommitInFlight = true;
    this.committer!.commit(entries)
      .catch(() => undefined) // an auto commit that fails is made again at the next interval
      .finally(() => (this.autoCommitInFlight = false));
  }

  private consumedEntries(): CommitEntry[] {
    return [...this.subs.consumed().values()].map((c) => ({ ...c, metadata: '' }));
  }

  private toEntries(offsets: OffsetsToCommit): CommitEntry[] {
    return offsets.map((o) => {
      if (!Number.isSafeInteger(o.offset) || o.offset < 0) throw new SamsaClientError('ILLEGAL_STATE', `offset ${o.offset} for ${o.topic}-${o.partition} is not a non-negative integer`);
      return { topic: o.topic, partition: o.partition, offset: o.offset, leaderEpoch: o.leaderEpoch ?? null, metadata: o.metadata ?? '' };
    });
  }

  private requireGroup(what: string): OffsetCommitter {
    if (this.committer === null) throw new SamsaClientError('ILLEGAL_STATE', `${what} needs a group.id`);
    return this.committer;
  }

  /** Commits `offsets` (default: every position consumed), retrying retriable errors until `timeoutMs`. */
  async commitSync(offsets?: OffsetsToCommit, timeoutMs = this.s.defaultApiTimeoutMs): Promise<void> {
    this.requireGroup('commitSync');
    const entries = offsets ? this.toEntries(offsets) : this.consumedEntries();
    await this.commitWithRetries(entries, timeoutMs);
  }

  /** Commits once without waiting; the callback (if any) gets the outcome. Never rejects. */
  commitAsync(offsets?: OffsetsToCommit, callback?: CommitCallback): void {
    let entries: CommitEntry[];
    try {
      this.ensureOpen('commitAsync');
      const committer = this.requireGroup('commitAsync');
      entries = offsets ? this.toEntries(offsets) : this.consumedEntries();
      committer.commit(entries).then(
        () => callback?.(null),
        (e: unknown) => callback?.(e instanceof SamsaClientError ? e : new SamsaClientError('COMMIT_FAILED', String(e), { cause: e })),
      );
    } catch (e) {
      queueMicrotask(() => callback?.(e as SamsaClientError));
    }
  }

  private async commitWithRetries(entries: CommitEntry[], timeoutMs: number): Promise<void> {
    const committer = this.requireGroup('commit');
    const deadline = Date.now() + timeoutMs;
    for (let attempt = 0; ; attempt++) {
      try {
        await committer.commit(entries);
        return;
      } catch (e) {
        if (!(e instanceof SamsaClientError) || !e.retriable) throw e;
        const wait = backoffMs({ initialMs: this.s.retryBackoffMs, maxMs: this.s.retryBackoffMaxMs }, attempt, this.random);
        if (Date.now() + wait >= deadline) throw new SamsaClientError('TIMEOUT', `commit did not complete within ${timeoutMs} ms: ${e.message}`, { retriable: true, cause: e });
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }

  /** The group's committed offsets for `partitions`, in the same order (null: nothing committed). */
  async committed(partitions: readonly TopicPartition[], timeoutMs = this.s.defaultApiTimeoutMs): Promise<Array<CommittedOffset | null>> {
    const committer = this.requireGroup('committed');
    const deadline = Date.now() + timeoutMs;
    for (let attempt = 0; ; attempt++) {
      try {
        const got = await committer.fetch(partitions);
        return partitions.map((tp) => got.get(tpKey(tp.topic, tp.partition)) ?? null);
      } catch (e) {
        if (!(e instanceof SamsaClientError) || !e.retriable) throw e;
        const wait = backoffMs({ initialMs: this.s.retryBackoffMs, maxMs: this.s.retryBackoffMaxMs }, attempt, this.random);
        if (Date.now() + wait >= deadline) throw new SamsaClientError('TIMEOUT', `committed offsets not fetched within ${timeoutMs} ms: ${e.message}`, { retriable: true, cause: e });
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }

  /** The next poll returns records of `tp` from `offset`. */
  seek(tp: TopicPartition, offset: number): void {
    if (!Number.isSafeInteger(offset) || offset < 0) throw new SamsaClientError('ILLEGAL_STATE', `seek offset must be a non-negative integer, got ${offset}`);
    this.subs.seek(this.subs.required(tp), offset);
    this.wakeup.notify();
  }

  /** Seeks to the log start of each partition (default: all assigned), looked up at the next poll or position(). */
  seekToBeginning(partitions: readonly TopicPartition[] = this.subs.assigned()): void {
    for (const tp of partitions) this.subs.requestReset(this.subs.required(tp), 'earliest');
    this.wakeup.notify();
  }

  /** Seeks to the log end (the offset the next record will get). */
  seekToEnd(partitions: readonly TopicPartition[] = this.subs.assigned()): void {
    for (const tp of partitions) this.subs.requestReset(this.subs.required(tp), 'latest');
    this.wakeup.notify();
  }

  /** The offset of the next record poll() returns for `tp`, looked up when unknown. */
  async position(tp: TopicPartition, timeoutMs = this.s.defaultApiTimeoutMs): Promise<number> {
    const st = this.subs.required(tp);
    const deadline = Date.now() + timeoutMs;
    while (st.position === null) {
      this.ensureOpen('position');
      const left = deadline - Date.now();
      if (left <= 0) throw new SamsaClientError('TIMEOUT', `position of ${tp.topic}-${tp.partition} not found within ${timeoutMs} ms`, { retriable: true });
      await this.wakeup.race(this.positions.update(), left);
      if (st.position === null) await this.wakeup.race(new Promise(() => undefined), Math.min(this.s.retryBackoffMs, Math.max(0, deadline - Date.now())));
      if (this.subs.stateByKey(st.key) !== st) throw new SamsaClientError('ILLEGAL_STATE', `partition ${tp.topic}-${tp.partition} is no longer assigned`);
    }
    return st.position;
  }

  pause(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) this.subs.required(tp).paused = true;
  }

  resume(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) this.subs.required(tp).paused = false;
    this.fetcher.sendFetches();
    this.wakeup.notify();
  }

  paused(): TopicPartition[] {
    return [...this.subs.states()].filter((s) => s.paused).map((s) => ({ topic: s.topic, partition: s.partition }));
  }

  /**
   * Records the iterator or run() took from poll() but did not hand out go back: each
   * partition is sought to its first such record, so closing or breaking out of a loop does
   * not commit past what the application saw.
   */
  protected rewindUndelivered(): void {
    const first = new Map<string, number>();
    for (let i = this.undeliveredIndex; i < this.undelivered.length; i++) {
      const r = this.undelivered[i]!;
      const k = tpKey(r.topic, r.partition);
      if (!first.has(k)) first.set(k, r.offset);
    }
    this.undelivered = [];
    this.undeliveredIndex = 0;
    for (const [k, offset] of first) {
      const st = this.subs.stateByKey(k);
      if (st && st.position !== null && st.position > offset) this.subs.seek(st, offset);
    }
  }

  /**
   * Commits (auto commit), revokes and leaves the group (dynamic members), then releases
   * every socket and timer, within `timeoutMs`. poll() running meanwhile returns [].
   */
  close(timeoutMs = 30_000): Promise<void> {
    this.closed ??= this.doClose(timeoutMs);
    return this.closed;
  }

  private async doClose(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    this.closing = true;
    this.wakeup.notify();
    this.rewindUndelivered();
    try {
      if (this.coordinator) {
        if (this.subs.usesGroup) await this.coordinator.close(timeoutMs);
        else {
          await this.coordinator.close(0);
          if (this.s.enableAutoCommit) await this.commitWithRetries(this.consumedEntries(), Math.max(0, deadline - Date.now())).catch(() => undefined);
        }
      }
    } finally {
      this.fetcher.close();
      this.metadata.close();
      await this.lookup?.close();
      await this.pool.close();
      this.wakeup.notify();
    }
  }
}
