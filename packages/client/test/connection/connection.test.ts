import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKey, ErrorCode, Metadata, Writer } from '@samsa/protocol';
import { BrokerConnection, type ConnectionOptions } from '../../src/connection/connection.js';
import { pickVersion } from '../../src/connection/api-versions.js';
import { SamsaClientError } from '../../src/errors.js';
import { apiVersionsBody, FakeBroker, respond, type SeenRequest } from '../helpers/fake-broker.js';

function options(port: number, extra: Partial<ConnectionOptions> = {}): ConnectionOptions {
  return { host: '127.0.0.1', port, clientId: 'test', requestTimeoutMs: 5000, connectTimeoutMs: 5000, maxInFlightRequests: 5, ...extra };
}

const EMPTY_METADATA = { throttleTimeMs: 0, brokers: [], clusterId: null, controllerId: -1, topics: [] };

async function open(t: { after(fn: () => unknown): void }, broker: FakeBroker, extra: Partial<ConnectionOptions> = {}): Promise<BrokerConnection> {
  const conn = await BrokerConnection.open(options(broker.port, extra));
  t.after(() => conn.destroy());
  return conn;
}

test('a broker that only knows ApiVersions v0-2 answers v4 with UNSUPPORTED_VERSION; the client steps down to v2', async (t) => {
  const broker = await FakeBroker.start((req) => {
    if (req.apiKey !== ApiKey.ApiVersions) return;
    if (req.apiVersion <= 2) return apiVersionsBody([{ apiKey: ApiKey.ApiVersions, minVersion: 0, maxVersion: 2 }, { apiKey: ApiKey.Metadata, minVersion: 0, maxVersion: 9 }]);
    // KIP-511: the error response uses the v0 body layout and lists the ApiVersions range.
    const w = new Writer();
    w.int16(ErrorCode.UNSUPPORTED_VERSION);
    w.int32(1);
    w.int16(ApiKey.ApiVersions);
    w.int16(0);
    w.int16(2);
    return { raw: w.finish() };
  });
  t.after(() => broker.close());
  const conn = await open(t, broker);
  assert.deepEqual(broker.seen.map((r) => r.apiVersion), [4, 2]);
  assert.equal(conn.version(ApiKey.Metadata), 9, 'the highest version both speak');
  assert.throws(() => conn.version(ApiKey.Produce), (e: unknown) => e instanceof SamsaClientError && e.code === 'UNSUPPORTED_VERSION');
});

test('pickVersion takes the highest common version and refuses ranges that do not meet', () => {
  const broker = new Map([[ApiKey.Produce, { min: 0, max: 2 }], [ApiKey.Metadata, { min: 0, max: 50 }]]);
  assert.equal(pickVersion(broker, ApiKey.Metadata), 12);
  assert.throws(() => pickVersion(broker, ApiKey.Produce), /Produce: the broker speaks v0-2, the client v3-11/);
});

test('requests are pipelined up to the in-flight bound and answered by correlation id, in order', async (t) => {
  const parked: SeenRequest[] = [];
  let maxOutstanding = 0;
  const broker = await FakeBroker.start((req) => {
    if (req.apiKey === ApiKey.ApiVersions) return;
    parked.push(req);
    maxOutstanding = Math.max(maxOutstanding, parked.length);
    return 'silent';
  });
  t.after(() => broker.close());
  const conn = await open(t, broker, { maxInFlightRequests: 3 });
  const answers = Array.from({ length: 10 }, (_, i) =>
    conn.request<Metadata.MetadataResponse>(ApiKey.Metadata, { topics: [{ name: `t${i}` }] }).then((r) => r.clusterId),
  );
  for (let answered = 0; answered < 10; ) {
    await new Promise((r) => setTimeout(r, 5));
    assert.ok(conn.inFlight <= 3);
    while (parked.length > 0) {
      const req = parked.shift()!;
      const asked = Metadata.decodeMetadataRequest(req.body, req.apiVersion).topics![0]!.name;
      respond(req, { body: { ...EMPTY_METADATA, clusterId: `for-${asked}` } });
      answered++;
    }
  }
  assert.deepEqual(await Promise.all(answers), Array.from({ length: 10 }, (_, i) => `for-t${i}`));
  assert.equal(maxOutstanding, 3, 'never more than max.in.flight.requests.per.connection outstanding');
});

