/**
 * The producer: `send()` places a record in its partition's open batch (waiting, up to
 * max.block.ms, for the topic's metadata or for buffer memory), and the sender delivers
 * batches in the background. Records of one partition are delivered in the order sent.
 *
 *   const producer = new Producer({ 'bootstrap.servers': '127.0.0.1:9092', 'linger.ms': 5 });
 *   const { partition, offset } = await producer.send({ topic: 'events', key: 'k', value: 'v' });
 *   producer.send({ topic: 'events', value: buf }, (err, md) => { ... }); // no promise per record
 *   await producer.flush();
 *   await producer.close();
 */
import { RECORD_BATCH_OVERHEAD } from '@samsa/protocol';
import { BrokerPool } from '../connection/broker-pool.js';
import { closedError, SamsaClientError } from '../errors.js';
import { MetadataManager } from '../metadata/metadata-manager.js';
import type { TopicMetadata } from '../metadata/metadata-cache.js';
import { AppendResult, RecordAccumulator } from './accumulator.js';
import { BufferPool } from './buffer-pool.js';
import { ProducerIdentity } from './idempotence.js';
import { BuiltInPartitioner } from './partitioner.js';
import type { AppendInput, DeliveryCallback, ProducerBatch, RecordMetadata } from './producer-batch.js';
import { parseProducerConfig, type ProducerConfig, type ProducerSettings } from './producer-config.js';
import { byteLength, headerPairs, headersSize, recordSizeUpperBound, type Bytes, type HeadersInput } from './record-encoding.js';
import { Sender } from './sender.js';

export interface ProducerRecord {
  topic: string;
  value: Bytes | null;
  key?: Bytes | null;
  /** An explicit partition; otherwise murmur2(key), or the sticky partition for a null key. */
  partition?: number;
  headers?: HeadersInput;
  /** CreateTime in ms since the epoch; defaults to now. */
  timestamp?: number;
}

export interface ProducerOptions {
  /** Seeded randomness for tests (sticky partition choice, backoff jitter). */
  random?: () => number;
}

/** A send waiting for metadata or memory, in arrival order. */
interface Blocked {
  id: number;
  record: ProducerRecord;
  input: AppendInput;
  deadline: number;
  waitingFor: 'metadata' | 'memory';
}

type Outcome = 'appended' | 'failed' | 'metadata' | 'memory';

function refuse(callback: DeliveryCallback, code: 'INVALID_RECORD' | 'RECORD_TOO_LARGE', message: string): null {
  callback(new SamsaClientError(code, message), null);
  return null;
}

/** Sends that share one clock reading for their timestamps (see sendTimeMs). */
const SENDS_PER_CLOCK_READ = 64;

export class Producer {
  private readonly s: ProducerSettings;
  private readonly pool: BrokerPool;
  private readonly metadata: MetadataManager;
  private readonly buffers: BufferPool;
  private readonly acc: RecordAccumulator;
  private readonly partitioner: BuiltInPartitioner;
  private readonly sender: Sender;
  private readonly blocked: Blocked[] = [];
  private nextBlockedId = 1;
  private blockedTimer: NodeJS.Timeout | null = null;
  private readonly awaitingTopics = new Set<string>();
  private readonly bufferWaiters: Array<() => void> = [];
  private readonly flushWaiters: Array<{ pending: Set<ProducerBatch>; blockedThrough: number; resolve: () => void }> = [];
  private closing = false;
  private closed: Promise<void> | null = null;
  private pumping = false;
  private blockedTimerAt = Infinity;
  private clockMs = -1;
  private clockUses = 0;
  private clockResetQueued = false;
  private readonly scratch: AppendInput = { timestamp: 0, key: null, keyLength: -1, value: null, valueLength: -1, headers: null, headersBytes: 1, callback: null };

