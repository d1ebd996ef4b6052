/**
 * Fetching (Kafka's Fetcher), without fetch sessions: every request is a full one (session
 * id 0, epoch -1, KIP-227's session-less form), so a broker that declines sessions, as
 * Samsa's does, and one that offers them are treated alike.
 *
 * One Fetch in flight per leader broker, each asking for every fetchable partition that
 * leader holds. Backpressure as in Java's Fetcher: a partition whose fetched data has not all
 * been handed out is not fetched again, so what is buffered is bounded by one response per
 * partition (max.partition.fetch.bytes each, fetch.max.bytes per response) however slowly
 * the application consumes. Data is fetched ahead: as soon as a partition's data is used up
 * and its leader's connection is free, the next fetch for it goes out.
 */
import { ApiKey, ErrorCode, Fetch } from '@samsa/protocol';
import type { BrokerPool } from '../connection/broker-pool.js';
import type { BrokerConnection } from '../connection/connection.js';
import { KafkaProtocolError, SamsaClientError } from '../errors.js';
import type { MetadataManager } from '../metadata/metadata-manager.js';
import { CompletedFetch } from './completed-fetch.js';
import type { ConsumerSettings } from './consumer-config.js';
import type { PartitionState, SubscriptionState } from './subscription-state.js';
import { offsetNumber, tpString, type ConsumerRecord } from './types.js';

/**
 * Fetch v13+ names topics by id. We stay at v12, the last version naming them, so a fetch
 * needs no topic-id lookup; every broker from Kafka 2.7 on speaks it.
 */
export const FETCH_MAX_VERSION = 12;

/** Errors after which the leader we fetched from may be wrong: metadata is refreshed and the fetch retried. */
const REFRESH_METADATA = new Set<number>([
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.FENCED_LEADER_EPOCH,
  ErrorCode.UNKNOWN_LEADER_EPOCH,
  ErrorCode.LEADER_NOT_AVAILABLE,
  ErrorCode.REPLICA_NOT_AVAILABLE,
  ErrorCode.KAFKA_STORAGE_ERROR,
  ErrorCode.OFFSET_NOT_AVAILABLE,
  ErrorCode.UNKNOWN_TOPIC_ID,
]);

export interface FetcherHooks {
  /** Data, a reset or an error arrived: poll() may have something to do. */
  onChange(): void;
}

interface Sent {
  state: PartitionState;
  fetchOffset: number;
  stateEpoch: number;
}

export class Fetcher {
  private readonly buffered = new Map<string, CompletedFetch>();
  private readonly inFlightNodes = new Set<number>();
  private readonly inFlightPartitions = new Set<string>();
  private readonly nodeRetryAt = new Map<number, number>();
  /**
   * Partitions whose last fetch said the leader may have moved, and when they may be fetched
   * again: on the next metadata update or after retry.backoff.ms. Re-sending at once would
   * ask the same stale leader again and again until the refresh lands.
   */
  private readonly partitionRetryAt = new Map<string, number>();
  /** Errors to raise from the next poll, by partition (Kafka raises them when it reaches the partition). */
  private readonly errors = new Map<string, SamsaClientError>();
  private retryTimer: NodeJS.Timeout | null = null;
  private closed = false;
  /** Counted for tests: Fetch requests sent. */
  fetchesSent = 0;

  constructor(
    private readonly s: ConsumerSettings,
    private readonly subs: SubscriptionState,
    private readonly metadata: MetadataManager,
    private readonly pool: BrokerPool,
    private readonly hooks: FetcherHooks,
  ) {
    // This listener fetches itself: whether the consumer's own metadata listener ran before
    // it (and skipped these partitions) must not matter.
    metadata.onUpdate(() => {
      if (this.partitionRetryAt.size === 0) return;
      this.partitionRetryAt.clear();
      this.sendFetches();
    });
  }

  /** Partitions whose fetched data is not all handed out yet. */
  bufferedPartitions(): string[] {
    return [...this.buffered.keys()];
  }

