/**
 * The in-process metadata store: a sorted map with etcd's revision semantics, persisted to
 * one file that is rewritten whole (temp file, fsync, rename) on every durable write.
 * Metadata writes are rare (topic and config changes), so simplicity wins over an append log.
 * Keys bound to a lease are never persisted: they die with the process, as ephemeral keys must.
 * The last HISTORY_MAX_EVENTS changes are kept in memory so a watch can start from a revision.
 */
import { SamsaError } from '@samsa/protocol';
import { readSnapshot, writeSnapshot } from './snapshot-file.js';
import type { Compare, KeyValue, Lease, ListResult, MetadataStore, TxnOp, TxnResult, WatchEvent, WatchOptions } from './store.js';

/** Changes kept for watches that start from a revision: list-then-watch needs only the last few. */
const HISTORY_MAX_EVENTS = 10_000;

interface Entry {
  value: string;
  modRevision: number;
  leaseId: string | null;
}

/**
 * A lease as the store sees it: it ends when revoked or when no keep-alive arrived for its
 * TTL. `grantLease` adds a keep-alive loop, as etcd's client does; `grantLeaseWithoutKeepAlive`
 * leaves the keep-alives to the holder (the in-process cluster's store link, which stops them
 * to let a "crashed" or paused broker's session expire).
 */
export class EmbeddedLease implements Lease {
  readonly ended: Promise<void>;
  private end!: () => void;
  alive = true;
  private expiry: NodeJS.Timeout;
  private keepAliveTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly id: string,
    readonly ttlMs: number,
    private readonly store: EmbeddedMetadataStore,
  ) {
    this.ended = new Promise((resolve) => (this.end = resolve));
    this.expiry = setTimeout(() => void this.expire(), ttlMs);
    this.expiry.unref();
  }

  /** Pushes the expiry one TTL away; false when the lease has already ended. */
  keepAlive(): boolean {
    if (!this.alive) return false;
    this.expiry.refresh();
    return true;
  }

  /** @internal Keep-alives every third of the TTL, as etcd's client sends them. */
  startKeepAlive(): void {
    this.keepAliveTimer = setInterval(() => this.keepAlive(), Math.max(1, Math.floor(this.ttlMs / 3)));
    this.keepAliveTimer.unref();
  }

  async revoke(): Promise<void> {
    if (!this.alive) return;
    this.finish();
    await this.store.dropLease(this.id);
    this.end();
  }

  private async expire(): Promise<void> {
    if (!this.alive) return;
    this.finish();
    await this.store.dropLease(this.id).catch(() => undefined);
    this.end();
  }

  private finish(): void {
    this.alive = false;
    clearTimeout(this.expiry);
    if (this.keepAliveTimer) clearInterval(this.keepAliveTimer);
  }
}

export class EmbeddedMetadataStore implements MetadataStore {
  private readonly entries = new Map<string, Entry>();
  private readonly watchers = new Set<{ prefix: string; onEvent: (e: WatchEvent) => void }>();
  private readonly leases = new Map<string, EmbeddedLease>();
  private revision = 0;
  private readonly history: WatchEvent[] = [];
  /** Every change at or after this revision is in `history`. */
  private historyStartRevision = 1;
  private nextLeaseId = 1;
  private closed = false;
  /** Writes are applied one at a time so the file always holds a prefix of the history. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(private readonly path: string | null) {}

  /** Opens (or creates) the store at `path`; `null` keeps it in memory only. */
  static async open(path: string | null): Promise<EmbeddedMetadataStore> {
    const store = new EmbeddedMetadataStore(path);
    if (path) {
      const snapshot = await readSnapshot(path);
      if (snapshot) {
        store.revision = snapshot.revision;
        store.historyStartRevision = snapshot.revision + 1;
        for (const kv of snapshot.entries) store.entries.set(kv.key, { value: kv.value, modRevision: kv.modRevision, leaseId: null });
      }
    }
    return store;
  }

  async get(key: string): Promise<KeyValue | null> {
    const e = this.entries.get(key);
    return e ? { key, value: e.value, modRevision: e.modRevision } : null;
  }

