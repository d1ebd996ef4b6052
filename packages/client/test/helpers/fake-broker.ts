/**
 * A scripted broker for connection tests: decodes each request header and lets the test
 * answer (with a body), stay silent, or close. Listens on 127.0.0.1, an ephemeral port;
 * close() ends every socket.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { apis, ApiKey, Reader, readRequestHeader, Writer, writeResponseHeader } from '@samsa/protocol';

export interface SeenRequest {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  body: Reader;
  socket: Socket;
}

/** What to do with a request: a response body object, raw bytes for the body, 'silent' or 'close'. */
export type Answer = { body: unknown } | { raw: Buffer } | 'silent' | 'close';

export const BROKER_VERSIONS = [...apis.values()].map((a) => ({ apiKey: a.apiKey, minVersion: a.minVersion, maxVersion: a.maxVersion }));

export function respond(req: SeenRequest, answer: Answer): void {
  if (answer === 'silent') return;
  if (answer === 'close') {
    req.socket.destroy();
    return;
  }
  const w = new Writer();
  w.int32(0);
  writeResponseHeader(w, req.apiKey, req.apiVersion, req.correlationId);
  if ('raw' in answer) w.raw(answer.raw);
  else apis.get(req.apiKey)!.encodeResponse(w, req.apiVersion, answer.body as never);
  const frame = w.finish();
  frame.writeInt32BE(frame.length - 4, 0);
  req.socket.write(frame);
}

export function apiVersionsBody(apiKeys = BROKER_VERSIONS): { body: unknown } {
  return { body: { errorCode: 0, apiKeys, throttleTimeMs: 0 } };
}

export class FakeBroker {
  readonly seen: SeenRequest[] = [];
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(handler: (req: SeenRequest) => Answer | void): Promise<FakeBroker> {
    let broker!: FakeBroker;
    const server = createServer((socket) => {
      broker.sockets.add(socket);
      socket.on('close', () => broker.sockets.delete(socket));
      socket.on('error', () => undefined);
      let pending = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        pending = Buffer.concat([pending, chunk]);
        while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
          const frame = pending.subarray(4, 4 + pending.readInt32BE(0));
          pending = pending.subarray(4 + frame.length);
          const r = new Reader(frame);
          const h = readRequestHeader(r);
          const req: SeenRequest = { apiKey: h.requestApiKey, apiVersion: h.requestApiVersion, correlationId: h.correlationId, body: r, socket };
          broker.seen.push(req);
          const answer = handler(req) ?? (req.apiKey === ApiKey.ApiVersions ? apiVersionsBody() : 'silent');
          respond(req, answer);
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    broker = new FakeBroker(server, (server.address() as { port: number }).port);
    return broker;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
