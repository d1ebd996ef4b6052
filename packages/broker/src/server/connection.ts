/**
 * One client connection. Requests are answered strictly in order, one at a time, as Kafka
 * does: a pipelining client gets its responses in the order it sent the requests. The
 * socket stops being read when too many bytes of requests wait (the client sends faster
 * than we serve) and when the client stops reading our responses (socket write buffer full).
 */
import type { Socket } from 'node:net';
import type { Logger } from '../platform/logger.js';
import { FrameDecoder } from './frame-decoder.js';

export interface ConnectionLimits {
  /** socket.request.max.bytes */
  maxRequestBytes: number;
  /** Bytes of received, unanswered requests at which we stop reading the socket. */
  maxQueuedBytes: number;
  /** connections.max.idle.ms */
  idleMs: number;
}

export interface ConnectionInfo {
  readonly id: string;
  readonly remoteAddress: string;
  readonly localPort: number;
}

/** A response to write, and what to run once the socket no longer needs its bytes. */
export interface Reply {
  chunks: Buffer[] | null;
  /** Called once after the chunks are written, or the connection failed; null chunks: at once. */
  written?: () => void;
}

/** Answers one frame: response bytes to write, null chunks for no response (acks=0). Throws to close the connection. */
export type FrameHandler = (frame: Buffer, conn: ConnectionInfo) => Promise<Reply>;

export class Connection {
  readonly info: ConnectionInfo;
  private readonly decoder: FrameDecoder;
  private readonly queue: Buffer[] = [];
  private queuedBytes = 0;
  private busy = false;
  private closed = false;
  private idleTimer: NodeJS.Timeout | null = null;
  private readonly closedPromise: Promise<void>;

  constructor(
    private readonly socket: Socket,
    id: string,
    private readonly handle: FrameHandler,
    private readonly limits: ConnectionLimits,
    private readonly log: Logger,
  ) {
    this.info = { id, remoteAddress: `${socket.remoteAddress}:${socket.remotePort}`, localPort: socket.localPort ?? 0 };
    this.decoder = new FrameDecoder(limits.maxRequestBytes);
    socket.setNoDelay(true);
    this.closedPromise = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (e) => this.close(`socket error: ${e.message}`, 'debug'));
    socket.on('close', () => this.onClosed());
    socket.on('drain', () => this.pump());
    this.touch();
  }

  /** Resolves once the socket has closed. */
  get done(): Promise<void> {
    return this.closedPromise;
  }

  private onData(chunk: Buffer): void {
    this.touch();
    let frames: Buffer[];
    try {
      frames = this.decoder.push(chunk);
    } catch (e) {
      this.close(`bad frame: ${(e as Error).message}`, 'warn');
      return;
    }
    for (const f of frames) {
      this.queue.push(f);
      this.queuedBytes += f.length;
    }
    if (this.queuedBytes + this.decoder.partialBytes > this.limits.maxQueuedBytes) this.socket.pause();
    this.pump();
  }

  private pump(): void {
    if (this.busy || this.closed) return;
    if (this.socket.writableNeedDrain) return; // the client is not reading: wait for 'drain'
    const frame = this.queue.shift();
    if (!frame) {
      if (this.socket.isPaused()) this.socket.resume();
      return;
    }
    this.queuedBytes -= frame.length;
    if (this.queuedBytes <= this.limits.maxQueuedBytes / 2 && this.socket.isPaused()) this.socket.resume();
    this.busy = true;
    this.handle(frame, this.info).then(
      (reply) => {
        this.busy = false;
        if (this.closed || !reply.chunks) {
          reply.written?.();
          if (!this.closed) this.pump();
          return;
        }
        this.write(reply.chunks, reply.written);
        this.pump();
      },
      (e: unknown) => {
        this.busy = false;
        this.close(`closing connection: ${(e as Error).message ?? String(e)}`, 'warn');
      },
    );
  }

  private write(chunks: Buffer[], written?: () => void): void {
    this.touch();
    // cork/uncork sends the chunks of one response (header, records by reference) in one writev.
    // The last write's callback runs once all of them are written, or with an error when the
    // socket is destroyed first: either way the socket holds no reference to them any more.
    this.socket.cork();
    const last = chunks.length - 1;
    for (let i = 0; i < last; i++) this.socket.write(chunks[i]!);
    if (last >= 0) this.socket.write(chunks[last]!, written ? () => written() : undefined);
    else written?.();
    this.socket.uncork();
  }

  private touch(): void {
    if (this.idleTimer) this.idleTimer.refresh();
    else if (this.limits.idleMs > 0) {
      this.idleTimer = setTimeout(() => this.close(`idle for connections.max.idle.ms=${this.limits.idleMs}`, 'debug'), this.limits.idleMs);
      this.idleTimer.unref();
    }
  }

  /** Closes the connection, logging why; other connections are unaffected. */
  close(reason: string, level: 'debug' | 'warn' = 'debug'): void {
    if (this.closed) return;
    this.closed = true;
    this.log[level]({ conn: this.info.id, remote: this.info.remoteAddress }, reason);
    this.socket.destroy();
  }

  /** Stops taking requests, lets the one in progress finish and its response flush, then closes. */
  async drain(timeoutMs: number): Promise<void> {
    this.queue.length = 0;
    this.socket.pause();
    const deadline = Date.now() + timeoutMs;
    while (this.busy && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    this.socket.end();
    const timer = setTimeout(() => this.socket.destroy(), Math.max(0, deadline - Date.now()));
    await this.closedPromise;
    clearTimeout(timer);
  }

  private onClosed(): void {
    this.closed = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.queue.length = 0;
  }
}
