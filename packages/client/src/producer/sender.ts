/**
 * The one sender: finds partitions with a batch ready (full, lingered linger.ms, retrying,
 * or everything when flushing, closing or when sends wait for buffer memory), groups them
 * by leader, and drains one batch per partition into one Produce request per broker, up
 * to max.request.size, while the connection has a free in-flight slot. It runs on a
 * coalesced setImmediate when something changes, and on one timer for the next linger,
 * retry backoff or delivery timeout.
 */
import { ApiKey, ErrorCode, Produce } from '@samsa/protocol';
import type { BrokerConnection } from '../connection/connection.js';
import type { BrokerPool } from '../connection/broker-pool.js';
import type { MetadataManager } from '../metadata/metadata-manager.js';
import { KafkaProtocolError, SamsaClientError } from '../errors.js';
import { backoffMs } from '../util/backoff.js';
import type { PartitionQueue, RecordAccumulator } from './accumulator.js';
import type { ProducerIdentity } from './idempotence.js';
import type { ProducerBatch } from './producer-batch.js';
import type { ProducerSettings } from './producer-config.js';
import { completeBatch, failBatch } from './delivery.js';

/** Errors after which the leader we used may be wrong: metadata is refreshed before the retry. */
const STALE_METADATA = new Set<number>([
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.LEADER_NOT_AVAILABLE,
  ErrorCode.FENCED_LEADER_EPOCH,
  ErrorCode.KAFKA_STORAGE_ERROR,
]);

export interface SenderHooks {
  /** True while a send waits for buffer memory: everything is then ready, to free memory sooner. */
  memoryWaiting(): boolean;
  /** A batch finished (for flush). */
  onBatchDone(batch: ProducerBatch): void;
}

export class Sender {
  flushing = 0;
  closing = false;
  /** Set by a forced close: nothing more is sent or retried. */
  private stopped = false;
  private scheduled = false;
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Infinity;
  private inFlightBatches = 0;
  private readonly drainStart = new Map<number, number>();

  constructor(
    private readonly s: ProducerSettings,
    private readonly acc: RecordAccumulator,
    private readonly metadata: MetadataManager,
    private readonly pool: BrokerPool,
    private readonly identity: ProducerIdentity | null,
    private readonly hooks: SenderHooks,
    private readonly random: () => number = Math.random,
  ) {}

