/**
 * The metadata store on a real etcd v3 cluster, for brokers in separate processes or hosts.
 * It talks gRPC through the `etcd3` client (Microsoft's, the maintained etcd v3 client for
 * Node; it brings connection pooling over several endpoints, retries and watch reconnection).
 *
 * Every key is stored under a prefix (`etcd://host:2379/prefix` -> `/prefix/topics/a`), so
 * several clusters can share one etcd. Revisions are etcd's own: a key's modRevision is its
 * mod_revision, and comparing modRevision 0 is etcd's test for "absent".
 */
import type { Etcd3, IRequestOp, IWatchResponse, Watcher } from 'etcd3';

/**
 * etcd3 (with gRPC and protobufjs) is loaded only when a broker uses etcd: importing it costs
 * ~100 ms of startup and ~20 MB of memory that an embedded-metadata broker never needs.
 */
type Etcd3Module = typeof import('etcd3');
import { SamsaError } from '@samsa/protocol';
import { EtcdLease } from './etcd-lease.js';
export { parseEtcdUrl } from './store-address.js';
import type { Compare, KeyValue, Lease, ListResult, MetadataStore, TxnOp, TxnResult, WatchEvent, WatchOptions } from './store.js';

export interface EtcdStoreOptions {
  /** host:port of each etcd endpoint. */
  readonly endpoints: readonly string[];
  /** Prepended to every key: '' or '/name' (no trailing slash). */
  readonly prefix: string;
  /** How long `connect` waits for an endpoint to answer. */
  readonly connectTimeoutMs: number;
}

/** A bound on every single request, so a partitioned etcd fails calls instead of hanging them. */
const REQUEST_TIMEOUT_MS = 10_000;
/** How long close() waits for etcd to confirm each watch cancellation. */
const CANCEL_TIMEOUT_MS = 1_000;
/**
 * The largest response we accept: a list of the whole key space is one message, and gRPC's
 * 4 MiB default is about 30,000 partition states.
 */
const MAX_RECEIVE_BYTES = 256 * 1024 * 1024;

/** etcd's revisions are int64 strings; a number holds them exactly up to 2^53 (see store.ts). */
function revisionOf(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new SamsaError('INTERNAL', `etcd revision ${text} is past 2^53`);
  return n;
}

/** The useful part of a gRPC connection error, for a one-line message. */
function connectFailure(e: Error, timeoutMs: number): string {
  const last = /Last error: (?:Error: )?(.+?)(?:\. Resolution note|$)/m.exec(e.message);
  if (last) return last[1]!;
  if (/DEADLINE_EXCEEDED|Deadline exceeded/i.test(e.message)) return `no answer within ${timeoutMs} ms`;
  return e.message.split('\n')[0]!;
}

export class EtcdMetadataStore implements MetadataStore {
  private readonly leases = new Set<EtcdLease>();
  private readonly watchers = new Set<Watcher>();
  private closed = false;

  private constructor(
    private readonly etcd: Etcd3Module,
    private readonly client: Etcd3,
    private readonly prefix: string,
  ) {}

