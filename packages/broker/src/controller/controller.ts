/**
 * The controller: every broker runs one; at most one is active at a time. A broker becomes
 * the active controller by creating the ephemeral /controller key with its session lease and
 * a new controller epoch (fenced-writes.ts); when that key vanishes (the controller's lease
 * ended) every broker races to create it again.
 *
 * Only the active controller writes partition states. It reconciles every partition with
 * the live brokers (elections.ts) when it takes over, when a broker registers or vanishes,
 * and when a topic record is created or grows; topic records themselves are written by any
 * broker (topic-admin.ts), so CreateTopics needs no routing to the controller. Work runs
 * one step at a time on a chain, so two reconciliations never interleave.
 */
import { toLogConfig } from '../config/topic-config.js';
import type { BrokerConfig } from '../config/broker-config.js';
import type { ClusterMetadata } from '../metadata/cluster-metadata.js';
import { Keys, type ControllerRecord, type PartitionState, type TopicRecord } from '../metadata/keys.js';
import type { MetadataStore } from '../metadata/store.js';
import type { Logger } from '../platform/logger.js';
import type { BrokerSession } from './broker-session.js';
import { claimController, fenceHolds, writeFenced, type ControllerFence, type StateChange } from './fenced-writes.js';
import { planPartition } from './operation-rules.js';

/** Compare-and-swap retries of one topic's write before waiting for the next change. */
const CAS_ATTEMPTS = 5;

export type ReconcileResult = 'written' | 'unchanged' | 'fenced' | 'gone';

export class Controller {
  private fence: ControllerFence | null = null;
  private chain: Promise<void> = Promise.resolve();
  private unsubscribe: (() => void) | null = null;
  private stopped = false;
  /** The incarnation of each live broker as this controller last saw it. */
  private readonly incarnations = new Map<number, string | undefined>();

  constructor(
    private readonly nodeId: number,
    private readonly store: MetadataStore,
    private readonly metadata: ClusterMetadata,
    private readonly session: BrokerSession,
    private readonly config: BrokerConfig,
    private readonly log: Logger,
  ) {}

  get isActive(): boolean {
    return this.fence !== null;
  }

  /** This controller's epoch while active, else -1. */
  get epoch(): number {
    return this.fence?.epoch ?? -1;
  }

  /** Starts following the metadata; resolves after the first election attempt. */
  async start(): Promise<void> {
    this.unsubscribe = this.metadata.onChange((changed) => this.onMetadata(changed));
    this.session.onNewSession(() => this.schedule(() => this.elect()));
    this.schedule(() => this.elect());
    await this.chain;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    await this.chain;
    this.fence = null;
  }

  /** Resolves when the work queued so far has run (tests, and startup). */
  idle(): Promise<void> {
    return this.chain;
  }

  /**
   * Runs an operation (ElectLeaders, a reassignment, the auto rebalance) on the controller's
   * chain, so it never interleaves with a reconciliation; null when this broker is not the
   * active controller (the caller answers NOT_CONTROLLER).
   */
  runExclusive<T>(work: (fence: ControllerFence) => Promise<T>): Promise<T | null> {
    const run = this.chain.then(() => (this.fence && !this.stopped ? work(this.fence) : null));
    this.chain = run.then(
      () => undefined,
      (e: unknown) => this.log.error({ err: e }, 'controller operation failed'),
    );
    return run;
  }

  /** Forgets the fence when a write found a newer controller epoch. */
  fenced(): void {
    this.resign('a newer controller epoch exists');
  }

  private schedule(work: () => Promise<void>): void {
    this.chain = this.chain
      .then(() => (this.stopped ? undefined : work()))
      .catch((e: unknown) => this.log.error({ err: e }, 'controller work failed'));
  }

  private onMetadata(changed: ReadonlySet<string>): void {
    if (changed.has('*controller')) this.schedule(() => this.checkControllership());
    if (changed.has('*brokers')) {
      this.schedule(() => this.reconcileAll());
      return;
    }
    const topics = [...changed].filter((t) => !t.startsWith('*'));
    if (topics.length) this.schedule(async () => void (await Promise.all(topics.map((t) => this.reconcileIfActive(t)))));
  }

  /**
   * The /controller key changed. The view may lag the store (a watch delivers later than a
   * write returns), so the store decides: resign unless it still names us with our epoch;
   * race for the key when it is absent.
   */
  private async checkControllership(): Promise<void> {
    const kv = await this.store.get(Keys.controller);
    const record = kv ? (JSON.parse(kv.value) as ControllerRecord) : null;
    if (this.fence && (!record || record.brokerId !== this.nodeId || record.epoch !== this.fence.epoch)) this.resign('another controller took over');
    if (!record) await this.elect();
  }

