/**
 * A connection from this broker to another (a follower to its leader), over our generated
 * codecs. Requests may be pipelined and are answered in order, as Kafka answers them; each
 * has a deadline (replica.socket.timeout.ms), after which the connection is closed, since a
 * late answer could no longer be matched safely. Nothing retries here: the fetcher decides.
 */
import { connect, type Socket } from 'node:net';
import { apis, Reader, readResponseHeader, SamsaError, Writer, writeRequestHeader } from '@samsa/protocol';

interface Pending {
  correlationId: number;
  apiKey: number;
  apiVersion: number;
  resolve: (body: unknown) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class PeerConnection {
  private nextCorrelationId = 1;
  private readonly pending: Pending[] = [];
  private chunks: Buffer[] = [];
  private chunkBytes = 0;
  private closedReason: string | null = null;
  /** Resolves with the reason once the connection is closed, by either side. */
  readonly closed: Promise<string>;
  private resolveClosed!: (reason: string) => void;

  private constructor(
    private readonly socket: Socket,
    private readonly clientId: string,
    private readonly timeoutMs: number,
  ) {
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (e) => this.fail(`socket error: ${e.message}`));
    socket.on('close', () => this.fail('closed by peer'));
  }

  static open(host: string, port: number, clientId: string, timeoutMs: number): Promise<PeerConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new SamsaError('TIMEOUT', `connect to ${host}:${port} timed out`));
      }, timeoutMs);
      socket.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        socket.setNoDelay(true);
        resolve(new PeerConnection(socket, clientId, timeoutMs));
      });
    });
  }

  get isClosed(): boolean {
    return this.closedReason !== null;
  }

  request<Res>(apiKey: number, apiVersion: number, body: unknown): Promise<Res> {
    if (this.closedReason !== null) return Promise.reject(new SamsaError('CLOSED', `connection closed: ${this.closedReason}`));
    const api = apis.get(apiKey)!;
    const w = new Writer(256);
    const correlationId = this.nextCorrelationId++;
    writeRequestHeader(w, { requestApiKey: apiKey, requestApiVersion: apiVersion, correlationId, clientId: this.clientId });
    api.encodeRequest(w, apiVersion, body as never);
    const payload = w.finish();
    const size = Buffer.alloc(4);
    size.writeInt32BE(payload.length);
    return new Promise<Res>((resolve, reject) => {
      const timer = setTimeout(() => this.close(`no response to ${api.name} v${apiVersion} within ${this.timeoutMs} ms`), this.timeoutMs);
      this.pending.push({ correlationId, apiKey, apiVersion, resolve: resolve as (b: unknown) => void, reject, timer });
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
    if (!p) return this.close(`unexpected response of ${frame.length} bytes`);
    clearTimeout(p.timer);
    try {
      const r = new Reader(frame);
      const { correlationId } = readResponseHeader(r, p.apiKey, p.apiVersion);
      if (correlationId !== p.correlationId) throw new SamsaError('CLOSED', `correlation id ${correlationId}, expected ${p.correlationId}`);
      p.resolve(apis.get(p.apiKey)!.decodeResponse(r, p.apiVersion));
    } catch (e) {
      p.reject(e as Error);
      this.close(`bad response: ${(e as Error).message}`);
    }
  }

  private fail(reason: string): void {
    if (this.closedReason === null) {
      this.closedReason = reason;
      this.resolveClosed(reason);
    }
    for (const p of this.pending.splice(0)) {
      clearTimeout(p.timer);
      p.reject(new SamsaError('CLOSED', `connection closed: ${this.closedReason}`));
    }
  }

  close(reason = 'closed'): void {
    this.fail(reason);
    this.socket.destroy();
  }
}
