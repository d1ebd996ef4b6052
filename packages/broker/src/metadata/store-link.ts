/**
 * One broker's connection to a shared in-process store, with the faults the in-process
 * cluster injects. A real broker talks to etcd over a network: when it is paused (a long GC
 * pause) or cut off, its requests and keep-alives stop, its session lease expires in the
 * store by TTL, and the changes it missed reach it later, in order (an etcd watch resumes
 * from its last revision). The link reproduces exactly that:
 *
 *   up       calls pass, watch events are delivered, keep-alives are sent
 *   stalled  calls wait, watch events and lease ends are queued, no keep-alives (pause, isolate)
 *   down     calls fail, nothing is delivered (kill: the broker's process is gone)
 *
 * Leases are granted without the store's own keep-alive loop; the link sends them, so a
 * stalled or dead link lets the broker's lease expire exactly as a crashed process's would.
 */
import { SamsaError } from '@samsa/protocol';
import type { EmbeddedLease, EmbeddedMetadataStore } from './embedded-store.js';
import type { Compare, KeyValue, Lease, ListResult, MetadataStore, TxnOp, TxnResult, WatchEvent, WatchOptions } from './store.js';

export type LinkState = 'up' | 'stalled' | 'down';

class LinkedLease implements Lease {
  readonly ended: Promise<void>;
  private end!: () => void;
  private readonly timer: NodeJS.Timeout;

  constructor(
    readonly inner: EmbeddedLease,
    private readonly link: StoreLink,
  ) {
    this.ended = new Promise((resolve) => (this.end = resolve));
    this.timer = setInterval(() => {
      if (this.link.state === 'up') this.inner.keepAlive();
    }, Math.max(1, Math.floor(inner.ttlMs / 3)));
    this.timer.unref();
    // The holder hears of the end only over a working link, like an etcd keep-alive reply.
    void inner.ended.then(() => {
      clearInterval(this.timer);
      this.link.deliver(() => this.end());
    });
  }

  get id(): string {
    return this.inner.id;
  }

  async revoke(): Promise<void> {
    await this.link.call(() => this.inner.revoke());
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

export class StoreLink implements MetadataStore {
  state: LinkState = 'up';
  private readonly waiting = new Set<{ resolve: () => void; reject: (e: Error) => void }>();
  private readonly queued: Array<() => void> = [];
  private readonly unwatches = new Set<() => void>();
  private readonly leases = new Set<LinkedLease>();

  constructor(private readonly store: EmbeddedMetadataStore) {}

  /** Stops traffic both ways without losing it (pause, isolate). */
  stall(): void {
    if (this.state === 'up') this.state = 'stalled';
  }

  /** Lets queued traffic through, in order, then carries on. */
  restore(): void {
    if (this.state !== 'stalled') return;
    this.state = 'up';
    for (const fn of this.queued.splice(0)) fn();
    for (const w of [...this.waiting]) w.resolve();
    this.waiting.clear();
  }

  /** The broker is gone: pending and later calls fail, nothing more is delivered, its lease is left to expire. */
  cut(): void {
    this.state = 'down';
    this.queued.length = 0;
    for (const w of [...this.waiting]) w.reject(new SamsaError('CLOSED', 'the broker was killed'));
    this.waiting.clear();
    for (const u of [...this.unwatches]) u();
    this.unwatches.clear();
    for (const l of this.leases) l.stop();
  }

  /** @internal Runs `fn` once the link is up. */
  async call<T>(fn: () => Promise<T>): Promise<T> {
    await this.ready();
    return fn();
  }

  /** @internal Delivers an event now or, while stalled, when the link is restored. */
  deliver(fn: () => void): void {
    if (this.state === 'up') fn();
    else if (this.state === 'stalled') this.queued.push(fn);
  }

  private ready(): Promise<void> {
    if (this.state === 'up') return Promise.resolve();
    if (this.state === 'down') return Promise.reject(new SamsaError('CLOSED', 'the broker was killed'));
    return new Promise((resolve, reject) => this.waiting.add({ resolve, reject }));
  }

  get(key: string): Promise<KeyValue | null> {
    return this.call(() => this.store.get(key));
  }

  list(prefix: string): Promise<KeyValue[]> {
    return this.call(() => this.store.list(prefix));
  }

  listWithRevision(prefix: string): Promise<ListResult> {
    return this.call(() => this.store.listWithRevision(prefix));
  }

  put(key: string, value: string, lease?: Lease): Promise<number> {
    return this.call(() => this.store.put(key, value, lease ? unwrap(lease) : undefined));
  }

  delete(key: string): Promise<void> {
    return this.call(() => this.store.delete(key));
  }

  txn(compares: readonly Compare[], ops: readonly TxnOp[]): Promise<TxnResult> {
    const mapped = ops.map((op) => (op.type === 'put' && op.lease ? { ...op, lease: unwrap(op.lease) } : op));
    return this.call(() => this.store.txn(compares, mapped));
  }

  grantLease(ttlMs: number): Promise<Lease> {
    return this.call(async () => {
      const lease = new LinkedLease(this.store.grantLeaseWithoutKeepAlive(ttlMs), this);
      this.leases.add(lease);
      void lease.ended.then(() => this.leases.delete(lease));
      return lease;
    });
  }

  revokeLease(id: string): Promise<void> {
    return this.call(() => this.store.revokeLease(id));
  }

  watch(prefix: string, onEvent: (e: WatchEvent) => void, options?: WatchOptions): () => void {
    const onError = options?.onError;
    const linked: WatchOptions | undefined = options && { ...options, ...(onError ? { onError: (e: Error) => this.deliver(() => onError(e)) } : {}) };
    const unwatch = this.store.watch(prefix, (e) => this.deliver(() => onEvent(e)), linked);
    this.unwatches.add(unwatch);
    return () => {
      unwatch();
      this.unwatches.delete(unwatch);
    };
  }

  /** Closes this broker's connection; the shared store stays open. */
  async close(): Promise<void> {
    for (const u of [...this.unwatches]) u();
    this.unwatches.clear();
    for (const l of this.leases) l.stop();
  }
}

function unwrap(lease: Lease): Lease {
  return lease instanceof LinkedLease ? lease.inner : lease;
}