  constructor(config: ProducerConfig, options: ProducerOptions = {}) {
    this.s = parseProducerConfig(config);
    const random = options.random ?? Math.random;
    const s = this.s;
    this.pool = new BrokerPool(s.bootstrap, {
      clientId: s.clientId,
      requestTimeoutMs: s.requestTimeoutMs,
      connectTimeoutMs: s.connectTimeoutMs,
      maxInFlightRequests: s.maxInFlightRequestsPerConnection,
      reconnectBackoff: { initialMs: s.reconnectBackoffMs, maxMs: s.reconnectBackoffMaxMs },
      random,
    });
    this.metadata = new MetadataManager(this.pool, {
      metadataMaxAgeMs: s.metadataMaxAgeMs,
      retryBackoff: { initialMs: s.retryBackoffMs, maxMs: s.retryBackoffMaxMs },
      allowAutoTopicCreation: true,
      random,
    });
    this.buffers = new BufferPool(s.bufferMemory, s.batchSize, () => {
      if (this.blocked.length > 0) this.pump();
      else if (this.bufferWaiters.length > 0) this.settleWaiters();
    });
    this.acc = new RecordAccumulator(this.buffers, s.batchSize, s.compression);
    this.partitioner = new BuiltInPartitioner(s.batchSize, random);
    const identity = s.idempotence ? new ProducerIdentity() : null;
    this.sender = new Sender(s, this.acc, this.metadata, this.pool, identity, {
      memoryWaiting: () => this.blocked.length > 0 && this.blocked[0]!.waitingFor === 'memory',
      onBatchDone: (b) => this.onBatchDone(b),
    }, random);
    this.pool.onChange(() => this.sender.wake());
    this.metadata.onUpdate(() => {
      this.sender.wake();
      if (this.blocked.length > 0) this.pump();
    });
  }

  /** The settings in effect, after defaults and Kafka's adjustments (idempotence, delivery.timeout.ms). */
  get settings(): Readonly<ProducerSettings> {
    return this.s;
  }

  send(record: ProducerRecord): Promise<RecordMetadata>;
  send(record: ProducerRecord, callback: DeliveryCallback): void;
  send(record: ProducerRecord, callback?: DeliveryCallback): Promise<RecordMetadata> | void {
    if (callback) return this.enqueue(record, callback);
    return this.sendPromise(record);
  }

  // Apart from send(): a closure there would make V8 allocate its context on every call,
  // the callback form's included.
  private sendPromise(record: ProducerRecord): Promise<RecordMetadata> {
    return new Promise((resolve, reject) => this.enqueue(record, (err, md) => (err ? reject(err) : resolve(md!))));
  }

  private enqueue(record: ProducerRecord, callback: DeliveryCallback): void {
    if (this.closing) return callback(closedError(`send to ${record.topic}`), null);
    const input = this.prepare(record, callback, this.scratch);
    if (input === null) return;
    if (this.blocked.length === 0) {
      const outcome = this.tryAppend(record, input);
      if (outcome === 'appended' || outcome === 'failed') return;
      this.block(record, { ...input }, outcome);
    } else {
      this.block(record, { ...input }, 'metadata'); // behind earlier waiting sends, to keep their order
    }
    this.pump();
  }

  /**
   * Sizes the record into `into` (the hot path reuses one object: a record that is appended
   * at once needs none of its own) and checks it against max.request.size and buffer.memory,
   * failing it at once.
   */
  private prepare(record: ProducerRecord, callback: DeliveryCallback, into: AppendInput): AppendInput | null {
    if (typeof record.topic !== 'string' || record.topic.length === 0) return refuse(callback, 'INVALID_RECORD', 'a record needs a topic');
    const timestamp = record.timestamp ?? this.sendTimeMs();
    if (!Number.isSafeInteger(timestamp) || timestamp < 0) return refuse(callback, 'INVALID_RECORD', `timestamp ${timestamp} is not a non-negative integer of milliseconds`);
    const headers = record.headers === undefined ? null : headerPairs(record.headers);
    into.timestamp = timestamp;
    into.key = record.key;
    into.keyLength = byteLength(record.key);
    into.value = record.value;
    into.valueLength = byteLength(record.value);
    into.headers = headers;
    into.headersBytes = headersSize(headers);
    into.callback = callback;
    const size = RECORD_BATCH_OVERHEAD + recordSizeUpperBound(into.keyLength, into.valueLength, into.headersBytes);
    if (size > this.s.maxRequestSize) {
      return refuse(callback, 'RECORD_TOO_LARGE', `the record is ${size} bytes when serialized, which is larger than ${this.s.maxRequestSize}, the value of max.request.size`);
    }
    if (size > this.s.bufferMemory) return refuse(callback, 'RECORD_TOO_LARGE', `the record is ${size} bytes when serialized, which is larger than ${this.s.bufferMemory}, the value of buffer.memory`);
    return into;
  }