  /** Sends a Fetch to every leader that has fetchable partitions and no fetch in flight. */
  sendFetches(): void {
    if (this.closed) return;
    const now = Date.now();
    const byNode = new Map<number, PartitionState[]>();
    let retryAt = Infinity;
    for (const st of this.subs.fetchable()) {
      if (this.buffered.has(st.key) || this.inFlightPartitions.has(st.key) || this.errors.has(st.key)) continue;
      const heldUntil = this.partitionRetryAt.get(st.key);
      if (heldUntil !== undefined) {
        if (heldUntil > now) {
          retryAt = Math.min(retryAt, heldUntil);
          continue;
        }
        this.partitionRetryAt.delete(st.key);
      }
      const leader = this.metadata.cache.leaderFor(st.topic, st.partition);
      // Whatever the cache says, a leader the pool cannot connect to by id is unknown: the
      // pool would answer null and never call back, so only a refresh can move us on.
      if (leader < 0 || !this.pool.hasNode(leader)) {
        this.metadata.addTopic(st.topic);
        this.metadata.requestUpdate();
        continue;
      }
      if (this.inFlightNodes.has(leader)) continue;
      const at = this.nodeRetryAt.get(leader) ?? 0;
      if (at > now) {
        retryAt = Math.min(retryAt, at);
        continue;
      }
      let list = byNode.get(leader);
      if (!list) byNode.set(leader, (list = []));
      list.push(st);
    }
    for (const [node, states] of byNode) {
      const conn = this.pool.ready(node); // null: the pool's change event calls us again once it connects
      if (conn !== null) this.send(node, conn, states);
      // A leader we cannot reach may be dead and replaced: ask who leads now (spaced by retry.backoff.ms).
      else if (this.pool.isFailing(node)) this.metadata.requestUpdate();
    }
    if (retryAt !== Infinity) this.armRetry(retryAt - now);
  }

