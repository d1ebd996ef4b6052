/**
 * ApiVersions version negotiation (KIP-511) over a raw socket: a request version the broker
 * does not speak gets UNSUPPORTED_VERSION (35) in the v0 body layout, with response header
 * v0 and the full API list, so a client can retry with a version from that list; the
 * connection stays open for the retry. Any other API at an unknown version closes the
 * connection, as Kafka does.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiKey, ApiVersions, ErrorCode, Metadata, Writer } from '@samsa/protocol';
import { waitForOutput } from '../helpers/broker-process.js';
import { RawConnection, readResponse } from '../helpers/raw-connection.js';
import { useBroker } from './fixture.js';

/** What the broker must offer at least, per CLIENTS.md (clients negotiate down from these). */
const REQUIRED: ReadonlyArray<[number, number, number]> = [
  [ApiKey.Produce, 3, 7],
  [ApiKey.Fetch, 4, 11],
  [ApiKey.ListOffsets, 1, 3],
  [ApiKey.Metadata, 0, 6],
  [ApiKey.ApiVersions, 0, 3],
  [ApiKey.CreateTopics, 0, 3],
  [ApiKey.DeleteTopics, 0, 3],
];

function checkApiList(apiKeys: readonly ApiVersions.ApiVersion[], what: string): void {
  const byKey = new Map(apiKeys.map((a) => [a.apiKey, a]));
  assert.equal(byKey.size, apiKeys.length, `${what}: no API listed twice`);
  for (const [apiKey, min, max] of REQUIRED) {
    const a = byKey.get(apiKey);
    assert.ok(a, `${what}: API ${apiKey} is listed`);
    assert.ok(a.minVersion <= min && a.maxVersion >= max, `${what}: API ${apiKey} offers ${a.minVersion}..${a.maxVersion}, need ${min}..${max}`);
  }
}

/** ApiVersions request with a v3 body (what librdkafka sends), at any header version. */
function apiVersionsRequest(apiVersion: number, correlationId: number): Parameters<RawConnection['send']>[0] {
  return {
    apiKey: ApiKey.ApiVersions,
    apiVersion,
    correlationId,
    body: (w: Writer) => ApiVersions.encodeApiVersionsRequest(w, apiVersion >= 3 ? 3 : apiVersion, { clientSoftwareName: 'samsa-raw-test', clientSoftwareVersion: '0.1.0' }),
  };
}

describe('ApiVersions fallback against the broker process', () => {
  const broker = useBroker();

  it('answers ApiVersions v99 with error 35 in the v0 layout and the API list, and keeps the connection', { timeout: 30_000 }, async (t) => {
    const conn = await RawConnection.connect(broker().port);
    t.after(() => conn.destroy());

    conn.send(apiVersionsRequest(99, 7001));
    // Response header v0 whatever the request version: the client cannot know more yet.
    const { correlationId, body } = readResponse(await conn.nextFrame(), ApiKey.ApiVersions, 0);
    assert.equal(correlationId, 7001);
    const fallback = ApiVersions.decodeApiVersionsResponse(body, 0);
    assert.equal(body.remaining, 0, 'the error response is exactly the v0 body');
    assert.equal(fallback.errorCode, ErrorCode.UNSUPPORTED_VERSION);
    checkApiList(fallback.apiKeys, 'v0 fallback');
    const own = fallback.apiKeys.find((a) => a.apiKey === ApiKey.ApiVersions)!;
    assert.ok(own.maxVersion < 99, 'the list says which ApiVersions versions to retry with');

    // The retry on the same connection, at the highest version offered.
    const retry = await conn.request(apiVersionsRequest(own.maxVersion, 7002));
    const answer = ApiVersions.decodeApiVersionsResponse(retry, own.maxVersion);
    assert.equal(retry.remaining, 0);
    assert.equal(answer.errorCode, 0);
    assert.deepEqual(answer.apiKeys, fallback.apiKeys, 'the retry lists the same APIs');

    // And v0, as kafka-python sends it.
    const v0 = ApiVersions.decodeApiVersionsResponse(await conn.request(apiVersionsRequest(0, 7003)), 0);
    assert.equal(v0.errorCode, 0);
    assert.deepEqual(v0.apiKeys, fallback.apiKeys);
  });

  it('closes the connection on another API at a version it does not speak, and logs why', { timeout: 30_000 }, async (t) => {
    const conn = await RawConnection.connect(broker().port);
    t.after(() => conn.destroy());
    // Metadata v99 with a v12 body: the broker must not guess at it.
    conn.send({ apiKey: ApiKey.Metadata, apiVersion: 99, correlationId: 7101, body: (w) => Metadata.encodeMetadataRequest(w, 12, { topics: null }) });
    await conn.waitClosed();
    assert.equal(conn.buffered, 0, 'no response before the close');
    await waitForOutput(broker(), /closing connection: Metadata v99 is outside the 0\.\.12 we speak/);

    // Other connections are unaffected.
    const other = await RawConnection.connect(broker().port);
    t.after(() => other.destroy());
    const ok = ApiVersions.decodeApiVersionsResponse(await other.request(apiVersionsRequest(3, 7102)), 3);
    assert.equal(ok.errorCode, 0);
  });
});
