/**
 * A minimal Kafka client over one socket, built on our generated codecs, for tests that
 * need to send exactly the bytes they mean (bad batches, odd versions, pipelining) and to
 * see exactly what the broker answers. Requests may be pipelined: each gets the next
 * correlation id and the responses are matched in order, as Kafka answers them. Every
 * wait has a deadline. Nothing retries.
 */
import { connect, type Socket } from 'node:net';
import {
  ApiKey,
  CreateTopics,
  DeleteRecords,
  Fetch,
  ListOffsets,
  Metadata,
  Produce,
  Reader,
  Writer,
  apis,
  readResponseHeader,
  writeRequestHeader,
} from '@samsa/protocol';

/** The versions the helpers below speak: flexible ones, with topic names (Fetch v12, not v13+). */
export const V = {
  produce: 9,
  fetch: 12,
  listOffsets: 7,
  metadata: 12,
  createTopics: 7,
  deleteRecords: 2,
} as const;

export const LATEST = -1n;
export const EARLIEST = -2n;

const DEFAULT_TIMEOUT_MS = 10_000;

interface Pending {
  correlationId: number;
  apiKey: number;
  apiVersion: number;
  resolve: (body: unknown) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class ConnectionClosedError extends Error {
  constructor(reason: string) {
    super(`connection closed: ${reason}`);
    this.name = 'ConnectionClosedError';
  }
}

export class RawClient {
  private nextCorrelationId = 1;
  private readonly pending: Pending[] = [];
  /** Received bytes not yet framed; joined only once a whole frame is there (big fetches arrive in many chunks). */
  private chunks: Buffer[] = [];
  private chunkBytes = 0;
  private closedReason: string | null = null;
  /** Resolves with the reason once the socket has closed (by either side). */
  readonly closed: Promise<string>;

  private constructor(
    private readonly socket: Socket,
    readonly clientId: string,
    private readonly timeoutMs: number,
  ) {
    let onClosed!: (reason: string) => void;
    this.closed = new Promise((resolve) => (onClosed = resolve));
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (e) => this.fail(`socket error: ${e.message}`));
    socket.on('close', () => {
      this.fail('closed by peer');
      onClosed(this.closedReason!);
    });
  }

