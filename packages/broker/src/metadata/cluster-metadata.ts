/**
 * The broker's in-memory view of the cluster metadata in the store: brokers, the
 * controller, topics with their partitions' replicas and state, and topic config overrides.
 * It is kept current by a watch on the whole key space, and tells its listeners which
 * topics changed so the replica manager can reconcile its local partitions. Changes that
 * are not a topic's are named '*brokers' (a registration came or went, or a broker began a
 * controlled shutdown) and '*controller'.
 */
import { SamsaError } from '@samsa/protocol';
import type { MetadataStore, WatchEvent } from './store.js';
import { Keys, type BrokerRegistration, type ControllerRecord, type PartitionState, type TopicRecord } from './keys.js';

export interface PartitionInfo {
  readonly topic: string;
  readonly index: number;
  readonly replicas: readonly number[];
  /** Null until the controller has written the partition's first state. */
  readonly state: PartitionState | null;
  /** modRevision of the state key, for compare-and-swap writes. */
  readonly stateRevision: number;
}

export interface TopicInfo {
  readonly name: string;
  readonly topicId: string;
  readonly partitions: readonly PartitionInfo[];
  readonly configs: ReadonlyMap<string, string>;
  readonly internal: boolean;
}

type Listener = (changedTopics: ReadonlySet<string>) => void;

const RELOAD_BACKOFF_MS = 1_000;

export class ClusterMetadata {
  readonly brokers = new Map<number, BrokerRegistration>();
  /** Brokers in controlled shutdown: alive, but no longer candidates for leadership or the ISR. */
  readonly shuttingDown = new Set<number>();
  controller: ControllerRecord | null = null;
  private readonly topicRecords = new Map<string, TopicRecord>();
  private readonly states = new Map<string, Map<number, { state: PartitionState; revision: number }>>();
  private readonly configs = new Map<string, Map<string, string>>();
  private readonly listeners = new Set<Listener>();
  private unwatch: (() => void) | null = null;
  private stopped = false;
  /** The store revision this view reflects. */
  private appliedRevision = 0;
  private readonly revisionWaiters = new Set<{ revision: number; done: () => void; fail: (e: Error) => void }>();
  clusterId = '';

  constructor(private readonly store: MetadataStore) {}

  /** Loads everything, then follows changes. */
  async start(): Promise<void> {
    await this.load();
  }

  stop(): void {
    this.stopped = true;
    this.unwatch?.();
    this.unwatch = null;
    for (const w of this.revisionWaiters) w.fail(new SamsaError('CLOSED', 'cluster metadata stopped'));
    this.revisionWaiters.clear();
  }

