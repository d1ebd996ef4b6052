/**
 * One pipelined Kafka connection for load generation, on Samsa's generated codecs. A request
 * is a fresh 4-byte size + header (with its correlation id) followed by a body encoded once
 * and sent many times by reference: the body buffer is never mutated, because socket.write
 * may still hold it. Responses are matched in order, as Kafka answers them, and checked
 * against the correlation id.
 */
import { connect } from 'node:net';
import { Reader, Writer, apis, readResponseHeader, writeRequestHeader } from '../../packages/protocol/dist/src/index.js';

const CONNECT_TIMEOUT_MS = 5_000;
/** One read() from the socket takes up to this much. */
const READ_BUFFER_BYTES = 1 << 20;
/** Responses at least this large may go into the connection's reused scratch buffer. */
const SCRATCH_MIN_BYTES = 256 * 1024;

export function encodeBody(apiKey, apiVersion, body) {
  const w = new Writer(1024);
  apis.get(apiKey).encodeRequest(w, apiVersion, body);
  return w.finish();
}

export class KafkaConnection {
  #socket;
  #clientId;
  #nextCorrelationId = 1;
  /** In send order: { correlationId, apiKey, apiVersion, sentAt, callback }. */
  #pending = [];
  #pendingHead = 0;
  #sizeBytes = Buffer.alloc(4);
  #sizeFilled = 0;
  #frame = null;
  #frameFilled = 0;
  #scratch = Buffer.alloc(0);
  #closed = null;

  constructor(socket, clientId) {
    this.#socket = socket;
    this.#clientId = clientId;
    socket.setNoDelay(true);
    socket.on('error', (e) => this.#fail(`socket error: ${e.message}`));
    socket.on('close', () => this.#fail('closed'));
  }

  static open(port, clientId = 'samsa-bench') {
    return new Promise((resolve, reject) => {
      let conn = null;
      const socket = connect({
        host: '127.0.0.1',
        port,
        onread: { buffer: Buffer.allocUnsafe(READ_BUFFER_BYTES), callback: (n, buffer) => conn.#onData(buffer.subarray(0, n)) },
      });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect to 127.0.0.1:${port} timed out after ${CONNECT_TIMEOUT_MS} ms`));
      }, CONNECT_TIMEOUT_MS);
      socket.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        conn = new KafkaConnection(socket, clientId);
        resolve(conn);
      });
    });
  }

  get inFlight() {
    return this.#pending.length - this.#pendingHead;
  }

  /**
   * Sends a pre-encoded body. callback(error, decodedBody, sentAtMs, frame) runs when the
   * response arrives; with expectResponse false (acks=0) nothing is awaited. With reuseFrame
   * the response (and everything decoded from it) is valid only during the callback.
   */
  send(apiKey, apiVersion, bodyBytes, callback, { decode = true, expectResponse = true, reuseFrame = false } = {}) {
    if (this.#closed) {
      callback(new Error(`connection ${this.#closed}`));
      return;
    }
    const correlationId = this.#nextCorrelationId++;
    const w = new Writer(64);
    w.int32(0); // size, patched below
    writeRequestHeader(w, { requestApiKey: apiKey, requestApiVersion: apiVersion, correlationId, clientId: this.#clientId });
    const head = w.finish();
    head.writeInt32BE(head.length - 4 + bodyBytes.length, 0);
    const sentAt = performance.now();
    if (expectResponse) this.#pending.push({ correlationId, apiKey, apiVersion, sentAt, callback, decode, reuseFrame });
    this.#socket.cork();
    this.#socket.write(head);
    this.#socket.write(bodyBytes);
    this.#socket.uncork();
    return sentAt;
  }

  /** Encodes and sends one request; resolves with the decoded response body. */
  request(apiKey, apiVersion, body) {
    return new Promise((resolve, reject) => {
      this.send(apiKey, apiVersion, encodeBody(apiKey, apiVersion, body), (e, res) => (e ? reject(e) : resolve(res)));
    });
  }

  close() {
    this.#socket.destroy();
  }

  /**
   * Bytes arrive in the connection's reusable read buffer (net's `onread`), so every frame is
   * copied out once, into a buffer of its announced size, before it is handed on.
   */
  #onData(chunk) {
    let at = 0;
    while (at < chunk.length) {
      if (this.#frame === null) {
        const take = Math.min(4 - this.#sizeFilled, chunk.length - at);
        chunk.copy(this.#sizeBytes, this.#sizeFilled, at, at + take);
        this.#sizeFilled += take;
        at += take;
        if (this.#sizeFilled < 4) return;
        this.#sizeFilled = 0;
        this.#frame = this.#frameBuffer(this.#sizeBytes.readInt32BE(0));
        this.#frameFilled = 0;
      }
      const take = Math.min(this.#frame.length - this.#frameFilled, chunk.length - at);
      chunk.copy(this.#frame, this.#frameFilled, at, at + take);
      this.#frameFilled += take;
      at += take;
      if (this.#frameFilled === this.#frame.length) {
        const frame = this.#frame;
        this.#frame = null;
        this.#onFrame(frame);
        if (this.#closed) return;
      }
    }
  }

  /**
   * A fresh buffer for the frame, or, when the request said its response is only read during
   * the callback (Fetch here), the connection's scratch buffer: a fresh multi-MiB buffer costs
   * its page faults every time (~1.2 GB/s for 8 MiB on this machine, against tens of GB/s
   * for a reused one), which would make the client, not the broker, the limit.
   */
  #frameBuffer(size) {
    const head = this.#pending[this.#pendingHead];
    if (!head?.reuseFrame || size < SCRATCH_MIN_BYTES) return Buffer.allocUnsafe(size);
    if (this.#scratch.length < size) this.#scratch = Buffer.allocUnsafe(size);
    return this.#scratch.subarray(0, size);
  }

  #onFrame(frame) {
    if (this.#pendingHead >= this.#pending.length) return this.#fail(`a response of ${frame.length} bytes arrived with nothing in flight`);
    const p = this.#pending[this.#pendingHead];
    this.#pending[this.#pendingHead++] = undefined;
    if (this.#pendingHead > 1024 && this.#pendingHead * 2 > this.#pending.length) {
      this.#pending = this.#pending.slice(this.#pendingHead);
      this.#pendingHead = 0;
    }
    let body;
    try {
      const r = new Reader(frame);
      const { correlationId } = readResponseHeader(r, p.apiKey, p.apiVersion);
      if (correlationId !== p.correlationId) throw new Error(`response correlation id ${correlationId}, expected ${p.correlationId}`);
      body = p.decode ? apis.get(p.apiKey).decodeResponse(r, p.apiVersion) : r;
    } catch (e) {
      p.callback(e);
      return this.#fail(`bad response: ${e.message}`);
    }
    p.callback(null, body, p.sentAt, frame);
  }

  #fail(reason) {
    if (this.#closed) return;
    this.#closed = reason;
    const pending = this.#pending.slice(this.#pendingHead);
    this.#pending = [];
    this.#pendingHead = 0;
    for (const p of pending) p.callback(new Error(`connection ${reason}`));
    this.#socket.destroy();
  }
}
