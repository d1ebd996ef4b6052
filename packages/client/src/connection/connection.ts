/**
 * One TCP connection to one broker: ApiVersions negotiation on open, then pipelined
 * requests matched to responses by correlation id (Kafka answers a connection's requests in
 * the order they were sent). A bound on requests in flight: beyond it requests wait here,
 * unwritten. Each written request has request.timeout.ms; when one passes it the connection
 * is closed, because a later response cannot be read past a missing one, and everything in
 * flight fails with a retriable error. A request still waiting for a slot has the same bound
 * (Kafka's ConsumerNetworkClient fails unsent requests after request.timeout.ms): it fails
 * alone with REQUEST_TIMEOUT and the connection stays, as nothing of it was written.
 */
import { connect, type Socket } from 'node:net';
import { apis, ApiKey, Reader, readResponseHeader, Writer, writeRequestHeader } from '@samsa/protocol';
import { connectionError, SamsaClientError } from '../errors.js';
import { pickVersion, readApiVersions, type BrokerVersions } from './api-versions.js';
import { FrameReader } from './frame-reader.js';

export interface ConnectionOptions {
  host: string;
  port: number;
  clientId: string | null;
  requestTimeoutMs: number;
  /** socket.connection.setup.timeout.ms: TCP connect plus the ApiVersions handshake. */
  connectTimeoutMs: number;
  /** max.in.flight.requests.per.connection */
  maxInFlightRequests: number;
  /** The largest response frame accepted (a corrupt size field must not allocate gigabytes). */
  maxResponseBytes?: number;
}

/** Called once per request: with the decoded body, or null body when no response was expected. */
export type ResponseCallback = (err: SamsaClientError | null, body: unknown) => void;

interface Request {
  apiKey: number;
  version: number;
  correlationId: number;
  chunks: Buffer[];
  expectResponse: boolean;
  timeoutMs: number;
  deadline: number;
  callback: ResponseCallback;
  /** The handshake reads ApiVersions itself (its error layout depends on the outcome). */
  raw: boolean;
}

/** The ApiVersions version tried first; a broker that knows less says so and we step down. */
const API_VERSIONS_FIRST_TRY = 4;
const DEFAULT_MAX_RESPONSE_BYTES = 512 * 1024 * 1024;

export class BrokerConnection {
  readonly address: string;
  versions: BrokerVersions = new Map();
  private readonly frames: FrameReader;
  private readonly inFlightQueue: Request[] = [];
  private readonly waiting: Request[] = [];
  private nextCorrelationId = 1;
  private timer: NodeJS.Timeout | null = null;
  /** When `timer` fires: the earliest deadline of a request in flight or waiting when it was armed. */
  private timerAt = Infinity;
  private closeError: SamsaClientError | null = null;
  private readonly closeListeners: Array<(err: SamsaClientError) => void> = [];
  /** Resolves once the socket has closed (its handle is released), after destroy() or a peer close. */
  readonly socketClosed: Promise<void>;