  /** Connects and checks that etcd answers; throws METADATA_UNAVAILABLE naming the endpoints. */
  static async connect(options: EtcdStoreOptions): Promise<EtcdMetadataStore> {
    const etcd = await import('etcd3');
    const client = new etcd.Etcd3({
      hosts: options.endpoints.map((e) => `http://${e}`),
      dialTimeout: options.connectTimeoutMs,
      grpcOptions: { 'grpc.max_receive_message_length': MAX_RECEIVE_BYTES },
      defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + REQUEST_TIMEOUT_MS }),
    });
    try {
      await client.maintenance.status({ deadline: Date.now() + options.connectTimeoutMs });
    } catch (e) {
      client.close();
      throw new SamsaError('METADATA_UNAVAILABLE', `cannot reach etcd at ${options.endpoints.join(',')}: ${connectFailure(e as Error, options.connectTimeoutMs)}`, { cause: e });
    }
    return new EtcdMetadataStore(etcd, client, options.prefix);
  }

  async get(key: string): Promise<KeyValue | null> {
    const res = await this.client.kv.range({ key: this.full(key) });
    const kv = res.kvs[0];
    return kv ? { key, value: kv.value.toString('utf8'), modRevision: revisionOf(kv.mod_revision) } : null;
  }

  async list(prefix: string): Promise<KeyValue[]> {
    return [...(await this.listWithRevision(prefix)).kvs];
  }

  async listWithRevision(prefix: string): Promise<ListResult> {
    const range = this.etcd.Range.prefix(this.full(prefix));
    const res = await this.client.kv.range({ key: range.start, range_end: range.end, sort_order: 'Ascend', sort_target: 'Key' });
    // One range response is one consistent read at header.revision: etcd never splits it
    // unless a limit is given.
    return {
      kvs: res.kvs.map((kv) => ({ key: this.strip(kv.key), value: kv.value.toString('utf8'), modRevision: revisionOf(kv.mod_revision) })),
      revision: revisionOf(res.header.revision),
    };
  }

  async put(key: string, value: string, lease?: Lease): Promise<number> {
    return (await this.txn([], [{ type: 'put', key, value, ...(lease ? { lease } : {}) }])).revision;
  }

  async delete(key: string): Promise<void> {
    await this.txn([], [{ type: 'delete', key }]);
  }

  /**
   * One etcd Txn. A call that fails on the network may still have been applied; the client
   * retries it, and a retried compare then fails: callers treat a failed compare as "re-read
   * and decide", which is right in both cases.
   */
  async txn(compares: readonly Compare[], ops: readonly TxnOp[]): Promise<TxnResult> {
    if (this.closed) throw new SamsaError('CLOSED', 'metadata store is closed');
    const success: IRequestOp[] = ops.map((op) => {
      if (op.type === 'delete') return { request_delete_range: { key: this.full(op.key) } };
      if (op.lease && !(op.lease instanceof EtcdLease && op.lease.alive)) throw new SamsaError('INTERNAL', `lease ${op.lease.id} has ended`);
      return { request_put: { key: this.full(op.key), value: Buffer.from(op.value, 'utf8'), ...(op.lease ? { lease: op.lease.id } : {}) } };
    });
    const res = await this.client.kv.txn({
      compare: compares.map((c) => ({ key: this.full(c.key), target: 'Mod', result: 'Equal', mod_revision: c.modRevision })),
      success,
      failure: [],
    });
    return { succeeded: res.succeeded, revision: revisionOf(res.header.revision) };
  }

  async grantLease(ttlMs: number): Promise<Lease> {
    if (this.closed) throw new SamsaError('CLOSED', 'metadata store is closed');
    const lease = await EtcdLease.grant(this.client, ttlMs);
    this.leases.add(lease);
    void lease.ended.then(() => this.leases.delete(lease));
    return lease;
  }

  async revokeLease(id: string): Promise<void> {
    if (this.closed) throw new SamsaError('CLOSED', 'metadata store is closed');
    try {
      await this.client.leaseClient.leaseRevoke({ ID: id });
    } catch (e) {
      // Already expired or revoked (by its holder, or by another broker's probe): done.
      if (!(e instanceof this.etcd.EtcdLeaseInvalidError)) throw e;
    }
  }

  watch(prefix: string, onEvent: (e: WatchEvent) => void, options: WatchOptions = {}): () => void {
    const range = this.etcd.Range.prefix(this.full(prefix));
    let builder = this.client.watch().inRange(range);
    if (options.startRevision !== undefined) builder = builder.startRevision(String(options.startRevision));
    const watcher = builder.watcher();
    this.watchers.add(watcher);
    let cancelled = false;
    // The revision to resume from after a reconnect: just past the last event delivered.
    // The client resumes from past the last *response's* header revision, which can skip
    // events when a reconnect cuts a catch-up from history short, so we set it ourselves.
    let next: number | null = options.startRevision ?? null;
    watcher.on('connected', (res: IWatchResponse) => {
      next ??= revisionOf(res.header.revision) + 1;
    });
    watcher.on('data', (res: IWatchResponse) => {
      if (res.events.length === 0) {
        next = Math.max(next ?? 0, revisionOf(res.header.revision) + 1);
        return;
      }
      for (const ev of res.events) {
        const modRevision = revisionOf(ev.kv.mod_revision);
        next = modRevision + 1;
        if (cancelled) continue;
        const key = this.strip(ev.kv.key);
        onEvent(ev.type === 'Put' ? { type: 'put', key, value: ev.kv.value.toString('utf8'), modRevision } : { type: 'delete', key, value: null, modRevision });
      }
    });
    watcher.on('disconnected', () => {
      if (next !== null) watcher.request.start_revision = next;
    });
    watcher.on('error', (e: Error) => {
      // etcd cancels a watch whose start revision was compacted away; nothing else ends one.
      this.watchers.delete(watcher);
      const from = next ?? options.startRevision;
      if (!cancelled) options.onError?.(new SamsaError('INTERNAL', `etcd ended the watch on ${prefix || '/'} from revision ${from ?? 'now'} (compacted history?): ${e.message}`, { cause: e }));
    });
    return () => {
      if (cancelled) return;
      cancelled = true;
      this.watchers.delete(watcher);
      void watcher.cancel().catch(() => undefined);
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const lease of [...this.leases]) lease.release();
    const cancels = [...this.watchers].map((w) => w.cancel().catch(() => undefined));
    this.watchers.clear();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(cancels), new Promise((resolve) => (timer = setTimeout(resolve, CANCEL_TIMEOUT_MS)))]);
    clearTimeout(timer);
    this.client.close();
  }

  private full(key: string): Buffer {
    // With a prefix, '' would also match '/prefix-other': every key starts with '/'.
    return Buffer.from(this.prefix + (this.prefix && key === '' ? '/' : key), 'utf8');
  }

  private strip(key: Buffer): string {
    return key.toString('utf8').slice(this.prefix.length);
  }
}
