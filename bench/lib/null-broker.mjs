#!/usr/bin/env node
/**
 * The floor under bench/broker.mjs: a Node TCP server that reads whole Kafka frames (each
 * copied once into a buffer of its size, as a broker must), decodes Produce requests and
 * answers each at once with success. No log, no validation, no thread pool. What the load
 * generator measures against it is what this machine, Node and the client cost by
 * themselves; the broker's figures are read against it.
 *   node bench/lib/null-broker.mjs PORT    (prints "listening on 127.0.0.1:PORT" when ready)
 */
import { createServer } from 'node:net';
import { Produce, Reader, Writer, readRequestHeader, writeResponseHeader } from '../../packages/protocol/dist/src/index.js';

const MAX_FRAME_BYTES = 100 * 1024 * 1024;

function answer(frame) {
  const r = new Reader(frame);
  const h = readRequestHeader(r);
  if (h.requestApiKey !== 0) throw new Error(`the null broker answers Produce only, not api key ${h.requestApiKey}`);
  const req = Produce.decodeProduceRequest(r, h.requestApiVersion);
  const w = new Writer(128);
  w.int32(0); // size, patched below
  writeResponseHeader(w, 0, h.requestApiVersion, h.correlationId);
  Produce.encodeProduceResponse(w, h.requestApiVersion, {
    throttleTimeMs: 0,
    responses: req.topicData.map((t) => ({
      name: t.name,
      partitionResponses: t.partitionData.map((p) => ({ index: p.index, errorCode: 0, baseOffset: 0n, logAppendTimeMs: -1n, logStartOffset: 0n })),
    })),
  });
  const out = w.finish();
  out.writeInt32BE(out.length - 4, 0);
  return out;
}

function serve(socket) {
  socket.setNoDelay(true);
  const size = Buffer.alloc(4);
  let sizeFilled = 0;
  let frame = null;
  let filled = 0;
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk) => {
    let at = 0;
    while (at < chunk.length) {
      if (frame === null) {
        const take = Math.min(4 - sizeFilled, chunk.length - at);
        chunk.copy(size, sizeFilled, at, at + take);
        sizeFilled += take;
        at += take;
        if (sizeFilled < 4) return;
        sizeFilled = 0;
        const n = size.readInt32BE(0);
        if (n < 0 || n > MAX_FRAME_BYTES) return socket.destroy();
        frame = Buffer.allocUnsafe(n);
        filled = 0;
      }
      const take = Math.min(frame.length - filled, chunk.length - at);
      chunk.copy(frame, filled, at, at + take);
      filled += take;
      at += take;
      if (filled === frame.length) {
        socket.write(answer(frame));
        frame = null;
      }
    }
  });
}

const port = Number(process.argv[2]);
const server = createServer(serve);
server.listen(port, '127.0.0.1', () => process.stdout.write(`listening on 127.0.0.1:${port}\n`));
process.once('SIGTERM', () => process.exit(0));