  private constructor(
    private readonly socket: Socket,
    private readonly opts: ConnectionOptions,
  ) {
    this.address = `${opts.host}:${opts.port}`;
    this.frames = new FrameReader(opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES);
    this.socketClosed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (e) => this.destroy(connectionError('CONNECTION_CLOSED', `connection to ${this.address} failed: ${e.message}`, e)));
    socket.on('close', () => this.destroy(connectionError('CONNECTION_CLOSED', `connection to ${this.address} closed`)));
  }

  /** Connects and negotiates versions within connectTimeoutMs; rejects with CONNECTION_FAILED. */
  static async open(opts: ConnectionOptions): Promise<BrokerConnection> {
    const address = `${opts.host}:${opts.port}`;
    const socket = connect({ host: opts.host, port: opts.port });
    socket.setNoDelay(true);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(connectionError('CONNECTION_FAILED', `no connection to ${address} within ${opts.connectTimeoutMs} ms`)), opts.connectTimeoutMs);
    });
    try {
      await Promise.race([tcpConnected(socket, address), deadline]);
      const conn = new BrokerConnection(socket, opts);
      await Promise.race([conn.negotiate(), deadline]).catch((e: unknown) => {
        conn.destroy(connectionError('CONNECTION_FAILED', `handshake with ${address} failed`, e));
        throw e instanceof SamsaClientError && e.code === 'UNSUPPORTED_VERSION' ? e : connectionError('CONNECTION_FAILED', `ApiVersions handshake with ${address} failed: ${(e as Error).message}`, e);
      });
      return conn;
    } catch (e) {
      socket.destroy();
      throw e instanceof SamsaClientError ? e : connectionError('CONNECTION_FAILED', `connect to ${address} failed: ${(e as Error).message}`, e);
    } finally {
      clearTimeout(timer);
    }
  }

  private async negotiate(): Promise<void> {
    let version = API_VERSIONS_FIRST_TRY;
    for (;;) {
      const body = await new Promise<Reader>((resolve, reject) => {
        this.enqueue(this.makeRequest(ApiKey.ApiVersions, version, (w) => apis.get(ApiKey.ApiVersions)!.encodeRequest(w, version, { clientSoftwareName: 'samsa-client', clientSoftwareVersion: '0.1.0' } as never), true, this.opts.connectTimeoutMs, (err, b) => (err ? reject(err) : resolve(b as Reader)), true));
      });
      const outcome = readApiVersions(body, version);
      if (outcome.kind === 'ok') {
        this.versions = outcome.versions;
        return;
      }
      version = outcome.version;
    }
  }

  get closed(): boolean {
    return this.closeError !== null;
  }

  get inFlight(): number {
    return this.inFlightQueue.length;
  }

  /** True when a request sent now would be written at once rather than wait for a slot. */
  canSend(): boolean {
    return this.closeError === null && this.inFlightQueue.length < this.opts.maxInFlightRequests && this.waiting.length === 0;
  }

  /** The version this connection uses for `apiKey`. */
  version(apiKey: number): number {
    return pickVersion(this.versions, apiKey);
  }

  onClose(listener: (err: SamsaClientError) => void): void {
    this.closeListeners.push(listener);
  }

  /**
   * Sends a request whose body `encode` writes at `version`. The callback runs exactly once:
   * with the decoded response, with null once written when no response is expected (Produce
   * acks=0), or with an error.
   */
  send(apiKey: number, version: number, encode: (w: Writer) => void, expectResponse: boolean, callback: ResponseCallback, timeoutMs = this.opts.requestTimeoutMs): void {
    if (this.closeError) {
      callback(this.closeError, null);
      return;
    }
    let req: Request;
    try {
      req = this.makeRequest(apiKey, version, encode, expectResponse, timeoutMs, callback, false);
    } catch (e) {
      callback(e instanceof SamsaClientError ? e : new SamsaClientError('INVALID_RECORD', `cannot encode ${apis.get(apiKey)?.name} v${version}: ${(e as Error).message}`, { cause: e }), null);
      return;
    }
    this.enqueue(req);
  }

  /** Sends a typed request at the negotiated version and resolves with its response. */
  request<Res>(apiKey: number, body: unknown, timeoutMs = this.opts.requestTimeoutMs): Promise<Res> {
    return new Promise((resolve, reject) => {
      let version: number;
      try {
        version = this.version(apiKey);
      } catch (e) {
        reject(e);
        return;
      }
      this.send(apiKey, version, (w) => apis.get(apiKey)!.encodeRequest(w, version, body as never), true, (err, res) => (err ? reject(err) : resolve(res as Res)), timeoutMs);
    });
  }

  private makeRequest(apiKey: number, version: number, encode: (w: Writer) => void, expectResponse: boolean, timeoutMs: number, callback: ResponseCallback, raw: boolean): Request {
    const correlationId = this.nextCorrelationId;
    this.nextCorrelationId = correlationId === 0x7fffffff ? 1 : correlationId + 1;
    const w = new Writer(512);
    w.int32(0); // frame size, patched below
    writeRequestHeader(w, { requestApiKey: apiKey, requestApiVersion: version, correlationId, clientId: this.opts.clientId });
    encode(w);
    const chunks = w.chunks();
    chunks[0]!.writeInt32BE(w.length - 4, 0);
    return { apiKey, version, correlationId, chunks, expectResponse, timeoutMs, deadline: 0, callback, raw };
  }

  private enqueue(req: Request): void {
    if (this.inFlightQueue.length < this.opts.maxInFlightRequests && this.waiting.length === 0) {
      this.write(req);
      return;
    }
    req.deadline = Date.now() + req.timeoutMs;
    this.waiting.push(req);
    this.armFor(req.deadline);
  }

  private write(req: Request): void {
    const { chunks } = req;
    const done = req.expectResponse ? undefined : (err?: Error | null) => req.callback(err ? connectionError('CONNECTION_CLOSED', `write to ${this.address} failed: ${err.message}`, err) : null, null);
    if (chunks.length > 1) this.socket.cork();
    for (let i = 0; i < chunks.length - 1; i++) this.socket.write(chunks[i]!);
    this.socket.write(chunks[chunks.length - 1]!, done);
    if (chunks.length > 1) this.socket.uncork();
    if (!req.expectResponse) return;
    // The bound starts again once written: time spent waiting for a slot was bounded apart.
    req.deadline = Date.now() + req.timeoutMs;
    this.inFlightQueue.push(req);
    this.armFor(req.deadline);
  }

  /**
   * Makes the timer fire by `deadline`. Requests have their own timeouts (a JoinGroup's is
   * minutes, a Heartbeat's request.timeout.ms), so a request with a shorter one than those
   * before it must move the timer earlier, or it would wait for the longest.
   */
  private armFor(deadline: number): void {
    if (this.timer !== null && this.timerAt <= deadline) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.armTimer();
  }

  private armTimer(): void {
    let first = Infinity;
    for (const r of this.inFlightQueue) if (r.deadline < first) first = r.deadline;
    for (const r of this.waiting) if (r.deadline < first) first = r.deadline;
    this.timerAt = first;
    if (first === Infinity) return;
    this.timer = setTimeout(() => this.onTimer(), Math.max(1, first - Date.now()));
  }

  private onTimer(): void {
    this.timer = null;
    const now = Date.now();
    const late = this.inFlightQueue.find((r) => r.deadline <= now);
    if (late) {
      const name = apis.get(late.apiKey)?.name ?? `api ${late.apiKey}`;
      this.destroy(connectionError('REQUEST_TIMEOUT', `${name} request to ${this.address} got no response within ${late.timeoutMs} ms`));
      return;
    }
    const expired = this.waiting.filter((r) => r.deadline <= now);
    if (expired.length > 0) {
      this.waiting.splice(0, this.waiting.length, ...this.waiting.filter((r) => r.deadline > now));
      for (const r of expired) {
        const name = apis.get(r.apiKey)?.name ?? `api ${r.apiKey}`;
        r.callback(connectionError('REQUEST_TIMEOUT', `${name} request to ${this.address} was not sent within ${r.timeoutMs} ms: ${this.inFlightQueue.length} requests in flight ahead of it`), null);
      }
    }
    if (this.closeError === null && this.timer === null) this.armTimer();
  }

  private onData(chunk: Buffer): void {
    try {
      this.frames.push(chunk, (frame) => this.onFrame(frame));
    } catch (e) {
      this.destroy(connectionError('BAD_RESPONSE', `bad response from ${this.address}: ${(e as Error).message}`, e));
    }
  }

  private onFrame(frame: Buffer): void {
    const req = this.inFlightQueue.shift();
    if (!req) throw new Error(`a response frame of ${frame.length} bytes with nothing in flight`);
    const r = new Reader(frame);
    const { correlationId } = readResponseHeader(r, req.apiKey, req.version);
    if (correlationId !== req.correlationId) throw new Error(`response correlation id ${correlationId}, expected ${req.correlationId}`);
    const body = req.raw ? r : apis.get(req.apiKey)!.decodeResponse(r, req.version);
    if (this.timer !== null && this.inFlightQueue.length === 0 && this.waiting.length === 0) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    while (this.waiting.length > 0 && this.inFlightQueue.length < this.opts.maxInFlightRequests && !this.closeError) this.write(this.waiting.shift()!);
    req.callback(null, body);
  }

  /** Closes the socket; every request in flight or waiting fails with `err` (retriable). */
  destroy(err: SamsaClientError = connectionError('CONNECTION_CLOSED', `connection to ${this.address} closed by the client`)): void {
    if (this.closeError) return;
    this.closeError = err;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.socket.destroy();
    const failed = [...this.inFlightQueue.splice(0), ...this.waiting.splice(0)];
    for (const r of failed) r.callback(r === failed[0] ? err : connectionError('CONNECTION_CLOSED', `connection to ${this.address} closed: ${err.message}`), null);
    for (const l of this.closeListeners.splice(0)) l(err);
  }
}

function tcpConnected(socket: Socket, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('connect', () => {
      socket.removeAllListeners('error');
      resolve();
    });
    socket.once('error', (e) => reject(connectionError('CONNECTION_FAILED', `connect to ${address} failed: ${e.message}`, e)));
  });
}