  /**
   * The CreateTime of a record sent without one. Date.now() costs ~65 ns on our machines (a
   * sixth of a whole send of 100 bytes), so sends in one synchronous run share a reading: it
   * is taken again after SENDS_PER_CLOCK_READ sends, or once the run ends (a microtask).
   * A timestamp is thus at most that many sends (microseconds) older than its send() call.
   */
  private sendTimeMs(): number {
    if (this.clockMs < 0 || this.clockUses >= SENDS_PER_CLOCK_READ) {
      this.clockMs = Date.now();
      this.clockUses = 0;
      if (!this.clockResetQueued) {
        this.clockResetQueued = true;
        queueMicrotask(this.resetClock);
      }
    }
    this.clockUses++;
    return this.clockMs;
  }

  private readonly resetClock = (): void => {
    this.clockMs = -1;
    this.clockResetQueued = false;
  };

  private choosePartition(record: ProducerRecord, t: TopicMetadata): number {
    if (record.partition !== undefined) return record.partition;
    const key = record.key;
    if (key != null && !this.s.partitionerIgnoreKeys) {
      return BuiltInPartitioner.forKey(typeof key === 'string' ? Buffer.from(key, 'utf8') : key, t.partitions.length);
    }
    return this.partitioner.partition(t);
  }

  private tryAppend(record: ProducerRecord, input: AppendInput): Outcome {
    const t = this.metadata.cache.usable(record.topic);
    if (t === undefined) return 'metadata';
    const partition = this.choosePartition(record, t);
    if (!Number.isInteger(partition) || partition < 0 || partition >= t.partitions.length) {
      input.callback!(new SamsaClientError('INVALID_RECORD', `partition ${partition} of ${record.topic} is not in the range [0, ${t.partitions.length - 1}]`), null);
      return 'failed';
    }
    const result = this.acc.append(record.topic, partition, input);
    if (result === AppendResult.NoMemory) return 'memory';
    if (record.partition === undefined && (record.key == null || this.s.partitionerIgnoreKeys)) {
      this.partitioner.onAppend(t, partition, this.acc.lastAppendedBytes, this.acc.lastBatchFull);
    }
    if (result === AppendResult.NewBatch) this.sender.wake();
    return 'appended';
  }

  private block(record: ProducerRecord, input: AppendInput, waitingFor: 'metadata' | 'memory'): void {
    this.blocked.push({ id: this.nextBlockedId++, record, input, deadline: Date.now() + this.s.maxBlockMs, waitingFor });
    if (waitingFor === 'memory') this.sender.wake(); // everything becomes ready, to free memory
    this.armBlockedTimer();
  }

  /** Appends waiting sends in order until one must still wait; fails those past max.block.ms. */
  private pump(): void {
    if (this.pumping) return; // an append can free memory and call back in here
    this.pumping = true;
    try {
      const now = Date.now();
      while (this.blocked.length > 0) {
        const b = this.blocked[0]!;
        const outcome = this.closing ? 'failed' : this.tryAppend(b.record, b.input);
        if (outcome === 'metadata' || outcome === 'memory') {
          b.waitingFor = outcome;
          if (now >= b.deadline) this.failBlocked(b, now);
          else if (outcome === 'metadata') this.awaitTopic(b);
          if (now < b.deadline) break;
        }
        if (outcome === 'failed' && this.closing) b.input.callback!(closedError(`send to ${b.record.topic}`), null);
        this.blocked.shift();
      }
    } finally {
      this.pumping = false;
    }
    this.armBlockedTimer();
    this.settleWaiters();
  }

  private failBlocked(b: Blocked, now: number): void {
    const waited = now - (b.deadline - this.s.maxBlockMs);
    const err =
      b.waitingFor === 'memory'
        ? new SamsaClientError('BUFFER_EXHAUSTED', `failed to allocate memory within the configured max blocking time ${this.s.maxBlockMs} ms (buffer.memory ${this.s.bufferMemory} bytes is full; waited ${waited} ms)`, { retriable: true })
        : new SamsaClientError('METADATA_TIMEOUT', `topic ${b.record.topic} not present in metadata after ${this.s.maxBlockMs} ms`, { retriable: true });
    b.input.callback!(err, null);
  }

  private awaitTopic(b: Blocked): void {
    const topic = b.record.topic;
    if (this.awaitingTopics.has(topic)) return;
    this.awaitingTopics.add(topic);
    this.metadata.waitForTopic(topic, Math.max(1, b.deadline - Date.now())).then(
      () => {
        this.awaitingTopics.delete(topic);
        this.pump();
      },
      (e: unknown) => {
        this.awaitingTopics.delete(topic);
        if (e instanceof SamsaClientError && e.code === 'KAFKA_ERROR') this.failTopic(topic, e);
        this.pump();
      },
    );
  }

