/**
 * Regression: librdkafka sent gzip and snappy batches uncompressed to Samsa.
 *
 * The bug: ApiVersions listed Produce as v3..11, the versions the broker accepts. librdkafka
 * (2.0.2 in kcat and confluent-kafka; librdkafka issue #4956) enables gzip, snappy and lz4
 * only when the broker's Produce range includes v0, so it logged "Broker does not support
 * compression type gzip: not compressing batch" (debug only) and produced uncompressed.
 * Every round trip still passed; only the batches on the wire showed it. Kafka 4.0, which
 * dropped Produce v0-2, lists Produce from v0 for the same reason (KAFKA-18659); so does
 * Samsa now, while still closing the connection on an actual v0-2 request.
 * lz4 also needs FindCoordinator listed, which it is now that the group coordinator exists.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiKey, ApiVersions, Produce, buildRecordBatch } from '@samsa/protocol';
import { waitForOutput } from '../helpers/broker-process.js';
import { kcatProduce } from '../helpers/kcat.js';
import { RawConnection } from '../helpers/raw-connection.js';
import { useBroker } from './fixture.js';
import { readWireBatches } from './wire-batches.js';

describe('librdkafka compression against the broker process', () => {
  const broker = useBroker();

  it('lists Produce from v0 in ApiVersions but closes the connection on a Produce v2 request', { timeout: 30_000 }, async (t) => {
    const conn = await RawConnection.connect(broker().port);
    t.after(() => conn.destroy());
    const versions = ApiVersions.decodeApiVersionsResponse(
      await conn.request({ apiKey: ApiKey.ApiVersions, apiVersion: 3, correlationId: 1, body: (w) => ApiVersions.encodeApiVersionsRequest(w, 3, {}) }),
      3,
    );
    const produce = versions.apiKeys.find((a) => a.apiKey === ApiKey.Produce);
    assert.equal(produce?.minVersion, 0, 'Produce is listed from v0');

    conn.send({
      apiKey: ApiKey.Produce,
      apiVersion: 2,
      correlationId: 2,
      body: (w) => Produce.encodeProduceRequest(w, 2, { acks: 1, timeoutMs: 1000, topicData: [{ name: 'old-format', partitionData: [{ index: 0, records: buildRecordBatch({ records: [{ value: Buffer.from('v') }] }) }] }] }),
    });
    await conn.waitClosed();
    await waitForOutput(broker(), /closing connection: Produce v2 is outside the 3\.\.11 we speak/);
  });

  it('kcat sends gzip, snappy, lz4 and zstd batches compressed', { timeout: 30_000 }, async () => {
    const topic = 'librdkafka-codecs';
    const lines = Array.from({ length: 20 }, (_, i) => `k${i}:${'compressible '.repeat(20)}${i}`);
    for (const codec of ['gzip', 'snappy', 'lz4', 'zstd']) {
      await kcatProduce(broker().bootstrap, { topic, partition: 0, lines, keyed: true, codec });
    }
    const batches = await readWireBatches(broker().port, topic, 0, 80);
    assert.deepEqual([...new Set(batches.map((b) => b.codec))], ['gzip', 'snappy', 'lz4', 'zstd']);
  });
});
