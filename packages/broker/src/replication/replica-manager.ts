/**
 * Keeps this broker's partition replicas in line with the cluster metadata: opens the log
 * of every partition assigned here, takes the leader role the metadata gives it, applies
 * topic config changes, and deletes the logs of deleted topics. A partition it follows is
 * fetched from its leader (fetcher-manager.ts); one it leads has its ISR checked every
 * replica.lag.time.max.ms / 2 (Kafka's isr-expiration task). Also runs the periodic
 * retention check.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { toLogConfig, type LogConfig } from '../config/topic-config.js';
import type { BrokerConfig } from '../config/broker-config.js';
import { PartitionLog } from '../log/partition-log.js';
import type { ClusterMetadata, TopicInfo } from '../metadata/cluster-metadata.js';
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import type { MetadataStore } from '../metadata/store.js';
import { FetcherManager } from './fetcher-manager.js';
import { makeIsrWriter } from './isr-writer.js';
import { loadLeaderEpochCache } from './leader-epoch-cache.js';
import { Partition, type IsrProposer } from './partition.js';
import type { PeerNetwork } from './peer-network.js';
import { loadProducerState } from './producer-state-snapshot.js';
import { findStrayLogs, LogDeleter, readTopicId, writeTopicId, type KeptLog } from './stray-logs.js';

export interface LeadershipListener {
  becameLeader(p: Partition): void | Promise<void>;
  resigned(p: Partition): void | Promise<void>;
}

export class ReplicaManager {
  private readonly partitions = new Map<string, Partition>();
  /** Reconciliation is serialized: one pass at a time, in metadata order. */
  private chain: Promise<void> = Promise.resolve();
  private unsubscribe: (() => void) | null = null;
  private retentionTimer: NodeJS.Timeout | null = null;
  private isrTimer: NodeJS.Timeout | null = null;
  readonly fetchers: FetcherManager;
  private readonly proposeIsr: IsrProposer;
  private stopped = false;
  private readonly producerIdExpirationMs: number;
  private readonly readyWaiters = new Set<() => void>();
  private readonly leadershipListeners = new Set<LeadershipListener>();
  /** Called before a log's data is deleted: the log cleaner stops cleaning it (broker.ts). */
  beforeLogDelete: ((log: PartitionLog) => Promise<void>) | null = null;
  /** Renames deleted partition directories to `-delete` and removes them in the background (stray-logs.ts). */
  readonly deleter: LogDeleter;
  /**
   * Directories the startup scan kept that no partition has opened yet (one with no state
   * yet): if the metadata moves them away before they open, reconcile deletes them.
   */
  private readonly unopened = new Map<string, KeptLog>();

  constructor(
    private readonly nodeId: number,
    private readonly config: BrokerConfig,
    private readonly metadata: ClusterMetadata,
    private readonly clock: Clock,
    private readonly log: Logger,
    store: MetadataStore,
    private readonly network: PeerNetwork,
  ) {
    this.producerIdExpirationMs = Number(config.values.get('producer.id.expiration.ms'));
    const setting = (name: string): number => Number(config.values.get(name));
    this.fetchers = new FetcherManager(
      {
        nodeId,
        waitMaxMs: setting('replica.fetch.wait.max.ms'),
        minBytes: setting('replica.fetch.min.bytes'),
        maxBytes: setting('replica.fetch.max.bytes'),
        responseMaxBytes: setting('replica.fetch.response.max.bytes'),
        backoffMs: setting('replica.fetch.backoff.ms'),
        socketTimeoutMs: setting('replica.socket.timeout.ms'),
      },
      metadata,
      network,
      log.child({ component: 'replica-fetcher' }),
    );
    this.proposeIsr = makeIsrWriter(store, nodeId, log.child({ component: 'isr' }));
    this.deleter = new LogDeleter(log.child({ component: 'log-deleter' }));
  }

  /** Called once the metadata view has loaded the store, so "not in the metadata" means deleted. */
  async start(): Promise<void> {
    await mkdir(this.config.logDir, { recursive: true });
    await this.deleter.resumeLeftovers(this.config.logDir);
    // Directories the metadata took away while this broker was down (stray-logs.ts).
    const { stray, kept } = await findStrayLogs(this.config.logDir, this.metadata, this.nodeId, this.log);
    for (const s of stray) await this.deleter.delete(this.config.logDir, s.name, s.reason);
    for (const k of kept) this.unopened.set(k.name, k);
    this.unsubscribe = this.metadata.onChange((topics) => this.schedule(topics));
    this.schedule(new Set(this.metadata.topicNames()));
    await this.chain;
    this.retentionTimer = setInterval(() => void this.applyRetention(), Math.min(this.config.logRetentionCheckIntervalMs, 2 ** 31 - 1));
    this.retentionTimer.unref();
    this.isrTimer = setInterval(() => this.checkIsr(), Math.max(1, Math.floor(this.config.replicaLagTimeMaxMs / 2)));
    this.isrTimer.unref();
  }

  /**
   * Followers not caught up within replica.lag.time.max.ms leave the ISR of every partition
   * this broker leads. Not while this broker is cut off from its peers: it cannot tell a
   * lagging follower from its own silence, and its writes could not reach the store anyway.
   */
  private checkIsr(): void {
    if (this.stopped || !this.network.up) return;
    for (const p of this.partitions.values()) p.maybeShrinkIsr(this.config.replicaLagTimeMaxMs);
  }

  /**
   * A stopping broker's listener drains first and serves no more follower fetches, so its
   * followers look stalled: shrinking the ISR then would leave the leader alone in it, and
   * its partitions offline once it is gone instead of led by a follower. Called first thing
   * in Broker.stop.
   */
  stopIsrChecks(): void {
    if (this.isrTimer) clearInterval(this.isrTimer);
    this.isrTimer = null;
  }

  partition(topic: string, index: number): Partition | null {
    return this.partitions.get(`${topic}-${index}`) ?? null;
  }

  allPartitions(): Partition[] {
    return [...this.partitions.values()];
  }

  /**
   * Resolves when the controller has given every partition of `topic` a state and those this
   * broker leads are open, or the timeout passes.
   */
  async awaitLocalPartitions(topic: string, timeoutMs: number): Promise<boolean> {
    const deadline = this.clock.monotonic() + timeoutMs;
    for (;;) {
      const t = this.metadata.topic(topic);
      const ready =
        t !== null &&
        t.partitions.every((p) => p.state !== null && (p.state.leader !== this.nodeId || this.partitions.get(`${topic}-${p.index}`)?.role === 'leader'));
      if (ready) return true;
      const left = deadline - this.clock.monotonic();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.min(left, 50));
        function done(): void {
          clearTimeout(timer);
          resolve();
        }
        this.readyWaiters.add(done);
      });
    }
  }

  private schedule(topics: ReadonlySet<string>): void {
    this.chain = this.chain
      .then(() => this.reconcile(topics))
      .catch((e: unknown) => this.log.error({ err: e }, 'reconciling partitions failed'))
      .finally(() => {
        for (const w of [...this.readyWaiters]) w();
        this.readyWaiters.clear();
      });
  }

  private logConfigFor(t: TopicInfo): LogConfig {
    return toLogConfig(new Map([...this.config.topicDefaults, ...t.configs]));
  }

  private async reconcile(topics: ReadonlySet<string>): Promise<void> {
    if (this.stopped) return;
    for (const name of topics) {
      if (name.startsWith('*')) continue;
      const t = this.metadata.topic(name);
      await this.removeUnopened(name, t);
      const local = [...this.partitions.values()].filter((p) => p.topic === name);
      if (!t) {
        for (const p of local) await this.removePartition(p, 'topic deleted');
        continue;
      }
      const config = this.logConfigFor(t);
      for (const p of local) if (p.topicId !== t.topicId) await this.removePartition(p, 'topic deleted and created again');
      // A reassignment moved this replica away: it stops and its data goes (Kafka's StopReplica with delete).
      for (const p of local) if (p.topicId === t.topicId && !t.partitions[p.index]?.replicas.includes(this.nodeId)) await this.removePartition(p, 'no longer a replica');
      for (const info of t.partitions) {
        if (!info.replicas.includes(this.nodeId) || !info.state) continue;
        let p = this.partitions.get(`${name}-${info.index}`) ?? null;
        if (!p) p = await this.openPartition(t, info.index, config);
        p.config = config;
        p.log.config = config;
        const state = info.state;
        if (state.leader === this.nodeId) {
          const wasLeader = p.role === 'leader' && p.leaderEpoch === state.leaderEpoch;
          if (p.role === 'leader' && !wasLeader) await this.tell((l) => l.resigned(p));
          // No fetched data may land once this replica leads.
          await this.fetchers.unfollow(p);
          p.becomeLeader(state.leaderEpoch, state.isr, state.partitionEpoch, info.replicas);
          if (!wasLeader) {
            this.log.info({ partition: p.name, leaderEpoch: state.leaderEpoch, isr: state.isr, logEndOffset: p.logEndOffset }, 'became the leader');
            await this.tell((l) => l.becameLeader(p));
          }
        } else {
          const wasLeader = p.role === 'leader';
          if (wasLeader || p.leaderEpoch !== state.leaderEpoch || p.partitionEpoch !== state.partitionEpoch) {
            p.becomeFollower(state.leaderEpoch, state.isr, state.partitionEpoch, info.replicas);
          }
          if (wasLeader) {
            this.log.info({ partition: p.name, leader: state.leader, leaderEpoch: state.leaderEpoch }, 'no longer the leader');
            await this.tell((l) => l.resigned(p));
          }
          await this.fetchers.follow(p, state.leader, state.leaderEpoch);
        }
      }
    }
  }

  /** Deletes the unopened directories of `topic` the metadata no longer places here. */
  private async removeUnopened(topic: string, t: TopicInfo | null): Promise<void> {
    for (const k of [...this.unopened.values()]) {
      if (k.topic !== topic) continue;
      let reason: string | null = null;
      if (!t || t.topicId !== k.topicId) reason = `topic ${topic} (topic id ${k.topicId}) was deleted`;
      else if (!t.partitions[k.partition]?.replicas.includes(this.nodeId)) reason = 'no longer a replica';
      if (reason === null) continue;
      this.unopened.delete(k.name);
      await this.deleter.delete(this.config.logDir, k.name, reason);
    }
  }

  private async openPartition(t: TopicInfo, index: number, config: LogConfig): Promise<Partition> {
    const name = `${t.name}-${index}`;
    this.unopened.delete(name);
    const dir = join(this.config.logDir, name);
    // A directory left by an earlier topic of the same name holds another topic's data.
    const recorded = await readTopicId(dir);
    if (recorded !== null && recorded !== t.topicId) {
      await this.deleter.delete(this.config.logDir, name, `left by an earlier topic of the same name (topic id ${recorded}, now ${t.topicId})`);
    }
    await mkdir(dir, { recursive: true });
    if (recorded !== t.topicId) await writeTopicId(dir, t.topicId);
    const logger = this.log.child({ partition: `${t.name}-${index}` });
    const log = await PartitionLog.open(dir, config, { clock: this.clock, logger });
    // Producer state first: its snapshot also tells the epoch cache where its scan may start.
    const loaded = await loadProducerState(log, logger);
    const epochs = await loadLeaderEpochCache(log, loaded.snapshotOffset);
    const p = new Partition(t.name, index, t.topicId, log, epochs, config, this.nodeId, this.clock, logger);
    p.producerState = loaded.table;
    p.producerStateLoad = { snapshotOffset: loaded.snapshotOffset, replayedBatches: loaded.replayedBatches };
    logger.info(
      { producers: loaded.table.producers.size, snapshotOffset: loaded.snapshotOffset, replayedBatches: loaded.replayedBatches, replayedBytes: loaded.replayedBytes },
      'loaded producer state',
    );
    p.proposeIsr = this.proposeIsr;
    // A broker in controlled shutdown is about to go: it does not rejoin an ISR.
    p.isLive = (id) => this.metadata.brokers.has(id) && !this.metadata.shuttingDown.has(id);
    this.partitions.set(p.name, p);
    return p;
  }

  /** Tells listeners (the group coordinator) when this broker starts or stops leading a partition. */
  onLeadership(listener: LeadershipListener): () => void {
    this.leadershipListeners.add(listener);
    return () => this.leadershipListeners.delete(listener);
  }

  private async tell(fn: (l: LeadershipListener) => void | Promise<void>): Promise<void> {
    for (const l of [...this.leadershipListeners]) {
      try {
        await fn(l);
      } catch (e) {
        this.log.error({ err: e }, 'a leadership listener failed');
      }
    }
  }

  /** Stops the replica and deletes its directory (renamed first, removed in the background). */
  private async removePartition(p: Partition, reason: string): Promise<void> {
    await this.fetchers.unfollow(p);
    if (p.role === 'leader') await this.tell((l) => l.resigned(p));
    this.partitions.delete(p.name);
    p.role = 'follower';
    p.notifyData();
    await this.beforeLogDelete?.(p.log);
    await p.log.closeForDelete();
    // Nothing may still be writing into the directory when it is renamed.
    await p.leaderEpochCache.settled().catch(() => undefined);
    await p.snapshotsSettled().catch(() => undefined);
    await this.deleter.delete(this.config.logDir, p.name, reason);
  }

  private async closePartition(p: Partition): Promise<void> {
    await p.leaderEpochCache.settled();
    try {
      await p.snapshotAtClose();
    } catch (e) {
      this.log.warn({ err: e, partition: p.name }, 'could not snapshot producer state; it will be rebuilt from the log');
    }
    await p.log.close();
  }

  async applyRetention(): Promise<void> {
    for (const p of this.allPartitions()) {
      try {
        await p.log.applyRetention(this.clock.now());
        p.afterLogStartMoved();
        p.producerState.expire(this.clock.now(), this.producerIdExpirationMs);
      } catch (e) {
        this.log.error({ err: e, partition: p.name }, 'retention failed');
      }
    }
  }

  /** Drops every log without its clean-shutdown marker, as a crash would (in-process kill). */
  async abandon(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.retentionTimer) clearInterval(this.retentionTimer);
    if (this.isrTimer) clearInterval(this.isrTimer);
    await this.fetchers.stop();
    for (const p of this.allPartitions()) {
      p.role = 'follower';
      p.notifyData();
      p.dropPendingSnapshots();
      await p.log.abandon();
    }
    this.partitions.clear();
  }

  /** Closes every log cleanly (with its clean-shutdown marker). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.retentionTimer) clearInterval(this.retentionTimer);
    if (this.isrTimer) clearInterval(this.isrTimer);
    await this.chain;
    await this.fetchers.stop();
    for (const p of this.allPartitions()) if (p.role === 'leader') await this.tell((l) => l.resigned(p));
    for (const p of this.allPartitions()) await this.closePartition(p);
    this.partitions.clear();
    await this.deleter.settled();
  }
}