test('a request without an answer within request.timeout.ms closes the connection; everything in flight fails retriably', async (t) => {
  const broker = await FakeBroker.start(() => undefined); // answers ApiVersions only
  t.after(() => broker.close());
  const conn = await open(t, broker, { requestTimeoutMs: 150 });
  let closedWith: SamsaClientError | null = null;
  conn.onClose((e) => (closedWith = e));
  const started = Date.now();
  const first = conn.request(ApiKey.Metadata, { topics: [] }).catch((e: unknown) => e);
  const second = conn.request(ApiKey.Metadata, { topics: [] }, 10_000).catch((e: unknown) => e);
  const [e1, e2] = (await Promise.all([first, second])) as SamsaClientError[];
  assert.equal(e1!.code, 'REQUEST_TIMEOUT');
  assert.equal(e1!.retriable, true);
  assert.equal(e2!.code, 'CONNECTION_CLOSED');
  assert.equal(e2!.retriable, true);
  assert.ok(Date.now() - started >= 140 && Date.now() - started < 3000);
  assert.ok(conn.closed);
  assert.equal(closedWith!.code, 'REQUEST_TIMEOUT');
  const after = (await conn.request(ApiKey.Metadata, { topics: [] }).catch((e: unknown) => e)) as SamsaClientError;
  assert.equal(after.code, 'REQUEST_TIMEOUT', 'a closed connection fails new requests at once with its reason');
});

test('a request with a shorter timeout than one written before it still times out at its own deadline', async (t) => {
  const broker = await FakeBroker.start(() => undefined); // answers ApiVersions only
  t.after(() => broker.close());
  const conn = await open(t, broker);
  let closedWith: SamsaClientError | null = null;
  conn.onClose((e) => (closedWith = e));
  const started = Date.now();
  const long = conn.request(ApiKey.Metadata, { topics: [] }, 20_000).catch((e: unknown) => e);
  const short = conn.request(ApiKey.Metadata, { topics: [] }, 150).catch((e: unknown) => e);
  await Promise.all([long, short]);
  assert.ok(Date.now() - started < 1_500, `closed after ${Date.now() - started} ms, not at the first request's 20 s`);
  assert.equal(closedWith!.code, 'REQUEST_TIMEOUT');
  assert.match(closedWith!.message, /within 150 ms/);
});

test('a request waiting for an in-flight slot is bounded by its request.timeout.ms too: it fails alone and the connection stays', async (t) => {
  const parked: SeenRequest[] = [];
  const broker = await FakeBroker.start((req) => {
    if (req.apiKey === ApiKey.ApiVersions) return;
    parked.push(req);
    return 'silent';
  });
  t.after(() => broker.close());
  const conn = await open(t, broker, { maxInFlightRequests: 1 });
  const first = conn.request<Metadata.MetadataResponse>(ApiKey.Metadata, { topics: [] }, 2_000);
  const started = Date.now();
  const queued = (await conn.request(ApiKey.Metadata, { topics: [] }, 150).catch((e: unknown) => e)) as SamsaClientError;
  assert.equal(queued.code, 'REQUEST_TIMEOUT');
  assert.equal(queued.retriable, true);
  assert.match(queued.message, /not sent within 150 ms/);
  assert.ok(Date.now() - started >= 140 && Date.now() - started < 1_500, `failed after ${Date.now() - started} ms`);
  assert.equal(conn.closed, false, 'nothing of it was written: the connection stays');
  assert.equal(parked.length, 1, 'only the first request reached the broker');
  respond(parked.shift()!, { body: { ...EMPTY_METADATA, clusterId: 'late' } });
  assert.equal((await first).clusterId, 'late', 'the request in flight is answered as usual');
});

test('the broker closing the connection fails requests in flight with CONNECTION_CLOSED (retriable)', async (t) => {
  const broker = await FakeBroker.start((req) => (req.apiKey === ApiKey.Metadata ? 'close' : undefined));
  t.after(() => broker.close());
  const conn = await open(t, broker);
  const e = (await conn.request(ApiKey.Metadata, { topics: [] }).catch((x: unknown) => x)) as SamsaClientError;
  assert.ok(e instanceof SamsaClientError);
  assert.equal(e.code, 'CONNECTION_CLOSED');
  assert.equal(e.retriable, true);
});

test('a refused connection fails with CONNECTION_FAILED within the setup timeout', async () => {
  const broker = await FakeBroker.start(() => undefined);
  const port = broker.port;
  await broker.close();
  const e = (await BrokerConnection.open(options(port, { connectTimeoutMs: 2000 })).catch((x: unknown) => x)) as SamsaClientError;
  assert.equal(e.code, 'CONNECTION_FAILED');
  assert.equal(e.retriable, true);
});

test('a broker that never answers ApiVersions fails the connect at socket.connection.setup.timeout.ms', async (t) => {
  const broker = await FakeBroker.start(() => 'silent');
  t.after(() => broker.close());
  const started = Date.now();
  const e = (await BrokerConnection.open(options(broker.port, { connectTimeoutMs: 200 })).catch((x: unknown) => x)) as SamsaClientError;
  assert.equal(e.code, 'CONNECTION_FAILED');
  assert.ok(Date.now() - started < 2000);
});