  /** Runs the sender soon, once however many times it is asked before it runs. */
  wake(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => this.run());
  }

  private run(): void {
    this.scheduled = false;
    if (this.stopped) return;
    const now = Date.now();
    let nextWake = this.expire(now);
    if (this.identity?.needsInit) {
      nextWake = Math.min(nextWake, this.initIdentity(now));
    } else {
      nextWake = Math.min(nextWake, this.sendReady(now));
    }
    this.arm(nextWake);
  }

  /**
   * Drains ready batches into requests until no connection can take another: one request
   * takes one batch per partition, so a partition with several ready batches needs
   * several requests (pipelined, up to the in-flight bound). Returns when to look again.
   */
  private sendReady(now: number): number {
    for (;;) {
      const { ready, wake } = this.readyByLeader(now);
      let sent = false;
      for (const [nodeId, queues] of ready) {
        const conn = this.pool.ready(nodeId);
        if (conn === null) {
          // A leader we cannot reach may be dead and replaced: ask who leads now, as Kafka's
          // NetworkClient does on a disconnect (requests are spaced by retry.backoff.ms).
          if (this.pool.isFailing(nodeId)) this.metadata.requestUpdate();
          continue; // the pool's change event wakes us
        }
        if (!conn.canSend()) continue; // a response wakes us
        const batches = this.drain(nodeId, queues);
        if (batches.length === 0) continue;
        this.sendProduce(conn, batches);
        sent = true;
      }
      if (!sent) return wake;
    }
  }

  private arm(at: number): void {
    if (at === this.timerAt && this.timer !== null) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.timerAt = at;
    if (at === Infinity) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.timerAt = Infinity;
      this.run();
    }, Math.max(0, at - Date.now()));
  }

  /** InitProducerId once nothing is in flight (sequences are reset under it); returns when to look again. */
  private initIdentity(now: number): number {
    const id = this.identity!;
    if (id.inProgress || this.inFlightBatches > 0) return Infinity;
    if (now < id.retryAtMs) return id.retryAtMs;
    id.inProgress = true;
    id.init(this.pool, this.s.requestTimeoutMs).then(
      () => {
        id.inProgress = false;
        this.resetSequences();
        this.wake();
      },
      () => {
        id.inProgress = false;
        id.failures++;
        id.retryAtMs = Date.now() + backoffMs({ initialMs: this.s.retryBackoffMs, maxMs: this.s.retryBackoffMaxMs }, id.failures - 1, this.random);
        this.wake();
      },
    );
    return Infinity;
  }

  /** A new epoch: every partition starts at sequence 0 and unsent batches are sequenced again when drained. */
  private resetSequences(): void {
    for (const q of this.acc.queues()) {
      q.nextSequence = 0;
      q.lastAckedSequence = -1;
      for (const b of q.batches) b.baseSequence = -1;
    }
  }

  /** Fails batches past delivery.timeout.ms that are not in a request; returns the next deadline. */
  private expire(now: number): number {
    let next = Infinity;
    for (const q of this.acc.queues()) {
      for (let i = 0; i < q.batches.length; ) {
        const b = q.batches[i]!;
        const deadline = b.createdMs + this.s.deliveryTimeoutMs;
        if (now < deadline) {
          if (deadline < next) next = deadline;
          i++;
          continue;
        }
        q.batches.splice(i, 1);
        const ms = now - b.createdMs;
        this.fail(b, new SamsaClientError('DELIVERY_TIMEOUT', `expiring ${b.recordCount} record(s) for ${b.topic}-${b.partition}: ${ms} ms has passed since batch creation (delivery.timeout.ms ${this.s.deliveryTimeoutMs})`, { retriable: true }));
      }
    }
    return next;
  }

  private readyByLeader(now: number): { ready: Map<number, PartitionQueue[]>; wake: number } {
    const ready = new Map<number, PartitionQueue[]>();
    let wake = Infinity;
    const all = this.flushing > 0 || this.closing || this.hooks.memoryWaiting();
    for (const q of this.acc.queues()) {
      const first = q.batches[0];
      if (first === undefined) continue;
      if (first.retryAtMs > now) {
        wake = Math.min(wake, first.retryAtMs);
        continue;
      }
      // A retry goes out only once the partition has nothing in flight, so it cannot pass
      // a batch sent after it; with one request in flight allowed, Kafka's order guarantee.
      if (q.inFlight > 0 && (first.attempts > 0 || this.s.maxInFlightRequestsPerConnection === 1)) continue;
      const leader = this.metadata.cache.leaderFor(q.topic, q.partition);
      if (leader < 0 || !this.pool.hasNode(leader)) {
        this.metadata.requestUpdate();
        continue;
      }
      const lingerAt = first.createdMs + this.s.lingerMs;
      if (!(all || q.batches.length > 1 || first.isFull() || first.attempts > 0 || now >= lingerAt)) {
        wake = Math.min(wake, lingerAt);
        continue;
      }
      let list = ready.get(leader);
      if (!list) ready.set(leader, (list = []));
      list.push(q);
    }
    return { ready, wake };
  }

  /** One batch per partition, up to max.request.size, starting where the last drain of this node stopped. */
  private drain(nodeId: number, queues: PartitionQueue[]): ProducerBatch[] {
    const out: ProducerBatch[] = [];
    let bytes = 0;
    // Rotating the first partition keeps a request that fills up from always favouring the same ones.
    const start = (this.drainStart.get(nodeId) ?? 0) % queues.length;
    this.drainStart.set(nodeId, start + 1);
    for (let k = 0; k < queues.length; k++) {
      const q = queues[(start + k) % queues.length]!;
      const batch = q.batches[0]!;
      this.acc.seal(batch);
      if (out.length > 0 && bytes + batch.sizeInBytes > this.s.maxRequestSize) break;
      q.batches.shift();
      this.stampForSend(q, batch);
      batch.inFlight = true;
      q.inFlight++;
      this.inFlightBatches++;
      bytes += batch.sizeInBytes;
      out.push(batch);
    }
    return out;
  }

  private stampForSend(q: PartitionQueue, batch: ProducerBatch): void {
    const id = this.identity;
    if (id === null) return; // stamped with -1s when sealed
    if (batch.baseSequence < 0 || batch.producerEpoch !== id.producerEpoch || batch.producerId !== id.producerId) {
      const seq = q.nextSequence;
      batch.stamp(id.producerId, id.producerEpoch, seq);
      const next = seq + batch.recordCount;
      q.nextSequence = next > 0x7fffffff ? next - 0x80000000 : next;
    }
  }

  private sendProduce(conn: BrokerConnection, batches: ProducerBatch[]): void {
    let version: number;
    try {
      version = conn.version(ApiKey.Produce);
    } catch (e) {
      this.onResponse(batches, e as SamsaClientError, null);
      return;
    }
    const topics = new Map<string, Produce.TopicProduceDataInput>();
    for (const b of batches) {
      let t = topics.get(b.topic);
      if (!t) topics.set(b.topic, (t = { name: b.topic, partitionData: [] }));
      t.partitionData.push({ index: b.partition, records: b.bytes });
    }
    const req: Produce.ProduceRequestInput = { transactionalId: null, acks: this.s.acks, timeoutMs: this.s.requestTimeoutMs, topicData: [...topics.values()] };
    conn.send(ApiKey.Produce, version, (w) => Produce.encodeProduceRequest(w, version, req), this.s.acks !== 0, (err, res) => this.onResponse(batches, err, res as Produce.ProduceResponse | null));
  }

  private onResponse(batches: ProducerBatch[], err: SamsaClientError | null, res: Produce.ProduceResponse | null): void {
    const now = Date.now();
    for (const b of batches) {
      b.inFlight = false;
      this.acc.queue(b.topic, b.partition).inFlight--;
      this.inFlightBatches--;
    }
    if (err) {
      if (err.retriable) this.metadata.requestUpdate(); // a broken connection may mean a moved leader
      for (const b of batches) this.onBatchError(b, err, now);
    } else if (res === null) {
      for (const b of batches) this.complete(b, -1, -1n); // acks=0: written is all we learn
    } else {
      const byKey = new Map<string, Produce.PartitionProduceResponse>();
      for (const t of res.responses) for (const p of t.partitionResponses) byKey.set(`${t.name}\u0000${p.index}`, p);
      for (const b of batches) {
        const p = byKey.get(`${b.topic}\u0000${b.partition}`);
        if (p === undefined) this.onBatchError(b, new KafkaProtocolError(ErrorCode.UNKNOWN_SERVER_ERROR, `no response for ${b.topic}-${b.partition}`), now);
        else if (p.errorCode === ErrorCode.NONE || p.errorCode === ErrorCode.DUPLICATE_SEQUENCE_NUMBER) this.complete(b, Number(p.baseOffset), p.logAppendTimeMs);
        else this.onBatchError(b, new KafkaProtocolError(p.errorCode, p.errorMessage), now);
      }
    }
    this.wake();
  }

  private complete(batch: ProducerBatch, baseOffset: number, logAppendTimeMs: bigint): void {
    if (this.identity !== null && batch.baseSequence >= 0) this.acc.queue(batch.topic, batch.partition).lastAckedSequence = batch.lastSequence;
    this.acc.deallocate(batch);
    completeBatch(batch, baseOffset, logAppendTimeMs);
    this.hooks.onBatchDone(batch);
  }

  private fail(batch: ProducerBatch, err: SamsaClientError): void {
    // A batch that may have been written leaves a gap or an unknown in this partition's
    // sequences: later batches would be refused, so the producer takes a new epoch.
    if (this.identity !== null && batch.baseSequence >= 0) this.identity.requestReset();
    this.acc.deallocate(batch);
    failBatch(batch, err);
    this.hooks.onBatchDone(batch);
  }

  private onBatchError(batch: ProducerBatch, err: SamsaClientError, now: number): void {
    if (this.stopped) return this.fail(batch, err);
    let retriable = err.retriable;
    if (err instanceof KafkaProtocolError) {
      if (STALE_METADATA.has(err.errorCode)) this.metadata.requestUpdate();
      if (this.identity !== null && (err.errorCode === ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER || err.errorCode === ErrorCode.UNKNOWN_PRODUCER_ID)) {
        // Refused because an earlier batch of this partition failed and will be sent again
        // first: retry. Refused as the next expected batch: the broker lost our state.
        const q = this.acc.queue(batch.topic, batch.partition);
        const expected = q.lastAckedSequence === 0x7fffffff ? 0 : q.lastAckedSequence + 1;
        retriable = batch.baseSequence !== expected;
      }
    }
    if (retriable && batch.attempts < this.s.retries && now < batch.createdMs + this.s.deliveryTimeoutMs) {
      batch.attempts++;
      batch.retryAtMs = now + backoffMs({ initialMs: this.s.retryBackoffMs, maxMs: this.s.retryBackoffMaxMs }, batch.attempts - 1, this.random);
      this.acc.reenqueue(batch);
      return;
    }
    this.fail(batch, err);
  }

  /** Fails every batch not in a request with `err` (a forced close). */
  failQueued(err: SamsaClientError): void {
    for (const q of this.acc.queues()) for (const b of q.batches.splice(0)) this.fail(b, err);
  }

  /** Stops for good: no more sends, retries or timers. Batches in flight fail when the pool closes. */
  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}