  private async elect(): Promise<void> {
    const lease = this.session.lease;
    if (this.fence || !lease) return;
    const fence = await claimController(this.store, this.nodeId, lease).catch(() => null);
    if (!fence) return;
    this.fence = fence;
    this.log.info({ nodeId: this.nodeId, controllerEpoch: fence.epoch }, 'became the controller');
    // What the brokers are now is the baseline; restarts before this are not seen.
    this.incarnations.clear();
    for (const [id, b] of this.metadata.brokers) this.incarnations.set(id, b.incarnationId);
    await this.reconcileAll();
  }

  private resign(reason: string): void {
    if (!this.fence) return;
    this.log.info({ nodeId: this.nodeId, controllerEpoch: this.fence.epoch, reason }, 'no longer the controller');
    this.fence = null;
  }

  private async reconcileAll(): Promise<void> {
    const restarted = this.takeRestarted();
    if (restarted.size > 0) this.log.info({ brokers: [...restarted] }, 'brokers restarted within their session: their partitions get new leader epochs');
    for (const name of this.metadata.topicNames()) await this.reconcileIfActive(name, restarted);
  }

  /** Live brokers whose registration names another incarnation than the one last seen. */
  private takeRestarted(): Set<number> {
    const restarted = new Set<number>();
    for (const [id, b] of this.metadata.brokers) {
      if (this.incarnations.has(id) && this.incarnations.get(id) !== b.incarnationId) restarted.add(id);
      this.incarnations.set(id, b.incarnationId);
    }
    for (const id of [...this.incarnations.keys()]) if (!this.metadata.brokers.has(id)) this.incarnations.delete(id);
    return restarted;
  }

  private async reconcileIfActive(name: string, restarted: ReadonlySet<number> = new Set()): Promise<void> {
    if (this.fence) await this.reconcileTopic(name, restarted);
  }

  /**
   * Brings every partition of `name` to the state the live brokers call for, in one
   * transaction. Reads from the store, not the view, so each compare is against the truth.
   */
  async reconcileTopic(name: string, restarted: ReadonlySet<number> = new Set()): Promise<ReconcileResult> {
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      const fence = this.fence;
      if (!fence) return 'fenced';
      const topicKv = await this.store.get(Keys.topic(name));
      if (!topicKv) return 'gone';
      const record = JSON.parse(topicKv.value) as TopicRecord;
      const current = new Map<number, { state: PartitionState; revision: number }>();
      for (const kv of await this.store.list(Keys.partitionsPrefix(name))) {
        const key = Keys.parse(kv.key);
        if (key?.kind === 'partition') current.set(key.partition, { state: JSON.parse(kv.value) as PartitionState, revision: kv.modRevision });
      }
      const live = new Set(this.metadata.brokers.keys());
      const shuttingDown = this.metadata.shuttingDown;
      const unclean = this.uncleanFor(name);
      const changes: StateChange[] = [];
      const replicasNow = record.replicas.map((r) => [...r]);
      record.replicas.forEach((replicas, partition) => {
        const cur = current.get(partition);
        const next = planPartition({ replicas, current: cur?.state ?? null, live, restarted, shuttingDown, unclean, controllerEpoch: fence.epoch });
        if (!next) return;
        changes.push({ partition, fromRevision: cur?.revision ?? 0, state: next.state });
        replicasNow[partition] = next.replicas;
      });
      if (changes.length === 0) return 'unchanged';
      // A completed reassignment changes the replicas too, in the same transaction.
      const reassigned = replicasNow.some((r, i) => r.join() !== record.replicas[i]!.join()) ? { ...record, replicas: replicasNow } : undefined;
      if ((await writeFenced(this.store, fence, name, topicKv.modRevision, changes, reassigned)) > 0) {
        for (const c of changes) {
          const before = current.get(c.partition)?.state;
          if (before?.leader !== c.state.leader) {
            this.log.info({ partition: `${name}-${c.partition}`, leader: c.state.leader, leaderEpoch: c.state.leaderEpoch, isr: c.state.isr, previousLeader: before?.leader ?? null }, 'partition leader elected');
          }
        }
        return 'written';
      }
      if (!(await fenceHolds(this.store, fence))) {
        this.resign('a newer controller epoch exists');
        return 'fenced';
      }
    }
    this.log.warn({ topic: name }, 'partition states kept changing under the controller; waiting for the next change');
    return 'unchanged';
  }

  /** unclean.leader.election.enable: the topic's override, else this broker's setting. */
  private uncleanFor(name: string): boolean {
    const t = this.metadata.topic(name);
    return toLogConfig(new Map([...this.config.topicDefaults, ...(t?.configs ?? [])])).uncleanLeaderElectionEnable;
  }
}
