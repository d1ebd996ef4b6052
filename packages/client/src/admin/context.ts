/**
 * What every admin call shares: the connections, a metadata lookup, and the retry loop.
 *
 * A call has one deadline (its timeoutMs, else default.api.timeout.ms). Within it, a
 * retriable failure of the whole request (a connection lost, a request timeout) retries the
 * request, and a retriable error of one item (NOT_CONTROLLER, NOT_COORDINATOR, a leader
 * that moved) retries that item, after retry.backoff.ms growing to retry.backoff.max.ms. At
 * the deadline a whole-request failure rejects with API_TIMEOUT; an item still failing
 * settles with its last error, so the other items' results are not lost.
 */
import { ApiKey, ErrorCode, type Metadata } from '@samsa/protocol';
import { BrokerPool } from '../connection/broker-pool.js';
import type { BrokerConnection } from '../connection/connection.js';
import { closedError, SamsaClientError } from '../errors.js';
import { backoffMs } from '../util/backoff.js';
import type { AdminSettings } from './admin-config.js';

/** What one round says of one item: settled, or to be tried again (with the reason). */
export type ItemOutcome<R> = { result: R } | { retry: SamsaClientError };

/**
 * Item errors worth another round: the request reached the wrong broker, or one that is not
 * ready yet. UNKNOWN_TOPIC_OR_PARTITION is retriable in Kafka's table but settles at once
 * here: an admin (and the CLI) asking about a missing topic wants to hear so, not wait.
 */
const RETRY_ITEM_ERRORS = new Set<number>([
  ErrorCode.NOT_CONTROLLER,
  ErrorCode.NOT_COORDINATOR,
  ErrorCode.COORDINATOR_NOT_AVAILABLE,
  ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.LEADER_NOT_AVAILABLE,
  ErrorCode.FENCED_LEADER_EPOCH,
  ErrorCode.UNKNOWN_LEADER_EPOCH,
  ErrorCode.REQUEST_TIMED_OUT,
  ErrorCode.THROTTLING_QUOTA_EXCEEDED,
]);

export function retriesItem(errorCode: number): boolean {
  return RETRY_ITEM_ERRORS.has(errorCode);
}

/** Kafka's int64 offsets as JS numbers: exact up to 2^53, and a value past that is an error, not a rounding. */
export function toOffset(v: bigint, what: string): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) throw new SamsaClientError('BAD_RESPONSE', `${what} ${v} is past 2^53`);
  return Number(v);
}

export class AdminContext {
  readonly pool: BrokerPool;
  private isClosed = false;
  private readonly sleepers = new Set<{ timer: NodeJS.Timeout; reject: (e: Error) => void }>();

  constructor(
    readonly s: AdminSettings,
    private readonly random: () => number = Math.random,
  ) {
    this.pool = new BrokerPool(s.bootstrap, {
      clientId: s.clientId,
      requestTimeoutMs: s.requestTimeoutMs,
      connectTimeoutMs: s.connectTimeoutMs,
      // Admin calls are few; Kafka's admin client also pipelines without a small bound.
      maxInFlightRequests: 100,
      reconnectBackoff: { initialMs: s.reconnectBackoffMs, maxMs: s.reconnectBackoffMaxMs },
      random,
    });
  }

  get closed(): boolean {
    return this.isClosed;
  }

  deadline(timeoutMs?: number): number {
    return Date.now() + (timeoutMs ?? this.s.defaultApiTimeoutMs);
  }

  /** request.timeout.ms, cut short so one request never outlives its call's deadline. */
  requestTimeout(deadline: number): number {
    return Math.max(1, Math.min(this.s.requestTimeoutMs, deadline - Date.now()));
  }

  /** Sends a typed request at the negotiated version within the call's deadline. */
  send<Res>(conn: BrokerConnection, apiKey: number, body: unknown, deadline: number): Promise<Res> {
    if (this.isClosed) return Promise.reject(closedError('admin request'));
    return conn.request<Res>(apiKey, body, this.requestTimeout(deadline));
  }

  /** Runs `attempt` until it resolves; retriable failures are retried with backoff until the deadline. */
  async retry<T>(what: string, deadline: number, attempt: () => Promise<T>): Promise<T> {
    for (let n = 0; ; n++) {
      if (this.isClosed) throw closedError(what);
      try {
        return await attempt();
      } catch (e) {
        if (!(e instanceof SamsaClientError) || !e.retriable || this.isClosed) throw e;
        await this.backoff(what, deadline, n, e);
      }
    }
  }

