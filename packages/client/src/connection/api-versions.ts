/**
 * Version negotiation: for each API, the highest version both the broker (from its
 * ApiVersions response) and this client speak, as Kafka's clients do.
 */
import { ApiVersions, apis, ErrorCode, Reader } from '@samsa/protocol';
import { SamsaClientError } from '../errors.js';

/** The versions this client sends. Produce starts at v3: older ones carry message formats v0/v1. */
export const CLIENT_VERSIONS: ReadonlyMap<number, { min: number; max: number }> = new Map(
  [...apis.values()].map((a) => [a.apiKey, { min: a.apiKey === 0 ? 3 : a.minVersion, max: a.maxVersion }]),
);

export type BrokerVersions = ReadonlyMap<number, { min: number; max: number }>;

export function brokerVersionsOf(res: ApiVersions.ApiVersionsResponse): BrokerVersions {
  return new Map(res.apiKeys.map((k) => [k.apiKey, { min: k.minVersion, max: k.maxVersion }]));
}

/** The highest version both sides speak; throws UNSUPPORTED_VERSION when the ranges do not meet. */
export function pickVersion(broker: BrokerVersions, apiKey: number, client = CLIENT_VERSIONS): number {
  const ours = client.get(apiKey);
  const theirs = broker.get(apiKey);
  const name = apis.get(apiKey)?.name ?? `api ${apiKey}`;
  if (!ours) throw new SamsaClientError('UNSUPPORTED_VERSION', `the client does not speak ${name}`);
  if (!theirs) throw new SamsaClientError('UNSUPPORTED_VERSION', `the broker does not support ${name}`);
  const v = Math.min(ours.max, theirs.max);
  if (v < ours.min || v < theirs.min) {
    throw new SamsaClientError('UNSUPPORTED_VERSION', `${name}: the broker speaks v${theirs.min}-${theirs.max}, the client v${ours.min}-${ours.max}`);
  }
  return v;
}

export type ApiVersionsOutcome = { kind: 'ok'; versions: BrokerVersions } | { kind: 'retry'; version: number };

/**
 * Reads an ApiVersions response sent for request `version`. A broker that does not know that
 * version answers UNSUPPORTED_VERSION in the v0 body layout, listing its own ApiVersions
 * range (KIP-511); the error code is the first field in every version, so it is read first
 * and the body decoded as v0 in that case.
 */
export function readApiVersions(body: Reader, version: number): ApiVersionsOutcome {
  const errorCode = body.buf.readInt16BE(body.offset);
  if (errorCode === ErrorCode.UNSUPPORTED_VERSION) {
    const res = ApiVersions.decodeApiVersionsResponse(body, 0);
    const range = res.apiKeys.find((k) => k.apiKey === ApiVersions.ApiVersionsApi.apiKey);
    const next = range ? Math.min(range.maxVersion, version - 1) : 0;
    if (next < 0 || next >= version) throw new SamsaClientError('UNSUPPORTED_VERSION', 'the broker refused every ApiVersions version');
    return { kind: 'retry', version: next };
  }
  const res = ApiVersions.decodeApiVersionsResponse(body, version);
  if (res.errorCode !== 0) throw new SamsaClientError('UNSUPPORTED_VERSION', `ApiVersions v${version} failed with error code ${res.errorCode}`);
  return { kind: 'ok', versions: brokerVersionsOf(res) };
}
