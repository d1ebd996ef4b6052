/**
 * Pipelining: a client may send many requests without waiting (librdkafka keeps up to 1M
 * in flight per connection). 50 requests of five kinds go out in one write, among them
 * Fetches that park for their full max wait at the log end; the responses must come back
 * in request order (correlation ids), each one whole, and the Produces must be appended in
 * order.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiKey, ApiVersions, Fetch, ListOffsets, Metadata, Produce, apis, buildRecordBatch, iterateBatches, readRecords } from '@samsa/protocol';
import { RawConnection, readResponse, requestFrame, type RequestSpec } from '../helpers/raw-connection.js';
import { useBroker } from './fixture.js';

const TOPIC = 'pipelined';
const REQUESTS = 50;
const FETCH_MAX_WAIT_MS = 100;

type Kind = 'produce' | 'fetch' | 'api-versions' | 'list-offsets' | 'metadata';
const KINDS: readonly Kind[] = ['produce', 'fetch', 'api-versions', 'list-offsets', 'metadata'];

/** Request i; `produced` is how many records the Produces before it appended (one each). */
function spec(kind: Kind, correlationId: number, produced: number): RequestSpec {
  switch (kind) {
    case 'produce': {
      const records = buildRecordBatch({ records: [{ key: Buffer.from(`k${produced}`), value: Buffer.from(`pipelined ${produced}`) }] });
      return {
        apiKey: ApiKey.Produce, apiVersion: 9, correlationId,
        body: (w) => Produce.encodeProduceRequest(w, 9, { acks: 1, timeoutMs: 5000, topicData: [{ name: TOPIC, partitionData: [{ index: 0, records }] }] }),
      };
    }
    case 'fetch':
      // At the log end with min_bytes 1: nothing to return, so it parks for max_wait_ms.
      return {
        apiKey: ApiKey.Fetch, apiVersion: 12, correlationId,
        body: (w) =>
          Fetch.encodeFetchRequest(w, 12, {
            replicaId: -1, maxWaitMs: FETCH_MAX_WAIT_MS, minBytes: 1, maxBytes: 1 << 20,
            topics: [{ topic: TOPIC, partitions: [{ partition: 0, fetchOffset: BigInt(produced), partitionMaxBytes: 1 << 20 }] }],
          }),
      };
    case 'api-versions':
      return { apiKey: ApiKey.ApiVersions, apiVersion: 3, correlationId, body: (w) => ApiVersions.encodeApiVersionsRequest(w, 3, {}) };
    case 'list-offsets':
      return {
        apiKey: ApiKey.ListOffsets, apiVersion: 7, correlationId,
        body: (w) => ListOffsets.encodeListOffsetsRequest(w, 7, { replicaId: -1, topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, timestamp: -1n }] }] }),
      };
    case 'metadata':
      return { apiKey: ApiKey.Metadata, apiVersion: 12, correlationId, body: (w) => Metadata.encodeMetadataRequest(w, 12, { topics: [{ name: TOPIC }], allowAutoTopicCreation: false }) };
  }
}

describe('pipelining against the broker process', () => {
  const broker = useBroker();

  it(`answers ${REQUESTS} requests sent back to back on one socket in order`, { timeout: 30_000 }, async (t) => {
    const conn = await RawConnection.connect(broker().port);
    t.after(() => conn.destroy());
    // Metadata v4+ with allow_auto_topic_creation creates the topic.
    const created = Metadata.decodeMetadataResponse(
      await conn.request({ apiKey: ApiKey.Metadata, apiVersion: 12, correlationId: 1, body: (w) => Metadata.encodeMetadataRequest(w, 12, { topics: [{ name: TOPIC }], allowAutoTopicCreation: true }) }),
      12,
    );
    assert.equal(created.topics[0]?.errorCode, 0, `auto-created ${TOPIC}`);

    const sent: Array<{ kind: Kind; spec: RequestSpec; produced: number }> = [];
    let produced = 0;
    for (let i = 0; i < REQUESTS; i++) {
      const kind = KINDS[i % KINDS.length]!;
      sent.push({ kind, spec: spec(kind, 1000 + i, produced), produced });
      if (kind === 'produce') produced++;
    }
    const startedMs = Date.now();
    conn.write(Buffer.concat(sent.map((s) => requestFrame(s.spec))));

    for (const s of sent) {
      const { correlationId, body } = readResponse(await conn.nextFrame(10_000), s.spec.apiKey, s.spec.apiVersion);
      assert.equal(correlationId, s.spec.correlationId, `response ${correlationId} arrived where ${s.spec.correlationId} (${s.kind}) was due`);
      const response = apis.get(s.spec.apiKey)!.decodeResponse(body, s.spec.apiVersion);
      assert.equal(body.remaining, 0, `${s.kind} ${correlationId}: the response is decoded to its last byte`);
      const what = `${s.kind} ${correlationId}`;
      if (s.kind === 'produce') {
        const p = (response as Produce.ProduceResponse).responses[0]!.partitionResponses[0]!;
        assert.equal(p.errorCode, 0, what);
        assert.equal(p.baseOffset, BigInt(s.produced), `${what}: appended in request order`);
      } else if (s.kind === 'fetch') {
        const f = (response as Fetch.FetchResponse).responses[0]!.partitions[0]!;
        assert.equal(f.errorCode, 0, what);
        assert.equal(f.highWatermark, BigInt(s.produced), `${what}: sees every earlier produce, no later one`);
        assert.equal([...iterateBatches(f.records ?? Buffer.alloc(0))].length, 0, `${what}: nothing past the log end`);
      } else if (s.kind === 'list-offsets') {
        const l = (response as ListOffsets.ListOffsetsResponse).topics[0]!.partitions[0]!;
        assert.equal(l.offset, BigInt(s.produced), `${what}: latest offset`);
      } else if (s.kind === 'api-versions') {
        assert.equal((response as ApiVersions.ApiVersionsResponse).errorCode, 0, what);
      } else {
        assert.equal((response as Metadata.MetadataResponse).topics[0]!.errorCode, 0, what);
      }
    }
    const fetches = sent.filter((s) => s.kind === 'fetch').length;
    assert.ok(Date.now() - startedMs >= fetches * FETCH_MAX_WAIT_MS * 0.9, 'the parked fetches were answered one after another, each after its max wait');

    // The produced records read back in order.
    const all = Fetch.decodeFetchResponse(
      await conn.request({
        apiKey: ApiKey.Fetch, apiVersion: 12, correlationId: 2,
        body: (w) => Fetch.encodeFetchRequest(w, 12, { replicaId: -1, maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20, topics: [{ topic: TOPIC, partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 << 20 }] }] }),
      }),
      12,
    );
    const values = [...iterateBatches(all.responses[0]!.partitions[0]!.records!)].flatMap((b) => [...readRecords(b)].map((r) => r.value?.toString()));
    assert.deepEqual(values, Array.from({ length: produced }, (_, i) => `pipelined ${i}`));
  });
});
