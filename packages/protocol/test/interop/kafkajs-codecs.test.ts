/**
 * Our generated codecs against kafkajs 2.2.4's hand-written protocol code, for every API and
 * every version kafkajs implements. Per version, three checks:
 *  1. request bytes: kafkajs's frame (size, header v1, body) equals ours (size, header, body);
 *  2. request decode: our decoder reads kafkajs's frame back to the fields we meant;
 *  3. response decode: kafkajs's decoder reads our response frame (after the correlation id,
 *     as its connection hands it over) to the fields we encoded, and reads all of it.
 * The rows live in kafkajs-cases-*.ts (the row shape in kafkajs-case.ts); kafkajs is loaded
 * by kafkajs.ts.
 *
 * kafkajs 2.2.4 writes request header v1 for every request and, for the two flexible APIs it
 * has (AlterPartitionReassignments v0, ListPartitionReassignments v0), starts the body with
 * the header's empty tag buffer; comparing whole frames checks our header choice too.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Reader } from '../../src/codec/reader.js';
import { Writer } from '../../src/codec/writer.js';
import { apis } from '../../src/generated/apis.js';
import { readRequestHeader, writeRequestHeader, writeResponseHeader } from '../../src/headers.js';
import type { Case, Many } from './kafkajs-case.js';
import { coreCases } from './kafkajs-cases-core.js';
import { groupCases } from './kafkajs-cases-group.js';
import { adminCases } from './kafkajs-cases-admin.js';
import { txnCases } from './kafkajs-cases-txn.js';
import { flexibleCases } from './kafkajs-cases-flexible.js';
import { bytesReadOf, kafkajsFrame, kafkajsImplemented, kafkajsRequest, kafkajsResponse, watchDecoders } from './kafkajs.js';

const CORRELATION_ID = 0x1234abcd;
const CLIENT_ID = 'samsa-interop';

const cases: Case[] = [...coreCases, ...groupCases, ...adminCases, ...txnCases, ...flexibleCases];

function many<T>(x: Many<T>): T[] {
  return Array.isArray(x) ? x : [x];
}

function hexAround(b: Buffer, at: number): string {
  const from = Math.max(0, at - 8);
  return `${from > 0 ? '…' : ''}${b.subarray(from, at).toString('hex')}|${b.subarray(at, at + 24).toString('hex')}${at + 24 < b.length ? '…' : ''}`;
}

function assertSameBytes(ours: Buffer, theirs: Buffer, what: string): void {
  if (ours.equals(theirs)) return;
  let at = 0;
  while (at < ours.length && at < theirs.length && ours[at] === theirs[at]) at++;
  assert.fail(
    `${what}: first difference at byte ${at} (ours ${ours.length} bytes, kafkajs ${theirs.length})\n` +
      `  ours:    ${hexAround(ours, at)}\n  kafkajs: ${hexAround(theirs, at)}`,
  );
}

/** `actual` has every key of `expected` with an equal value; arrays must match in length. */
function assertMatches(actual: unknown, expected: unknown, path: string): void {
  if (Buffer.isBuffer(expected)) {
    assert.ok(Buffer.isBuffer(actual), `${path}: expected a Buffer, got ${typeof actual}`);
    assert.ok(actual.equals(expected), `${path}: ${actual.toString('hex')} != ${expected.toString('hex')}`);
  } else if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${path}: expected an array, got ${String(actual)}`);
    assert.equal(actual.length, expected.length, `${path}.length`);
    expected.forEach((e, i) => assertMatches(actual[i], e, `${path}[${i}]`));
  } else if (expected !== null && typeof expected === 'object') {
    assert.ok(actual !== null && typeof actual === 'object', `${path}: expected an object, got ${String(actual)}`);
    for (const [k, e] of Object.entries(expected)) assertMatches((actual as Record<string, unknown>)[k], e, `${path}.${k}`);
  } else {
    assert.strictEqual(actual, expected, path);
  }
}

function api(key: number) {
  const a = apis.get(key);
  if (!a) throw new Error(`no generated codec for api key ${key}`);
  return a;
}

function ourRequestFrame(apiKey: number, version: number, m: object): Buffer {
  const w = new Writer();
  writeRequestHeader(w, { requestApiKey: apiKey, requestApiVersion: version, correlationId: CORRELATION_ID, clientId: CLIENT_ID });
  api(apiKey).encodeRequest(w, version, m as never);
  const body = w.finish();
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([size, body]);
}

async function theirRequestFrame(c: Case, version: number, args: unknown): Promise<Buffer> {
  const request = kafkajsRequest(c.api, version, args);
  assert.equal(request.apiKey, c.apiKey, 'kafkajs api key');
  assert.equal(request.apiVersion, version, 'kafkajs api version');
  return kafkajsFrame(request, CORRELATION_ID, CLIENT_ID);
}

for (const c of cases) {
  const name = api(c.apiKey).name;
  describe(`kafkajs ${name} (key ${c.apiKey})`, () => {
    for (const v of c.versions) {
      it(`v${v} request: our bytes equal kafkajs's`, async () => {
        for (const [i, s] of many(await c.request(v)).entries()) {
          const theirs = await theirRequestFrame(c, v, s.kafkajs);
          assertSameBytes(ourRequestFrame(c.apiKey, v, s.ours), theirs, `${name} v${v} request sample ${i}`);
        }
      });

      it(`v${v} request: we decode kafkajs's bytes`, async () => {
        for (const [i, s] of many(await c.request(v)).entries()) {
          const theirs = await theirRequestFrame(c, v, s.kafkajs);
          assert.equal(theirs.readInt32BE(0), theirs.length - 4, 'kafkajs frame size');
          const r = new Reader(theirs, 4);
          const header = readRequestHeader(r);
          assertMatches(header, { requestApiKey: c.apiKey, requestApiVersion: v, correlationId: CORRELATION_ID, clientId: CLIENT_ID }, 'header');
          const decoded = api(c.apiKey).decodeRequest(r, v);
          assert.equal(r.remaining, 0, `${name} v${v} sample ${i}: ${r.remaining} bytes left unread`);
          assertMatches(decoded, s.ours, `${name} v${v} request sample ${i}`);
        }
      });

      it(`v${v} response: kafkajs decodes ours`, async () => {
        for (const [i, s] of many(await c.response(v)).entries()) {
          const w = new Writer();
          writeResponseHeader(w, c.apiKey, v, CORRELATION_ID);
          api(c.apiKey).encodeResponse(w, v, s.ours as never);
          const frame = w.finish();
          assert.equal(frame.readInt32BE(0), CORRELATION_ID, 'correlation id');
          // kafkajs's connection strips the size and the correlation id; a flexible response's
          // header tag buffer is left for the decoder, which reads it first.
          const payload = frame.subarray(4);
          watchDecoders();
          const decoded = await kafkajsResponse(c.api, v, s.requestArgs).decode(payload);
          assertMatches(decoded, s.kafkajs, `${name} v${v} response sample ${i}`);
          // kafkajs's flexible decoders read the header's tag buffer but stop before the body's
          // own (empty) one, which ends the payload; anything else left unread is a field
          // kafkajs does not expect at this version.
          const unread = payload.subarray(bytesReadOf(payload));
          const flexible = api(c.apiKey).flexibleMinVersion >= 0 && v >= api(c.apiKey).flexibleMinVersion;
          assert.equal(unread.toString('hex'), flexible ? '00' : '', `${name} v${v} sample ${i}: bytes kafkajs left unread`);
        }
      });
    }
  });
}

it('the table covers every API and version kafkajs implements', () => {
  const covered = new Map(cases.map((c) => [c.apiKey, [...c.versions]]));
  for (const [key, versions] of kafkajsImplemented()) {
    assert.deepEqual(covered.get(key), versions, `api key ${key} (${apis.get(key)?.name})`);
  }
  assert.equal(covered.size, kafkajsImplemented().size, 'rows for APIs kafkajs does not implement');
});
