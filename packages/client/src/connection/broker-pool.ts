/**
 * One connection per broker, opened on demand. Brokers are known by address: the bootstrap
 * servers first, then the node ids metadata reports (a bootstrap address that is also a
 * node shares its connection). A failed or closed connection is not retried before
 * reconnect.backoff.ms, growing to reconnect.backoff.max.ms with jitter while failures
 * repeat; a successful handshake resets the count.
 */
import { backoffMs, type Backoff } from '../util/backoff.js';
import { closedError, connectionError, SamsaClientError } from '../errors.js';
import { BrokerConnection, type ConnectionOptions } from './connection.js';

export interface BrokerAddress {
  host: string;
  port: number;
}

export interface PoolOptions extends Omit<ConnectionOptions, 'host' | 'port'> {
  reconnectBackoff: Backoff;
  random?: () => number;
}

interface AddressState {
  readonly host: string;
  readonly port: number;
  conn: BrokerConnection | null;
  connecting: Promise<BrokerConnection> | null;
  failures: number;
  nextAttemptMs: number;
  backoffTimer: NodeJS.Timeout | null;
}

/** Parses bootstrap.servers: "host:port,host:port" or a list; IPv6 hosts in brackets. */
export function parseBootstrap(servers: string | readonly string[]): BrokerAddress[] {
  const list = (typeof servers === 'string' ? servers.split(',') : [...servers]).map((s) => s.trim()).filter(Boolean);
  if (list.length === 0) throw new SamsaClientError('CONFIG_INVALID', 'bootstrap.servers is empty');
  return list.map((s) => {
    const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(s);
    if (!m || Number(m[2]) > 65535) throw new SamsaClientError('CONFIG_INVALID', `bootstrap.servers entry ${JSON.stringify(s)} is not host:port`);
    return { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) };
  });
}

export class BrokerPool {
  private readonly states = new Map<string, AddressState>();
  private readonly nodes = new Map<number, string>();
  private readonly bootstrap: string[];
  private readonly listeners: Array<() => void> = [];
  private isClosed = false;

  constructor(
    bootstrap: readonly BrokerAddress[],
    private readonly opts: PoolOptions,
  ) {
    this.bootstrap = bootstrap.map((b) => this.stateFor(b.host, b.port));
  }

  /** Called whenever a connection opens, closes or leaves its backoff. */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  get closed(): boolean {
    return this.isClosed;
  }

  private stateFor(host: string, port: number): string {
    const key = `${host}:${port}`;
    if (!this.states.has(key)) this.states.set(key, { host, port, conn: null, connecting: null, failures: 0, nextAttemptMs: 0, backoffTimer: null });
    return key;
  }

  setNodes(brokers: ReadonlyArray<{ nodeId: number; host: string; port: number }>): void {
    this.nodes.clear();
    for (const b of brokers) this.nodes.set(b.nodeId, this.stateFor(b.host, b.port));
  }

  hasNode(nodeId: number): boolean {
    return this.nodes.has(nodeId);
  }

  /** The open connection to a node, or null; asks for one to be opened when there is none. */
  ready(nodeId: number): BrokerConnection | null {
    const key = this.nodes.get(nodeId);
    if (key === undefined) return null;
    const s = this.states.get(key)!;
    if (s.conn && !s.conn.closed) return s.conn;
    this.open(key).catch(() => undefined); // failure is seen as the node staying unready
    return null;
  }

  /** Whether the last attempts to connect to a node failed (it may be dead: its leaderships may have moved). */
  isFailing(nodeId: number): boolean {
    const key = this.nodes.get(nodeId);
    return key !== undefined && (this.states.get(key)?.failures ?? 0) > 0;
  }

  connectTo(nodeId: number): Promise<BrokerConnection> {
    const key = this.nodes.get(nodeId);
    if (key === undefined) return Promise.reject(connectionError('CONNECTION_FAILED', `broker ${nodeId} is not in the metadata`));
    return this.open(key);
  }