  /**
   * Resolves once this view has applied every change up to `revision` (the revision of a
   * write this broker made), so a broker reads its own writes even though the view follows
   * the store through an asynchronous watch (etcd's).
   */
  awaitRevision(revision: number, timeoutMs: number): Promise<void> {
    if (this.appliedRevision >= revision) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.revisionWaiters.delete(waiter);
        reject(new SamsaError('TIMEOUT', `the metadata watch did not reach revision ${revision} within ${timeoutMs} ms (at ${this.appliedRevision})`));
      }, timeoutMs);
      const waiter = {
        revision,
        done: () => {
          clearTimeout(timer);
          resolve();
        },
        fail: (e: Error) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.revisionWaiters.add(waiter);
    });
  }

  /**
   * Reads the whole key space and watches from the revision just after the read, so no
   * change falls between the two. Also the recovery when a watch fails for good: the view
   * is rebuilt from scratch and every topic is reported changed.
   */
  private async load(): Promise<void> {
    const { kvs, revision } = await this.store.listWithRevision('/');
    const changed = new Set<string>([...this.topicRecords.keys(), ...(this.brokers.size ? ['*brokers'] : [])]);
    this.brokers.clear();
    this.shuttingDown.clear();
    this.controller = null;
    this.topicRecords.clear();
    this.states.clear();
    this.configs.clear();
    for (const kv of kvs) this.applyOne({ type: 'put', key: kv.key, value: kv.value, modRevision: kv.modRevision }, changed);
    this.unwatch?.();
    this.unwatch = this.store.watch('/', (e) => this.apply([e]), { startRevision: revision + 1, onError: () => this.reload() });
    this.advanceTo(revision);
    if (changed.size) for (const l of [...this.listeners]) l(changed);
  }

  private reload(): void {
    if (this.stopped) return;
    this.load().catch(() => {
      // The store is unreachable: try again; a lost store also ends this broker's lease.
      setTimeout(() => this.reload(), RELOAD_BACKOFF_MS).unref();
    });
  }

  private advanceTo(revision: number): void {
    if (revision <= this.appliedRevision) return;
    this.appliedRevision = revision;
    for (const w of [...this.revisionWaiters]) {
      if (w.revision <= revision) {
        this.revisionWaiters.delete(w);
        w.done();
      }
    }
  }

  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  topic(name: string): TopicInfo | null {
    const rec = this.topicRecords.get(name);
    if (!rec) return null;
    const states = this.states.get(name);
    return {
      name,
      topicId: rec.topicId,
      internal: rec.internal ?? false,
      configs: this.configs.get(name) ?? new Map(),
      partitions: rec.replicas.map((replicas, index) => {
        const s = states?.get(index);
        return { topic: name, index, replicas, state: s?.state ?? null, stateRevision: s?.revision ?? 0 };
      }),
    };
  }

  topicNames(): string[] {
    return [...this.topicRecords.keys()].sort();
  }

  topicById(topicId: string): TopicInfo | null {
    for (const [name, rec] of this.topicRecords) if (rec.topicId === topicId) return this.topic(name);
    return null;
  }

  partition(topic: string, index: number): PartitionInfo | null {
    return this.topic(topic)?.partitions[index] ?? null;
  }

  private apply(events: WatchEvent[]): void {
    const changed = new Set<string>();
    for (const e of events) this.applyOne(e, changed);
    if (changed.size) for (const l of [...this.listeners]) l(changed);
    // After the listeners, so a writer awaiting its revision sees its change fully applied.
    for (const e of events) this.advanceTo(e.modRevision);
  }

  private applyOne(e: WatchEvent, changed: Set<string>): void {
    const key = Keys.parse(e.key);
    if (!key) return;
    const value = e.type === 'put' && e.value !== null ? (JSON.parse(e.value) as unknown) : null;
    switch (key.kind) {
      case 'clusterId':
        if (typeof value === 'string') this.clusterId = value;
        break;
      case 'broker':
        if (value) this.brokers.set(key.id, value as BrokerRegistration);
        else this.brokers.delete(key.id);
        changed.add('*brokers');
        break;
      case 'shuttingDown':
        if (value) this.shuttingDown.add(key.id);
        else this.shuttingDown.delete(key.id);
        changed.add('*brokers');
        break;
      case 'controller':
        this.controller = value as ControllerRecord | null;
        changed.add('*controller');
        break;
      case 'topic':
        if (value) this.topicRecords.set(key.topic, value as TopicRecord);
        else {
          this.topicRecords.delete(key.topic);
          this.states.delete(key.topic);
          this.configs.delete(key.topic);
        }
        changed.add(key.topic);
        break;
      case 'partition': {
        let m = this.states.get(key.topic);
        if (!m) this.states.set(key.topic, (m = new Map()));
        if (value) m.set(key.partition, { state: value as PartitionState, revision: e.modRevision });
        else m.delete(key.partition);
        changed.add(key.topic);
        break;
      }
      case 'topicConfig':
        if (value) this.configs.set(key.topic, new Map(Object.entries(value as Record<string, string>)));
        else this.configs.delete(key.topic);
        changed.add(key.topic);
        break;
    }
  }
}
