/**
 * A bare TCP connection to a broker for tests that send bytes no client library would:
 * garbage frames, oversized lengths, truncated bodies, unknown versions, pipelined bursts.
 * Responses are split into frames (int32 size, then that many bytes); every wait has a
 * deadline. Register `destroy` with t.after / after.
 */
import { connect, type Socket } from 'node:net';
import { Reader, Writer, readResponseHeader, writeRequestHeader } from '@samsa/protocol';

export interface RequestSpec {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId?: string | null;
  /** Writes the request body (usually a generated encodeXRequest). */
  body: (w: Writer) => void;
}

/** One request as it goes on the wire: int32 size, header, body. */
export function requestFrame(spec: RequestSpec): Buffer {
  const w = new Writer();
  writeRequestHeader(w, {
    requestApiKey: spec.apiKey,
    requestApiVersion: spec.apiVersion,
    correlationId: spec.correlationId,
    clientId: spec.clientId === undefined ? 'samsa-raw-test' : spec.clientId,
  });
  spec.body(w);
  const payload = w.finish();
  const size = Buffer.alloc(4);
  size.writeInt32BE(payload.length);
  return Buffer.concat([size, payload]);
}

/** Reads a response frame's header (its version depends on the request) and returns a reader at the body. */
export function readResponse(frame: Buffer, apiKey: number, apiVersion: number): { correlationId: number; body: Reader } {
  const r = new Reader(frame);
  const { correlationId } = readResponseHeader(r, apiKey, apiVersion);
  return { correlationId, body: r };
}

export class RawConnection {
  private pending = Buffer.alloc(0);
  private readonly frames: Buffer[] = [];
  private readonly listeners = new Set<() => void>();
  private isClosed = false;
  /** Socket errors seen (ECONNRESET when the broker drops us with bytes unread, ...). */
  readonly errors: string[] = [];

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.pending = Buffer.concat([this.pending, chunk]);
      while (this.pending.length >= 4) {
        const size = this.pending.readInt32BE(0);
        if (this.pending.length < 4 + size) break;
        this.frames.push(this.pending.subarray(4, 4 + size));
        this.pending = this.pending.subarray(4 + size);
      }
      this.notify();
    });
    socket.on('error', (e) => this.errors.push(e.message));
    socket.on('close', () => {
      this.isClosed = true;
      this.notify();
    });
  }

  static async connect(port: number, timeoutMs = 5_000): Promise<RawConnection> {
    const socket = connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`no connection to 127.0.0.1:${port} within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
    socket.setNoDelay(true);
    return new RawConnection(socket);
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Response frames received and not yet taken. */
  get buffered(): number {
    return this.frames.length;
  }

  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  send(spec: RequestSpec): void {
    this.write(requestFrame(spec));
  }

  private notify(): void {
    for (const l of [...this.listeners]) l();
  }

  private waitUntil(ready: () => boolean, timeoutMs: number, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!ready()) return;
        clearTimeout(timer);
        this.listeners.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.listeners.delete(check);
        reject(new Error(`${what}: not within ${timeoutMs} ms`));
      }, timeoutMs);
      this.listeners.add(check);
      check();
    });
  }

  /** The next response frame (without its size prefix). */
  async nextFrame(timeoutMs = 5_000): Promise<Buffer> {
    await this.waitUntil(() => this.frames.length > 0 || this.isClosed, timeoutMs, 'a response frame');
    const frame = this.frames.shift();
    if (!frame) throw new Error(`the broker closed the connection instead of answering (socket errors: ${this.errors.join(', ') || 'none'})`);
    return frame;
  }

  /** Sends one request and reads its response, checking the correlation id. */
  async request(spec: RequestSpec, timeoutMs = 5_000): Promise<Reader> {
    this.send(spec);
    const { correlationId, body } = readResponse(await this.nextFrame(timeoutMs), spec.apiKey, spec.apiVersion);
    if (correlationId !== spec.correlationId) throw new Error(`response correlation id ${correlationId}, expected ${spec.correlationId}`);
    return body;
  }

  /** Resolves once the broker has closed the connection. */
  async waitClosed(timeoutMs = 5_000): Promise<void> {
    await this.waitUntil(() => this.isClosed, timeoutMs, 'the broker closing the connection');
  }

  /** Half-closes: we send no more (FIN), but still read. */
  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }
}