  /**
   * Runs `round` over the items still pending until every one has settled. An item a round
   * sends back with `retry` is tried again after a backoff; at the deadline it settles with
   * `giveUp(item, lastError)`. A whole round that fails retriably is tried again as a whole.
   */
  async retryItems<K, R>(what: string, deadline: number, items: readonly K[], round: (pending: K[]) => Promise<Map<K, ItemOutcome<R>>>, giveUp: (item: K, last: SamsaClientError) => R): Promise<Map<K, R>> {
    const done = new Map<K, R>();
    let pending = [...new Set(items)];
    for (let n = 0; pending.length > 0; n++) {
      if (this.isClosed) throw closedError(what);
      const retry = new Map<K, SamsaClientError>();
      try {
        const outcomes = await round(pending);
        for (const k of pending) {
          const o = outcomes.get(k);
          if (!o) retry.set(k, new SamsaClientError('BAD_RESPONSE', `${what}: the response left out ${String(k)}`, { retriable: true }));
          else if ('result' in o) done.set(k, o.result);
          else retry.set(k, o.retry);
        }
      } catch (e) {
        if (!(e instanceof SamsaClientError) || !e.retriable || this.isClosed) throw e;
        await this.backoff(what, deadline, n, e);
        continue;
      }
      pending = [...retry.keys()];
      if (pending.length === 0) break;
      const wait = this.pauseMs(n);
      if (Date.now() + wait >= deadline) {
        for (const [k, e] of retry) done.set(k, giveUp(k, e));
        break;
      }
      await this.sleep(wait);
    }
    return done;
  }

  private pauseMs(attempt: number): number {
    return backoffMs({ initialMs: this.s.retryBackoffMs, maxMs: this.s.retryBackoffMaxMs }, attempt, this.random);
  }

  /** Waits before retry `attempt`, or throws API_TIMEOUT when the deadline would pass first. */
  private async backoff(what: string, deadline: number, attempt: number, last: SamsaClientError): Promise<void> {
    const wait = this.pauseMs(attempt);
    if (Date.now() + wait >= deadline) {
      throw new SamsaClientError('API_TIMEOUT', `${what} did not complete before its deadline; the last error: ${last.message}`, { retriable: true, cause: last });
    }
    await this.sleep(wait);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const s = {
        timer: setTimeout(() => {
          this.sleepers.delete(s);
          resolve();
        }, ms),
        reject,
      };
      this.sleepers.add(s);
    });
  }

  /**
   * Metadata for `topics` (null: every topic; []: brokers only, from v1) from any broker;
   * never creates a topic. The brokers it lists become the pool's nodes.
   */
  async metadata(topics: readonly string[] | null, deadline: number): Promise<Metadata.MetadataResponse> {
    const conn = await this.pool.any();
    const all = topics === null;
    const v = conn.version(ApiKey.Metadata);
    const req = { topics: all ? (v === 0 ? [] : null) : topics.map((name) => ({ name })), allowAutoTopicCreation: false };
    const res = await this.send<Metadata.MetadataResponse>(conn, ApiKey.Metadata, req, deadline);
    this.pool.setNodes(res.brokers);
    return res;
  }

  /** A connection to broker `nodeId`, looking the broker up in metadata when the pool does not know it. */
  async node(nodeId: number, deadline: number): Promise<BrokerConnection> {
    if (!this.pool.hasNode(nodeId)) await this.metadata([], deadline);
    return this.pool.connectTo(nodeId);
  }

  /** The controller named by metadata, for topic admin; any broker when none is named. */
  async controller(deadline: number): Promise<BrokerConnection> {
    const res = await this.metadata([], deadline);
    return res.controllerId >= 0 && this.pool.hasNode(res.controllerId) ? this.pool.connectTo(res.controllerId) : this.pool.any();
  }

  any(): Promise<BrokerConnection> {
    return this.pool.any();
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    for (const s of this.sleepers) {
      clearTimeout(s.timer);
      s.reject(closedError('admin call'));
    }
    this.sleepers.clear();
    await this.pool.close();
  }
}
