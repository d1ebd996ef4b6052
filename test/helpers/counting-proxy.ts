/**
 * A TCP proxy in front of a broker that counts the requests passing through it by api key
 * (client -> broker frames: int32 size, int16 api key, ...) and can hold them back. The
 * broker must advertise the proxy's address (advertised.listeners), so that clients reach
 * it through metadata too. 127.0.0.1, ephemeral port; close() ends every socket.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface ProduceFrameSeen {
  atMs: number;
  bytes: number;
}

export class CountingProxy {
  /** Requests seen, by api key. */
  readonly counts = new Map<number, number>();
  readonly produceFrames: ProduceFrameSeen[] = [];
  private readonly sockets = new Set<Socket>();
  targetPort = 0;
  /** The most requests one connection had sent without their responses yet (pipelining depth). */
  maxOutstanding = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(): Promise<CountingProxy> {
    let proxy!: CountingProxy;
    const server = createServer((client) => proxy.accept(client));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    proxy = new CountingProxy(server, (server.address() as { port: number }).port);
    return proxy;
  }

  count(apiKey: number): number {
    return this.counts.get(apiKey) ?? 0;
  }

  private accept(client: Socket): void {
    const upstream = connect({ host: '127.0.0.1', port: this.targetPort });
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on('close', () => {
        this.sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
      s.on('error', () => undefined);
    }
    let pending: Buffer = Buffer.alloc(0);
    let outstanding = 0;
    client.on('data', (chunk: Buffer) => {
      upstream.write(chunk);
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (pending.length >= 6 && pending.length >= 4 + pending.readInt32BE(0)) {
        const size = pending.readInt32BE(0);
        const apiKey = pending.readInt16BE(4);
        this.counts.set(apiKey, (this.counts.get(apiKey) ?? 0) + 1);
        outstanding++; // the clients under test send no acks=0 requests here
        this.maxOutstanding = Math.max(this.maxOutstanding, outstanding);
        if (apiKey === 0) this.produceFrames.push({ atMs: Date.now(), bytes: size });
        pending = pending.subarray(4 + size);
      }
    });
    let answers: Buffer = Buffer.alloc(0);
    upstream.on('data', (chunk: Buffer) => {
      client.write(chunk);
      answers = answers.length === 0 ? chunk : Buffer.concat([answers, chunk]);
      while (answers.length >= 4 && answers.length >= 4 + answers.readInt32BE(0)) {
        answers = answers.subarray(4 + answers.readInt32BE(0));
        outstanding--;
      }
    });
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