  private armRetry(ms: number): void {
    if (this.retryTimer !== null || this.closed) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.sendFetches();
    }, Math.max(1, ms));
  }

  private send(node: number, conn: BrokerConnection, states: PartitionState[]): void {
    let version: number;
    try {
      version = Math.min(conn.version(ApiKey.Fetch), FETCH_MAX_VERSION);
    } catch (e) {
      for (const st of states) this.errors.set(st.key, e as SamsaClientError);
      this.hooks.onChange();
      return;
    }
    const sent: Sent[] = [];
    const topics = new Map<string, Fetch.FetchPartitionInput[]>();
    for (const st of states) {
      sent.push({ state: st, fetchOffset: st.position!, stateEpoch: st.epoch });
      let parts = topics.get(st.topic);
      if (!parts) topics.set(st.topic, (parts = []));
      const leaderEpoch = this.metadata.cache.topic(st.topic)?.partitions[st.partition]?.leaderEpoch ?? -1;
      parts.push({ partition: st.partition, currentLeaderEpoch: leaderEpoch, fetchOffset: BigInt(st.position!), logStartOffset: -1n, partitionMaxBytes: this.s.maxPartitionFetchBytes });
      this.inFlightPartitions.add(st.key);
    }
    const body: Fetch.FetchRequestInput = {
      replicaId: -1,
      maxWaitMs: this.s.fetchMaxWaitMs,
      minBytes: this.s.fetchMinBytes,
      maxBytes: this.s.fetchMaxBytes,
      isolationLevel: this.s.isolationLevel,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [...topics].map(([topic, partitions]) => ({ topic, partitions })),
      rackId: this.s.clientRack,
    };
    this.inFlightNodes.add(node);
    this.fetchesSent++;
    conn.send(ApiKey.Fetch, version, (w) => Fetch.encodeFetchRequest(w, version, body), true, (err, res) => {
      this.inFlightNodes.delete(node);
      for (const x of sent) this.inFlightPartitions.delete(x.state.key);
      if (this.closed) return;
      if (err) this.onNodeFailure(node);
      else this.onResponse(node, res as Fetch.FetchResponse, sent);
      this.hooks.onChange();
      this.sendFetches();
    });
  }

  private onNodeFailure(node: number): void {
    this.nodeRetryAt.set(node, Date.now() + this.s.retryBackoffMs);
    this.metadata.requestUpdate();
  }

  private onResponse(node: number, res: Fetch.FetchResponse, sent: readonly Sent[]): void {
    if (res.errorCode !== 0) {
      this.onNodeFailure(node);
      return;
    }
    const byKey = new Map<string, Fetch.PartitionData>();
    for (const t of res.responses) for (const p of t.partitions) byKey.set(`${t.topic}\u0000${p.partitionIndex}`, p);
    for (const x of sent) {
      const p = byKey.get(x.state.key);
      const st = this.subs.stateByKey(x.state.key);
      // Unassigned, sought or reset since the fetch went out: its answer no longer applies.
      if (!p || st !== x.state || st.epoch !== x.stateEpoch || st.position !== x.fetchOffset) continue;
      this.onPartition(st, x, p);
    }
  }

  private onPartition(st: PartitionState, x: Sent, p: Fetch.PartitionData): void {
    const code = p.errorCode;
    if (code === ErrorCode.NONE) {
      if (p.highWatermark >= 0n) st.highWatermark = offsetNumber(p.highWatermark);
      if (p.records && p.records.length > 0) {
        const maxBatchBytes = Math.max(this.s.fetchMaxBytes, this.s.maxPartitionFetchBytes) * 64;
        this.buffered.set(st.key, new CompletedFetch(st.topic, st.partition, x.fetchOffset, x.stateEpoch, p.records, p.abortedTransactions, { checkCrcs: this.s.checkCrcs, isolationLevel: this.s.isolationLevel, maxBatchBytes }));
      }
      return;
    }
    if (code === ErrorCode.OFFSET_OUT_OF_RANGE) {
      if (this.s.autoOffsetReset === 'none') {
        this.errors.set(st.key, new SamsaClientError('OFFSET_OUT_OF_RANGE', `fetch position ${x.fetchOffset} is out of range for partition ${tpString(st)} and auto.offset.reset is none`));
      } else {
        this.subs.requestReset(st, this.s.autoOffsetReset);
      }
      return;
    }
    if (REFRESH_METADATA.has(code)) {
      this.partitionRetryAt.set(st.key, Date.now() + this.s.retryBackoffMs);
      this.metadata.requestUpdate();
      return;
    }
    this.errors.set(st.key, new KafkaProtocolError(code, `fetch of ${tpString(st)} at offset ${x.fetchOffset}`));
  }

  /**
   * Hands out up to `max` buffered records, advancing each partition's position. Throws an
   * error stored for a partition (out of range with no reset, a corrupt batch, a broker error)
   * when there are no records to return before it.
   */
  collect(max: number): ConsumerRecord[] {
    const out: ConsumerRecord[] = [];
    for (const [key, err] of this.errors) {
      if (!this.subs.stateByKey(key)) {
        this.errors.delete(key);
        continue;
      }
      this.errors.delete(key);
      throw err;
    }
    for (const [key, cf] of this.buffered) {
      if (out.length >= max) break;
      const st = this.subs.stateByKey(key);
      if (!st || st.epoch !== cf.stateEpoch || st.position !== cf.nextFetchOffset) {
        this.buffered.delete(key);
        continue;
      }
      if (st.paused) continue; // kept: resume() hands it out without fetching it again
      const error = cf.drain(max - out.length, out);
      st.position = cf.nextFetchOffset;
      if (cf.lastEpoch !== null) st.positionEpoch = cf.lastEpoch;
      if (cf.done) this.buffered.delete(key);
      if (error) {
        if (out.length > 0) this.errors.set(key, error);
        else throw error;
        break;
      }
    }
    return out;
  }

  /** Drops buffered data of partitions no longer assigned (or all), and errors with them. */
  clear(keys?: Iterable<string>): void {
    if (keys === undefined) {
      this.buffered.clear();
      this.errors.clear();
      return;
    }
    for (const k of keys) {
      this.buffered.delete(k);
      this.errors.delete(k);
    }
  }

  close(): void {
    this.closed = true;
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.buffered.clear();
  }
}