  /**
   * A connection to any broker, for requests any of them can answer (Metadata,
   * InitProducerId): an open one with the fewest requests in flight, else the first address
   * (known nodes, then bootstrap servers) that connects.
   */
  async any(): Promise<BrokerConnection> {
    let best: BrokerConnection | null = null;
    for (const s of this.states.values()) if (s.conn && !s.conn.closed && (!best || s.conn.inFlight < best.inFlight)) best = s.conn;
    if (best) return best;
    const keys = [...new Set([...this.nodes.values(), ...this.bootstrap])];
    let last: unknown = connectionError('CONNECTION_FAILED', 'no broker address to connect to');
    for (const key of keys) {
      try {
        return await this.open(key);
      } catch (e) {
        if (this.isClosed) throw e;
        last = e;
      }
    }
    throw last;
  }

  private open(key: string): Promise<BrokerConnection> {
    if (this.isClosed) return Promise.reject(closedError(`connect to ${key}`));
    const s = this.states.get(key)!;
    if (s.conn && !s.conn.closed) return Promise.resolve(s.conn);
    if (s.connecting) return s.connecting;
    const wait = s.nextAttemptMs - Date.now();
    if (wait > 0) {
      // A timer can fire a millisecond before Date.now() reaches its deadline: whoever was
      // woken by the backoff's end and finds it not quite over must be woken again, or it
      // waits for a change event that never comes (a producer stalled for good this way).
      if (s.backoffTimer === null) s.backoffTimer = this.notifyAfter(s, wait);
      return Promise.reject(connectionError('CONNECTION_FAILED', `${key} is in reconnect backoff for ${wait} ms`));
    }
    s.connecting = BrokerConnection.open({ ...this.opts, host: s.host, port: s.port }).then(
      (conn) => this.onOpened(s, conn),
      (e: unknown) => {
        s.connecting = null;
        s.failures++;
        this.startBackoff(s);
        throw e;
      },
    );
    return s.connecting;
  }

  private onOpened(s: AddressState, conn: BrokerConnection): BrokerConnection {
    s.connecting = null;
    if (this.isClosed) {
      conn.destroy(closedError('connection'));
      throw closedError(`connect to ${conn.address}`);
    }
    s.conn = conn;
    s.failures = 0;
    conn.onClose(() => {
      if (s.conn === conn) s.conn = null;
      if (!this.isClosed) this.startBackoff(s);
    });
    this.notify();
    return conn;
  }

  private startBackoff(s: AddressState): void {
    const wait = backoffMs(this.opts.reconnectBackoff, Math.max(0, s.failures - 1), this.opts.random);
    s.nextAttemptMs = Date.now() + wait;
    if (s.backoffTimer) clearTimeout(s.backoffTimer);
    s.backoffTimer = this.notifyAfter(s, wait);
    this.notify();
  }

  private notifyAfter(s: AddressState, ms: number): NodeJS.Timeout {
    return setTimeout(() => {
      s.backoffTimer = null;
      this.notify();
    }, ms);
  }

  private notify(): void {
    if (this.isClosed) return;
    for (const l of this.listeners) l();
  }

  /**
   * Closes every connection (in-flight requests fail) and clears every timer; resolves once
   * connections still being opened have settled (each within its setup timeout) and closed.
   */
  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    const opening = [...this.states.values()].map((s) => s.connecting).filter((p) => p !== null);
    const closing: Promise<void>[] = [];
    for (const s of this.states.values()) {
      if (s.backoffTimer) clearTimeout(s.backoffTimer);
      s.backoffTimer = null;
      const conn = s.conn;
      if (conn) {
        closing.push(conn.socketClosed);
        conn.destroy(closedError('request'));
      }
      s.conn = null;
    }
    await Promise.allSettled(opening);
    await Promise.all(closing);
  }
}
