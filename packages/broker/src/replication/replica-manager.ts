/**
 * Keeps this broker's partition replicas in line with the cluster metadata: opens the log
 * of every partition assigned here, takes the leader role the metadata gives it, applies
 * topic config changes, and deletes the logs of deleted topics. Also runs the periodic
 * retention check.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { toLogConfig, type LogConfig } from '../config/topic-config.js';
import type { BrokerConfig } from '../config/broker-config.js';
import { PartitionLog } from '../log/partition-log.js';
import type { ClusterMetadata, TopicInfo } from '../metadata/cluster-metadata.js';
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import { Partition } from './partition.js';
import { loadProducerState, saveProducerState } from './producer-state-snapshot.js';

const TOPIC_ID_FILE = 'partition.metadata';

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
  private stopped = false;
  private readonly producerIdExpirationMs: number;
  private readonly readyWaiters = new Set<() => void>();
  private readonly leadershipListeners = new Set<LeadershipListener>();
  /** Called before a log's data is deleted: the log cleaner stops cleaning it (broker.ts). */
  beforeLogDelete: ((log: PartitionLog) => Promise<void>) | null = null;

  constructor(
    private readonly nodeId: number,
    private readonly config: BrokerConfig,
    private readonly metadata: ClusterMetadata,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {
    this.producerIdExpirationMs = Number(config.values.get('producer.id.expiration.ms'));
  }

  async start(): Promise<void> {
    await mkdir(this.config.logDir, { recursive: true });
    this.unsubscribe = this.metadata.onChange((topics) => this.schedule(topics));
    this.schedule(new Set(this.metadata.topicNames()));
    await this.chain;
    this.retentionTimer = setInterval(() => void this.applyRetention(), Math.min(this.config.logRetentionCheckIntervalMs, 2 ** 31 - 1));
    this.retentionTimer.unref();
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
      const local = [...this.partitions.values()].filter((p) => p.topic === name);
      if (!t) {
        for (const p of local) await this.removePartition(p, true);
        continue;
      }
      const config = this.logConfigFor(t);
      for (const p of local) if (p.topicId !== t.topicId) await this.removePartition(p, true);
      for (const info of t.partitions) {
        if (!info.replicas.includes(this.nodeId) || !info.state) continue;
        let p = this.partitions.get(`${name}-${info.index}`) ?? null;
        if (!p) p = await this.openPartition(t, info.index, config);
        p.config = config;
        p.log.config = config;
        if (info.state.leader === this.nodeId) {
          const wasLeader = p.role === 'leader' && p.leaderEpoch === info.state.leaderEpoch;
          if (p.role === 'leader' && !wasLeader) await this.tell((l) => l.resigned(p));
          p.becomeLeader(info.state.leaderEpoch, info.state.isr);
          if (!wasLeader) await this.tell((l) => l.becameLeader(p));
        } else if (p.role === 'leader' || p.leaderEpoch !== info.state.leaderEpoch) {
          const wasLeader = p.role === 'leader';
          p.becomeFollower(info.state.leaderEpoch, info.state.isr);
          if (wasLeader) {
            this.log.info({ partition: p.name, leader: info.state.leader, leaderEpoch: info.state.leaderEpoch }, 'no longer the leader');
            await this.tell((l) => l.resigned(p));
          }
        }
      }
    }
  }

  private async openPartition(t: TopicInfo, index: number, config: LogConfig): Promise<Partition> {
    const dir = join(this.config.logDir, `${t.name}-${index}`);
    // A directory left by an earlier topic of the same name holds another topic's data.
    const recorded = await readFile(join(dir, TOPIC_ID_FILE), 'utf8').catch(() => null);
    if (recorded !== null && recorded.trim() !== t.topicId) {
      this.log.warn({ dir, recorded: recorded.trim(), topicId: t.topicId }, 'removing log of an earlier topic with the same name');
      await rm(dir, { recursive: true, force: true });
    }
    await mkdir(dir, { recursive: true });
    if (recorded === null || recorded.trim() !== t.topicId) await writeFile(join(dir, TOPIC_ID_FILE), t.topicId + '\n');
    const log = await PartitionLog.open(dir, config, { clock: this.clock, logger: this.log.child({ partition: `${t.name}-${index}` }) });
    const p = new Partition(t.name, index, t.topicId, log, config, this.nodeId, this.clock);
    p.producerState = await loadProducerState(log);
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

  private async removePartition(p: Partition, deleteData: boolean): Promise<void> {
    if (p.role === 'leader') await this.tell((l) => l.resigned(p));
    this.partitions.delete(p.name);
    p.role = 'follower';
    p.notifyData();
    if (deleteData) {
      await this.beforeLogDelete?.(p.log);
      await p.log.delete();
      this.log.info({ partition: p.name }, 'deleted partition log');
    } else await this.closePartition(p);
  }

  private async closePartition(p: Partition): Promise<void> {
    try {
      await saveProducerState(p.log, p.producerState);
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
    for (const p of this.allPartitions()) {
      p.role = 'follower';
      p.notifyData();
      await p.log.abandon();
    }
    this.partitions.clear();
  }

  /** Closes every log cleanly (with its clean-shutdown marker). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.retentionTimer) clearInterval(this.retentionTimer);
    await this.chain;
    for (const p of this.allPartitions()) if (p.role === 'leader') await this.tell((l) => l.resigned(p));
    for (const p of this.allPartitions()) await this.closePartition(p);
    this.partitions.clear();
  }
}