  async list(prefix: string): Promise<KeyValue[]> {
    const out: KeyValue[] = [];
    for (const [key, e] of this.entries) if (key.startsWith(prefix)) out.push({ key, value: e.value, modRevision: e.modRevision });
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async listWithRevision(prefix: string): Promise<ListResult> {
    // Both read in one synchronous step, so the pair is consistent.
    const revision = this.revision;
    return { kvs: await this.list(prefix), revision };
  }

  async put(key: string, value: string, lease?: Lease): Promise<number> {
    const r = await this.txn([], [{ type: 'put', key, value, ...(lease ? { lease } : {}) }]);
    return r.revision;
  }

  async delete(key: string): Promise<void> {
    await this.txn([], [{ type: 'delete', key }]);
  }

  txn(compares: readonly Compare[], ops: readonly TxnOp[]): Promise<TxnResult> {
    const run = async (): Promise<TxnResult> => {
      if (this.closed) throw new SamsaError('CLOSED', 'metadata store is closed');
      for (const c of compares) {
        if ((this.entries.get(c.key)?.modRevision ?? 0) !== c.modRevision) return { succeeded: false, revision: this.revision };
      }
      for (const op of ops) {
        if (op.type === 'put' && op.lease && !this.leases.get(op.lease.id)?.alive) {
          throw new SamsaError('INTERNAL', `lease ${op.lease.id} has ended`);
        }
      }
      const revision = this.revision + 1;
      const events: WatchEvent[] = [];
      let durable = false;
      for (const op of ops) {
        if (op.type === 'put') {
          const leaseId = op.lease?.id ?? null;
          this.entries.set(op.key, { value: op.value, modRevision: revision, leaseId });
          events.push({ type: 'put', key: op.key, value: op.value, modRevision: revision });
          durable ||= leaseId === null;
        } else if (this.entries.has(op.key)) {
          durable ||= this.entries.get(op.key)!.leaseId === null;
          this.entries.delete(op.key);
          events.push({ type: 'delete', key: op.key, value: null, modRevision: revision });
        }
      }
      // As in etcd, a transaction that changes nothing (deletes of absent keys) makes no revision.
      if (events.length === 0) return { succeeded: true, revision: this.revision };
      this.revision = revision;
      if (durable) await this.persist();
      this.notify(events);
      return { succeeded: true, revision };
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  async grantLease(ttlMs: number): Promise<Lease> {
    const lease = this.grantLeaseWithoutKeepAlive(ttlMs);
    lease.startKeepAlive();
    return lease;
  }

  /** A lease that expires unless its holder calls `keepAlive` within every TTL. */
  grantLeaseWithoutKeepAlive(ttlMs: number): EmbeddedLease {
    if (this.closed) throw new SamsaError('CLOSED', 'metadata store is closed');
    const lease = new EmbeddedLease(String(this.nextLeaseId++), ttlMs, this);
    this.leases.set(lease.id, lease);
    return lease;
  }

  async revokeLease(id: string): Promise<void> {
    await this.leases.get(id)?.revoke();
  }

  /** @internal Deletes every key bound to the lease, as one revision. */
  async dropLease(id: string): Promise<void> {
    this.leases.delete(id);
    const keys = [...this.entries].filter(([, e]) => e.leaseId === id).map(([k]) => k);
    if (keys.length) await this.txn([], keys.map((key) => ({ type: 'delete' as const, key })));
  }

  watch(prefix: string, onEvent: (e: WatchEvent) => void, options: WatchOptions = {}): () => void {
    const w = { prefix, onEvent };
    const { startRevision } = options;
    if (startRevision === undefined) {
      this.watchers.add(w);
      return () => this.watchers.delete(w);
    }
    // Replaying the history and joining the live watchers happen in one synchronous step,
    // so no change falls between them. It runs a microtask later, as etcd's would, so the
    // caller holds its unsubscribe before the first event arrives.
    let cancelled = false;
    queueMicrotask(() => {
      if (cancelled || this.closed) return;
      if (startRevision < this.historyStartRevision) {
        options.onError?.(new SamsaError('INTERNAL', `cannot watch ${prefix} from revision ${startRevision}: history starts at ${this.historyStartRevision}`));
        return;
      }
      for (const e of this.history) if (e.modRevision >= startRevision && e.key.startsWith(prefix)) onEvent(e);
      this.watchers.add(w);
    });
    return () => {
      cancelled = true;
      this.watchers.delete(w);
    };
  }

  async close(): Promise<void> {
    // Sessions end with the store (their timers would otherwise outlive it).
    for (const lease of [...this.leases.values()]) await lease.revoke().catch(() => undefined);
    await this.queue;
    this.closed = true;
    this.watchers.clear();
  }

  private notify(events: WatchEvent[]): void {
    this.history.push(...events);
    if (this.history.length > HISTORY_MAX_EVENTS) {
      // Drop whole revisions, so the history never holds half of one.
      this.historyStartRevision = this.history[this.history.length - HISTORY_MAX_EVENTS]!.modRevision + 1;
      const keepFrom = this.history.findIndex((e) => e.modRevision >= this.historyStartRevision);
      this.history.splice(0, keepFrom < 0 ? this.history.length : keepFrom);
    }
    for (const e of events) {
      for (const w of [...this.watchers]) if (e.key.startsWith(w.prefix)) w.onEvent(e);
    }
  }

  private async persist(): Promise<void> {
    if (!this.path) return;
    const entries: KeyValue[] = [];
    for (const [key, e] of this.entries) if (e.leaseId === null) entries.push({ key, value: e.value, modRevision: e.modRevision });
    await writeSnapshot(this.path, { revision: this.revision, entries });
  }
}
