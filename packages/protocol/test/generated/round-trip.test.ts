/**
 * Every request and response at every version in validVersions: a value generated from the
 * schema encodes, decodes to the same value (defaults where the version lacks a field), and
 * re-encodes to the same bytes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Reader } from '../../src/codec/reader.js';
import { Writer } from '../../src/codec/writer.js';
import { apis } from '../../src/generated/apis.js';
import * as RequestHeader from '../../src/generated/messages/request-header.js';
import * as ResponseHeader from '../../src/generated/messages/response-header.js';
import * as Subscription from '../../src/generated/messages/consumer-protocol-subscription.js';
import * as Assignment from '../../src/generated/messages/consumer-protocol-assignment.js';
import type { SchemaMessage } from '../../src/generated/schema.js';
import { messages, structArbitrary, versionsOf } from './schema-arbitrary.js';

type Encode = (w: Writer, v: number, m: never) => void;
type Decode = (r: Reader, v: number) => unknown;

function codecFor(m: SchemaMessage): { encode: Encode; decode: Decode } {
  if (m.apiKey !== null) {
    const api = apis.get(m.apiKey)!;
    return m.type === 'request'
      ? { encode: api.encodeRequest, decode: api.decodeRequest }
      : { encode: api.encodeResponse, decode: api.decodeResponse };
  }
  const others: Record<string, { encode: Encode; decode: Decode }> = {
    RequestHeader: { encode: RequestHeader.encodeRequestHeader as Encode, decode: RequestHeader.decodeRequestHeader },
    ResponseHeader: { encode: ResponseHeader.encodeResponseHeader as Encode, decode: ResponseHeader.decodeResponseHeader },
    ConsumerProtocolSubscription: {
      encode: Subscription.encodeConsumerProtocolSubscription as Encode,
      decode: Subscription.decodeConsumerProtocolSubscription,
    },
    ConsumerProtocolAssignment: {
      encode: Assignment.encodeConsumerProtocolAssignment as Encode,
      decode: Assignment.decodeConsumerProtocolAssignment,
    },
  };
  const codec = others[m.name];
  if (!codec) throw new Error(`no codec for ${m.name}`);
  return codec;
}

const seed = Number(process.env.SAMSA_SEED ?? 20261127);

for (const m of messages()) {
  test(`${m.name} round-trips at every version`, () => {
    const { encode, decode } = codecFor(m);
    for (const v of versionsOf(m)) {
      fc.assert(
        fc.property(structArbitrary(m, m.fields, v), (value) => {
          const w = new Writer(16);
          encode(w, v, value as never);
          const bytes = w.finish();
          const r = new Reader(bytes);
          const decoded = decode(r, v);
          assert.equal(r.remaining, 0, `${m.name} v${v} left ${r.remaining} bytes unread`);
          assert.deepStrictEqual(decoded, value, `${m.name} v${v} decoded differently`);
          const again = new Writer(16);
          encode(again, v, decoded as never);
          assert.ok(again.finish().equals(bytes), `${m.name} v${v} re-encoded to other bytes`);
        }),
        { numRuns: 15, seed },
      );
    }
  });
}

test('every API has both codecs and a sane version range', () => {
  assert.ok(apis.size >= 70, `only ${apis.size} APIs generated`);
  for (const api of apis.values()) {
    assert.ok(api.minVersion <= api.maxVersion, api.name);
    assert.ok(api.flexibleMinVersion === -1 || api.flexibleMinVersion >= api.minVersion, api.name);
  }
});