  static connect(port: number, opts: { host?: string; clientId?: string; timeoutMs?: number } = {}): Promise<RawClient> {
    const host = opts.host ?? '127.0.0.1';
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect to ${host}:${port} timed out`));
      }, 5_000);
      socket.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        socket.setNoDelay(true);
        resolve(new RawClient(socket, opts.clientId ?? 'samsa-raw-client', opts.timeoutMs ?? DEFAULT_TIMEOUT_MS));
      });
    });
  }

  get isClosed(): boolean {
    return this.closedReason !== null;
  }

  /** Stops reading the socket, so the broker's responses back up in its send buffers. */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  get inFlight(): number {
    return this.pending.length;
  }

  /**
   * Sends one request; resolves with the decoded response body. With `expectResponse:
   * false` (Produce acks=0) nothing is awaited and the promise resolves with null at once.
   */
  request<Res>(apiKey: number, apiVersion: number, body: unknown, opts: { expectResponse?: boolean } = {}): Promise<Res> {
    const api = apis.get(apiKey);
    if (!api) return Promise.reject(new Error(`no codec for api key ${apiKey}`));
    const w = new Writer(256);
    const correlationId = this.nextCorrelationId++;
    writeRequestHeader(w, { requestApiKey: apiKey, requestApiVersion: apiVersion, correlationId, clientId: this.clientId });
    api.encodeRequest(w, apiVersion, body as never);
    return this.sendFrame(w.finish(), { correlationId, apiKey, apiVersion, expectResponse: opts.expectResponse ?? true }) as Promise<Res>;
  }

  /**
   * Sends a request whose header and body the caller wrote (any api key, any version).
   * `expect` says how to match and decode the response; null when none is expected.
   */
  requestRaw(payload: Buffer, expect: { correlationId: number; apiKey: number; apiVersion: number } | null): Promise<unknown> {
    return this.sendFrame(payload, expect ? { ...expect, expectResponse: true } : { correlationId: -1, apiKey: -1, apiVersion: -1, expectResponse: false });
  }

  /** Writes bytes as they are, no framing: for garbage. */
  writeBytes(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** The next correlation id this client will use (for requestRaw callers). */
  takeCorrelationId(): number {
    return this.nextCorrelationId++;
  }

  private sendFrame(payload: Buffer, p: { correlationId: number; apiKey: number; apiVersion: number; expectResponse: boolean }): Promise<unknown> {
    if (this.closedReason !== null) return Promise.reject(new ConnectionClosedError(this.closedReason));
    const size = Buffer.alloc(4);
    size.writeInt32BE(payload.length);
    if (!p.expectResponse) {
      this.socket.write(Buffer.concat([size, payload]));
      return Promise.resolve(null);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.pending.findIndex((x) => x.correlationId === p.correlationId);
        if (i >= 0) this.pending.splice(i, 1);
        reject(new Error(`no response to ${apis.get(p.apiKey)?.name ?? p.apiKey} v${p.apiVersion} (correlation id ${p.correlationId}) within ${this.timeoutMs} ms`));
        this.destroy('request timed out');
      }, this.timeoutMs);
      this.pending.push({ correlationId: p.correlationId, apiKey: p.apiKey, apiVersion: p.apiVersion, resolve, reject, timer });
      this.socket.write(Buffer.concat([size, payload]));
    });
  }

  private onData(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.chunkBytes += chunk.length;
    while (this.chunkBytes >= 4) {
      if (this.chunks[0]!.length < 4) this.chunks = [Buffer.concat(this.chunks)];
      const size = this.chunks[0]!.readInt32BE(0);
      if (this.chunkBytes < 4 + size) break;
      const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
      const rest = all.subarray(4 + size);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.chunkBytes = rest.length;
      this.onFrame(all.subarray(4, 4 + size));
    }
  }

  private onFrame(frame: Buffer): void {
    const p = this.pending.shift();
    if (!p) {
      this.destroy(`unexpected response frame of ${frame.length} bytes with nothing in flight`);
      return;
    }
    clearTimeout(p.timer);
    try {
      const r = new Reader(frame);
      const { correlationId } = readResponseHeader(r, p.apiKey, p.apiVersion);
      if (correlationId !== p.correlationId) throw new Error(`response correlation id ${correlationId}, expected ${p.correlationId}`);
      p.resolve(apis.get(p.apiKey)!.decodeResponse(r, p.apiVersion));
    } catch (e) {
      p.reject(e as Error);
      this.destroy(`bad response: ${(e as Error).message}`);
    }
  }

  private fail(reason: string): void {
    if (this.closedReason === null) this.closedReason = reason;
    for (const p of this.pending.splice(0)) {
      clearTimeout(p.timer);
      p.reject(new ConnectionClosedError(this.closedReason));
    }
  }

  private destroy(reason: string): void {
    this.fail(reason);
    this.socket.destroy();
  }

  /** The reason the connection closed, or `still open after <ms> ms` if it has not within `ms`. */
  async closedWithin(ms: number): Promise<string> {
    let timer: NodeJS.Timeout | undefined;
    const open = new Promise<string>((resolve) => (timer = setTimeout(() => resolve(`still open after ${ms} ms`), ms)));
    try {
      return await Promise.race([this.closed, open]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Closes the socket; requests in flight fail. Resolves once closed. */
  async close(): Promise<void> {
    if (!this.socket.destroyed) this.destroy('closed by client');
    await this.closed;
  }

  // ------------------------------------------------------------------ typed helpers

  produce(req: Produce.ProduceRequestInput, version: number = V.produce): Promise<Produce.ProduceResponse> {
    return this.request(ApiKey.Produce, version, req, { expectResponse: req.acks !== 0 });
  }

  /** Produces one blob of batches to one partition; returns that partition's response. */
  async produceTo(topic: string, partition: number, records: Uint8Array, acks = 1, timeoutMs = 10_000): Promise<Produce.PartitionProduceResponse> {
    const res = await this.produce({ acks, timeoutMs, topicData: [{ name: topic, partitionData: [{ index: partition, records }] }] });
    return partitionOf(res.responses, topic, partition, (t) => t.name, (t) => t.partitionResponses, (p) => p.index);
  }

  fetch(req: Fetch.FetchRequestInput, version: number = V.fetch): Promise<Fetch.FetchResponse> {
    return this.request(ApiKey.Fetch, version, req);
  }

  /** One partition's fetch: no waiting (maxWaitMs 0), up to `maxBytes`. */
  async fetchFrom(topic: string, partition: number, offset: bigint, maxBytes = 1 << 20): Promise<Fetch.PartitionData> {
    const res = await this.fetch({
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes,
      isolationLevel: 0,
      topics: [{ topic, partitions: [{ partition, fetchOffset: offset, partitionMaxBytes: maxBytes }] }],
    });
    if (res.errorCode !== 0) throw new Error(`fetch ${topic}-${partition}@${offset}: top-level error ${res.errorCode}`);
    return partitionOf(res.responses, topic, partition, (t) => t.topic, (t) => t.partitions, (p) => p.partitionIndex);
  }

  listOffsets(req: ListOffsets.ListOffsetsRequestInput, version: number = V.listOffsets): Promise<ListOffsets.ListOffsetsResponse> {
    return this.request(ApiKey.ListOffsets, version, req);
  }

  /** ListOffsets for one partition (LATEST, EARLIEST or a timestamp); throws on an error code. */
  async offsetOf(topic: string, partition: number, timestamp: bigint): Promise<bigint> {
    const res = await this.listOffsets({ replicaId: -1, isolationLevel: 0, topics: [{ name: topic, partitions: [{ partitionIndex: partition, timestamp }] }] });
    const p = partitionOf(res.topics, topic, partition, (t) => t.name, (t) => t.partitions, (x) => x.partitionIndex);
    if (p.errorCode !== 0) throw new Error(`ListOffsets ${topic}-${partition} ts=${timestamp}: error ${p.errorCode}`);
    return p.offset;
  }

  metadata(topics: string[] | null, allowAutoTopicCreation = false, version: number = V.metadata): Promise<Metadata.MetadataResponse> {
    return this.request(ApiKey.Metadata, version, {
      topics: topics === null ? null : topics.map((name) => ({ name })),
      allowAutoTopicCreation,
      includeTopicAuthorizedOperations: false,
    });
  }

  createTopics(topics: { name: string; numPartitions?: number; configs?: Record<string, string> }[], version: number = V.createTopics): Promise<CreateTopics.CreateTopicsResponse> {
    return this.request(ApiKey.CreateTopics, version, {
      timeoutMs: 10_000,
      validateOnly: false,
      topics: topics.map((t) => ({
        name: t.name,
        numPartitions: t.numPartitions ?? 1,
        replicationFactor: 1,
        assignments: [],
        configs: Object.entries(t.configs ?? {}).map(([name, value]) => ({ name, value })),
      })),
    });
  }

  /** Creates one topic and throws unless it succeeded. */
  async createTopic(name: string, numPartitions = 1, configs: Record<string, string> = {}): Promise<void> {
    const res = await this.createTopics([{ name, numPartitions, configs }]);
    const t = res.topics[0];
    if (!t || t.errorCode !== 0) throw new Error(`CreateTopics ${name}: error ${t?.errorCode} ${t?.errorMessage ?? ''}`);
  }

  deleteRecords(req: DeleteRecords.DeleteRecordsRequestInput, version: number = V.deleteRecords): Promise<DeleteRecords.DeleteRecordsResponse> {
    return this.request(ApiKey.DeleteRecords, version, req);
  }
}

function partitionOf<T, P>(topics: T[], topic: string, partition: number, nameOf: (t: T) => string | null, parts: (t: T) => P[], indexOf: (p: P) => number): P {
  const t = topics.find((x) => nameOf(x) === topic);
  const p = t ? parts(t).find((x) => indexOf(x) === partition) : undefined;
  if (!p) throw new Error(`response has no partition ${topic}-${partition}`);
  return p;
}

/** Opens a client and registers its close with the test. */
export async function openClient(t: { after(fn: () => unknown): void }, port: number, clientId?: string): Promise<RawClient> {
  const c = await RawClient.connect(port, clientId === undefined ? {} : { clientId });
  t.after(() => c.close());
  return c;
}
