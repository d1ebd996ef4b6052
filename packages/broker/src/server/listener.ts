/**
 * The TCP listener: accepts connections up to a limit and hands each to a Connection.
 */
import { createServer, type Server } from 'node:net';
import type { Logger } from '../platform/logger.js';
import { Connection, type ConnectionLimits, type FrameHandler } from './connection.js';

export interface ListenerOptions extends ConnectionLimits {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** max.connections */
  maxConnections: number;
}

export class Listener {
  private readonly server: Server;
  private readonly connections = new Set<Connection>();
  private nextId = 1;
  private boundPort = 0;
  private paused = false;
  /** Set by destroyAll: a connection accepted after it must not reach a dead broker's handlers. */
  private killed = false;

  constructor(
    private readonly options: ListenerOptions,
    handle: FrameHandler,
    log: Logger,
  ) {
    this.server = createServer((socket) => {
      if (this.killed) {
        socket.destroy();
        return;
      }
      if (this.connections.size >= options.maxConnections) {
        log.warn({ remote: socket.remoteAddress, limit: options.maxConnections }, 'refusing connection: max.connections reached');
        socket.destroy();
        return;
      }
      const conn = new Connection(socket, `${options.port}-${this.nextId++}`, handle, options, log);
      this.connections.add(conn);
      if (this.paused) conn.pause();
      void conn.done.then(() => this.connections.delete(conn));
    });
  }

  get port(): number {
    return this.boundPort;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  async start(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('listener has no port');
    this.boundPort = address.port;
    return this.boundPort;
  }

  /** Stops accepting, lets in-flight requests finish (up to the timeout), closes every connection. */
  async stop(timeoutMs: number): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    await Promise.all([...this.connections].map((c) => c.drain(timeoutMs)));
    await closed;
  }

  /** Stops serving without closing anything, as a process in a long GC pause (for tests). */
  pause(): void {
    this.paused = true;
    for (const c of this.connections) c.pause();
  }

  resume(): void {
    this.paused = false;
    for (const c of this.connections) c.resume();
  }

  /** Closes every connection at once, as a crash would (for tests). */
  destroyAll(): void {
    this.killed = true;
    for (const c of this.connections) c.close('broker killed');
    this.server.close();
  }
}
