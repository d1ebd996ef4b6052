/**
 * The metadata store: the cluster's small, strongly consistent state (brokers, topics,
 * partition states, configs). Two implementations share this interface: `embedded`
 * (in-process, backed by a file) and `etcd`. Semantics follow etcd's: every key has a
 * modRevision that changes on each write; a compare of modRevision 0 means "absent".
 *
 * Revisions are plain numbers: etcd's are int64, but one per write stays far below 2^53
 * for the life of any cluster (a million writes a second for 285 years).
 */
export interface KeyValue {
  readonly key: string;
  readonly value: string;
  /** The store revision of this key's last write; 0 never appears on a present key. */
  readonly modRevision: number;
}

export interface Compare {
  readonly key: string;
  /** Expected modRevision; 0 means the key must not exist. */
  readonly modRevision: number;
}

export type TxnOp =
  | { readonly type: 'put'; readonly key: string; readonly value: string; readonly lease?: Lease }
  | { readonly type: 'delete'; readonly key: string };

export interface TxnResult {
  readonly succeeded: boolean;
  /** The store revision after the transaction, when it succeeded. */
  readonly revision: number;
}

export interface WatchEvent {
  readonly type: 'put' | 'delete';
  readonly key: string;
  readonly value: string | null;
  readonly modRevision: number;
}

export interface ListResult {
  /** Every key under the prefix, in key order. */
  readonly kvs: readonly KeyValue[];
  /** The store revision the list was read at: watch from `revision + 1` to miss nothing after it. */
  readonly revision: number;
}

export interface WatchOptions {
  /**
   * Deliver every change under the prefix with a revision >= this one (from the store's
   * history), then live changes. Without it the watch starts "now", which for etcd means
   * when the watch is established on the server, a moment after `watch` returns.
   */
  readonly startRevision?: number;
  /** The watch ended for good (its start revision is no longer in the store's history): no more events. */
  readonly onError?: (e: Error) => void;
}

/**
 * A session: keys put with it vanish when it ends (revoked, expired, or its holder died).
 */
export interface Lease {
  readonly id: string;
  /** Resolves when the lease has ended for any reason. */
  readonly ended: Promise<void>;
  revoke(): Promise<void>;
}

export interface MetadataStore {
  get(key: string): Promise<KeyValue | null>;
  /** Every key under the prefix, in key order. */
  list(prefix: string): Promise<KeyValue[]>;
  /** `list` with the revision it was read at, for list-then-watch without a gap. */
  listWithRevision(prefix: string): Promise<ListResult>;
  put(key: string, value: string, lease?: Lease): Promise<number>;
  delete(key: string): Promise<void>;
  /** Applies `ops` atomically if every compare holds. */
  txn(compares: readonly Compare[], ops: readonly TxnOp[]): Promise<TxnResult>;
  grantLease(ttlMs: number): Promise<Lease>;
  /**
   * Ends a session by its id, whoever holds it (etcd's LeaseRevoke): the liveness probe ends
   * the session of a broker it has proved dead. An unknown or already ended lease is no error.
   */
  revokeLease(id: string): Promise<void>;
  /** Calls back for every change under the prefix, in revision order; returns the unsubscribe. */
  watch(prefix: string, onEvent: (e: WatchEvent) => void, options?: WatchOptions): () => void;
  /** Ends every watch and releases every connection and timer. Leases are not revoked (they expire). */
  close(): Promise<void>;
}