  /** A topic metadata refused for good (an invalid name, no authorization): its waiting sends fail. */
  private failTopic(topic: string, err: SamsaClientError): void {
    for (let i = 0; i < this.blocked.length; ) {
      const b = this.blocked[i]!;
      if (b.record.topic !== topic) {
        i++;
        continue;
      }
      this.blocked.splice(i, 1);
      b.input.callback!(err, null);
    }
  }

  /** One timer, for the first waiting send's deadline (later ones have later deadlines). */
  private armBlockedTimer(): void {
    const at = this.blocked.length === 0 ? Infinity : this.blocked[0]!.deadline;
    if (at === this.blockedTimerAt) return;
    if (this.blockedTimer !== null) clearTimeout(this.blockedTimer);
    this.blockedTimer = null;
    this.blockedTimerAt = at;
    if (at === Infinity) return;
    this.blockedTimer = setTimeout(() => {
      this.blockedTimer = null;
      this.blockedTimerAt = Infinity;
      this.pump();
    }, Math.max(0, at - Date.now()));
  }

  /**
   * Backpressure for loops of sends: resolves once no send is waiting (for memory or
   * metadata) and at least half of buffer.memory is free, always after a turn of the event
   * loop, so a loop that awaits it between chunks of sends lets I/O run and rarely makes a
   * send wait. Like a stream's 'drain', with half of buffer.memory as the high-water mark.
   */
  waitForBuffer(): Promise<void> {
    return new Promise((resolve) => {
      if (this.hasRoom() || this.closed) setImmediate(resolve);
      else this.bufferWaiters.push(resolve);
    });
  }

  private hasRoom(): boolean {
    return this.blocked.length === 0 && this.buffers.availableMemory * 2 >= this.s.bufferMemory;
  }

  /** Sends everything buffered now and resolves once each of those records is acknowledged or failed. */
  flush(): Promise<void> {
    const pending = new Set(this.acc.incomplete);
    const blockedThrough = this.nextBlockedId - 1;
    if (pending.size === 0 && this.blocked.length === 0) return Promise.resolve();
    this.sender.flushing++;
    this.sender.wake();
    return new Promise<void>((resolve) => {
      this.flushWaiters.push({ pending, blockedThrough, resolve });
      this.settleWaiters();
    }).finally(() => this.sender.flushing--);
  }

  private onBatchDone(batch: ProducerBatch): void {
    for (const w of this.flushWaiters) w.pending.delete(batch);
    this.settleWaiters();
  }

  private settleWaiters(): void {
    if (this.bufferWaiters.length > 0 && this.hasRoom()) for (const r of this.bufferWaiters.splice(0)) setImmediate(r);
    const firstBlocked = this.blocked.length > 0 ? this.blocked[0]!.id : Infinity;
    for (let i = 0; i < this.flushWaiters.length; ) {
      const w = this.flushWaiters[i]!;
      if (w.blockedThrough >= firstBlocked) {
        i++;
        continue;
      }
      // Sends that were waiting when flush began have joined batches since: wait for those too.
      if (w.blockedThrough > 0) {
        for (const b of this.acc.incomplete) w.pending.add(b);
        w.blockedThrough = 0;
      }
      if (w.pending.size > 0) {
        i++;
        continue;
      }
      this.flushWaiters.splice(i, 1);
      w.resolve();
    }
  }

  /**
   * Delivers what is buffered (within `timeoutMs`, by default max.block.ms +
   * delivery.timeout.ms, the longest a send can take), then fails what is left with CLOSED
   * and releases every socket and timer. Sends after close() fail at once.
   */
  close(timeoutMs = this.s.maxBlockMs + this.s.deliveryTimeoutMs): Promise<void> {
    this.closed ??= this.doClose(timeoutMs);
    return this.closed;
  }

  private async doClose(timeoutMs: number): Promise<void> {
    this.sender.closing = true;
    const flushed = this.flush();
    this.closing = true;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([flushed, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
    this.sender.stop();
    const err = closedError('delivery');
    for (const b of this.blocked.splice(0)) b.input.callback!(err, null);
    if (this.blockedTimer !== null) clearTimeout(this.blockedTimer);
    this.blockedTimer = null;
    this.blockedTimerAt = Infinity;
    this.sender.failQueued(err);
    this.metadata.close();
    await this.pool.close();
    for (const w of this.flushWaiters.splice(0)) w.resolve();
    for (const r of this.bufferWaiters.splice(0)) r();
  }
}
