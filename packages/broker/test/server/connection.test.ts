/**
 * Request scheduling on one connection: pipelined Produce requests run together (so they
 * can share an fsync), anything else runs alone, and responses always leave in request order.
 */
import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { test } from 'node:test';
import { Connection, type FrameHandler, type Reply } from '../../src/server/connection.js';
import { silentLogger } from '../../src/platform/logger.js';

const PRODUCE = 0;
const METADATA = 3;
const LIMITS = { maxRequestBytes: 1 << 20, maxQueuedBytes: 1 << 20, idleMs: 0 };

/** A frame whose body is the api key and a one-byte tag naming the request. */
function frame(apiKey: number, tag: number): Buffer {
  const b = Buffer.alloc(7);
  b.writeInt32BE(3, 0);
  b.writeInt16BE(apiKey, 4);
  b.writeUInt8(tag, 6);
  return b;
}

/** The reply for `tag`: a 1-byte response frame. */
function replyFor(tag: number, written?: () => void): Reply {
  const b = Buffer.alloc(5);
  b.writeInt32BE(1, 0);
  b.writeUInt8(tag, 4);
  return { chunks: [b], written };
}

interface Harness {
  started: number[];
  release(tag: number, reply?: Reply | Error): void;
  client: Socket;
  received: number[];
  waitReceived(n: number): Promise<void>;
  waitStarted(n: number): Promise<void>;
  closed: Promise<void>;
  stop(): Promise<void>;
}

async function harness(): Promise<Harness> {
  const started: number[] = [];
  const pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  const handle: FrameHandler = (f) =>
    new Promise<Reply>((resolve, reject) => {
      const tag = f.readUInt8(2);
      started.push(tag);
      pending.set(tag, { resolve, reject });
    });
  let conn: Connection | null = null;
  const server: Server = createServer((s) => {
    conn = new Connection(s, 'test', handle, LIMITS, silentLogger);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const client = connect(port, '127.0.0.1');
  await new Promise<void>((r) => client.once('connect', r));
  const received: number[] = [];
  let buf = Buffer.alloc(0);
  client.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    while (buf.length >= 5) {
      received.push(buf.readUInt8(4));
      buf = buf.subarray(5);
    }
  });
  const closed = new Promise<void>((r) => client.once('close', () => r()));
  const until = async (cond: () => boolean, what: string): Promise<void> => {
    const deadline = Date.now() + 5000;
    while (!cond()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 2));
    }
  };
  return {
    started,
    client,
    received,
    closed,
    release(tag, reply) {
      const p = pending.get(tag);
      assert.ok(p, `request ${tag} has not started`);
      pending.delete(tag);
      if (reply instanceof Error) p.reject(reply);
      else p.resolve(reply ?? replyFor(tag));
    },
    waitReceived: (n) => until(() => received.length >= n, `${n} responses`),
    waitStarted: (n) => until(() => started.length >= n, `${n} started requests`),
    async stop() {
      client.destroy();
      (conn as Connection | null)?.close('test over');
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 30));

test('pipelined produces run together and are answered in request order', async () => {
  const h = await harness();
  try {
    h.client.write(Buffer.concat([frame(PRODUCE, 1), frame(PRODUCE, 2), frame(PRODUCE, 3)]));
    await h.waitStarted(3);
    assert.deepEqual(h.started, [1, 2, 3]);
    h.release(3);
    h.release(2);
    await settle();
    assert.deepEqual(h.received, [], 'nothing is sent before the first request is answered');
    h.release(1);
    await h.waitReceived(3);
    assert.deepEqual(h.received, [1, 2, 3]);
  } finally {
    await h.stop();
  }
});

test('any other request runs alone: it waits for running produces, and later produces wait for it', async () => {
  const h = await harness();
  try {
    h.client.write(Buffer.concat([frame(PRODUCE, 1), frame(METADATA, 2), frame(PRODUCE, 3)]));
    await h.waitStarted(1);
    await settle();
    assert.deepEqual(h.started, [1], 'metadata waits for the produce before it');
    h.release(1);
    await h.waitStarted(2);
    await settle();
    assert.deepEqual(h.started, [1, 2], 'the produce after metadata waits for it');
    h.release(2);
    await h.waitStarted(3);
    h.release(3);
    await h.waitReceived(3);
    assert.deepEqual(h.received, [1, 2, 3]);
  } finally {
    await h.stop();
  }
});

test('a failed request closes the connection; replies of produces behind it are still released', async () => {
  const h = await harness();
  try {
    h.client.write(Buffer.concat([frame(PRODUCE, 1), frame(PRODUCE, 2)]));
    await h.waitStarted(2);
    let released = false;
    h.release(2, replyFor(2, () => (released = true)));
    h.release(1, new Error('bad request'));
    await h.closed;
    await settle();
    assert.equal(released, true);
    assert.deepEqual(h.received, []);
  } finally {
    await h.stop();
  }
});
