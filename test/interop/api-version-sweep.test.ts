/**
 * Every version of every API the broker advertises, over a raw socket: each request gets a
 * response (not a closed connection), the response decodes to its last byte at that version,
 * and every error code in it is 0. Real clients each use one version per API; this covers
 * the rest, where a handler may fill in a field that version does not have (as DescribeConfigs
 * did with isDefault) and the encoder refuses to send it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiKey, ApiVersions, Metadata, apis, buildRecordBatch } from '@samsa/protocol';
import { RawConnection } from '../helpers/raw-connection.js';
import { useBroker } from './fixture.js';

const TOPIC = 'sweep';
const RESOURCE_TOPIC = 2;
const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

/** A valid request body for (api, version); `topicId` is TOPIC's id. */
type Build = (v: number, topicId: string) => unknown;

const REQUESTS: ReadonlyMap<number, Build> = new Map<number, Build>([
  [ApiKey.Produce, () => ({ acks: 1, timeoutMs: 5000, topicData: [{ name: TOPIC, partitionData: [{ index: 0, records: buildRecordBatch({ records: [{ value: Buffer.from('swept') }] }) }] }] })],
  [
    ApiKey.Fetch,
    (v, topicId) => ({
      maxWaitMs: 0,
      minBytes: 1,
      maxBytes: 1 << 20,
      topics: [{ ...(v >= 13 ? { topicId } : { topic: TOPIC }), partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 << 20 }] }],
    }),
  ],
  [ApiKey.ListOffsets, (v) => ({ replicaId: -1, topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, timestamp: -2n, ...(v === 0 ? { maxNumOffsets: 1 } : {}) }] }] })],
  [ApiKey.Metadata, (v) => ({ topics: [{ name: TOPIC }], ...(v >= 4 ? { allowAutoTopicCreation: false } : {}) })],
  [ApiKey.ApiVersions, () => ({})],
  [ApiKey.CreateTopics, (v) => ({ topics: [{ name: `${TOPIC}-v${v}`, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 10_000 })],
  [ApiKey.DeleteTopics, (v) => (v >= 6 ? { topics: [{ name: `${TOPIC}-v${v}`, topicId: ZERO_UUID }], timeoutMs: 10_000 } : { topicNames: [`${TOPIC}-v${v}`], timeoutMs: 10_000 })],
  [ApiKey.DeleteRecords, () => ({ topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, offset: 0n }] }], timeoutMs: 5000 })],
  [ApiKey.DescribeConfigs, () => ({ resources: [{ resourceType: RESOURCE_TOPIC, resourceName: TOPIC, configurationKeys: ['retention.ms', 'cleanup.policy'] }] })],
  [ApiKey.AlterConfigs, () => ({ resources: [{ resourceType: RESOURCE_TOPIC, resourceName: TOPIC, configs: [{ name: 'retention.ms', value: '86400000' }] }], validateOnly: true })],
  [ApiKey.CreatePartitions, () => ({ topics: [{ name: TOPIC, count: 2, assignments: null }], timeoutMs: 5000, validateOnly: true })],
  [
    ApiKey.IncrementalAlterConfigs,
    () => ({ resources: [{ resourceType: RESOURCE_TOPIC, resourceName: TOPIC, configs: [{ name: 'retention.ms', configOperation: 0, value: '86400000' }] }], validateOnly: true }),
  ],
  [ApiKey.DescribeCluster, () => ({ includeClusterAuthorizedOperations: false })],
]);

/** Produce v0-2 are listed for librdkafka's sake but not spoken (see librdkafka-compression.test.ts). */
const ACCEPTED_MIN: ReadonlyMap<number, number> = new Map([[ApiKey.Produce, 3]]);

/** Every `errorCode` anywhere in a decoded response, with where it was. */
function errorCodes(value: unknown, path: string): Array<[string, number]> {
  if (Array.isArray(value)) return value.flatMap((v, i) => errorCodes(v, `${path}[${i}]`));
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return [];
  return Object.entries(value).flatMap(([k, v]) => (k === 'errorCode' && typeof v === 'number' ? [[`${path}.${k}`, v] as [string, number]] : errorCodes(v, `${path}.${k}`)));
}

describe('API version sweep against the broker process', () => {
  const broker = useBroker();

  it('answers every advertised version of every API, decodably and without errors', { timeout: 60_000 }, async (t) => {
    let conn = await RawConnection.connect(broker().port);
    t.after(() => conn.destroy());
    let correlationId = 1;
    const request = async (apiKey: number, apiVersion: number, input: unknown): Promise<unknown> => {
      const api = apis.get(apiKey)!;
      const id = correlationId++;
      const body = await conn.request({ apiKey, apiVersion, correlationId: id, body: (w) => api.encodeRequest(w, apiVersion, input as never) }).catch((e: Error) => {
        throw new Error(`${api.name} v${apiVersion}: ${e.message}\n${broker().output().slice(-1000)}`);
      });
      const response = api.decodeResponse(body, apiVersion);
      assert.equal(body.remaining, 0, `${api.name} v${apiVersion}: decoded to its last byte`);
      return response;
    };

    const versions = (await request(ApiKey.ApiVersions, 3, {})) as ApiVersions.ApiVersionsResponse;
    const created = (await request(ApiKey.Metadata, 12, { topics: [{ name: TOPIC }], allowAutoTopicCreation: true })) as Metadata.MetadataResponse;
    const topicId = created.topics[0]!.topicId;

    let swept = 0;
    for (const { apiKey, minVersion, maxVersion } of versions.apiKeys) {
      const build = REQUESTS.get(apiKey);
      const name = apis.get(apiKey)?.name ?? `api ${apiKey}`;
      if (!build) {
        t.diagnostic(`no sweep request for ${name} (${apiKey}); add one to REQUESTS`);
        continue;
      }
      for (let v = ACCEPTED_MIN.get(apiKey) ?? minVersion; v <= maxVersion; v++) {
        if (conn.closed) conn = await RawConnection.connect(broker().port);
        const response = await request(apiKey, v, build(v, topicId));
        for (const [where, code] of errorCodes(response, name)) assert.equal(code, 0, `${name} v${v}: ${where}`);
        swept++;
      }
    }
    t.diagnostic(`${swept} (api, version) pairs answered`);
  });
});
