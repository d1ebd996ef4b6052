/**
 * Golden bytes: request frames captured from real clients (kcat/librdkafka 2.0.2, kafkajs
 * 2.2.4, kafka-python 2.0.2) producing the same records with each codec. Our decoders must
 * read every frame exactly (nothing left over), re-encode it to the same bytes, and find the
 * records the client was asked to send. Regenerate with test/interop/golden/write-fixtures.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Reader } from '../../src/codec/reader.js';
import { Writer } from '../../src/codec/writer.js';
import { apis, ApiKey } from '../../src/generated/apis.js';
import { readRequestHeader, writeRequestHeader } from '../../src/headers.js';
import { decodeProduceRequest } from '../../src/generated/messages/00-produce.js';
import { iterateBatches, readRecords, compressionOf, compressionNames } from '../../src/index.js';

// dist/test/golden -> the package's source test/fixtures.
const FIXTURES = resolve(fileURLToPath(import.meta.url), '../../../../test/fixtures/golden');

interface GoldenFile {
  client: string;
  codec: string;
  expect: { topic: string; records: Array<{ key: string | null; value: string | null }>; header: { key: string; value: string } };
  requests: Array<{ apiKey: number; apiVersion: number; frame: string }>;
}

const files: GoldenFile[] = readdirSync(FIXTURES).flatMap((client) =>
  readdirSync(join(FIXTURES, client)).map((f) => JSON.parse(readFileSync(join(FIXTURES, client, f), 'utf8')) as GoldenFile),
);

test('fixtures cover three clients and five codecs', () => {
  assert.deepEqual([...new Set(files.map((f) => f.client))].sort(), ['kafka-python', 'kafkajs', 'kcat']);
  assert.deepEqual([...new Set(files.map((f) => f.codec))].sort(), ['gzip', 'lz4', 'none', 'snappy', 'zstd']);
});

for (const file of files) {
  test(`${file.client} ${file.codec}: every frame decodes exactly and re-encodes to the same bytes`, () => {
    for (const req of file.requests) {
      const frame = Buffer.from(req.frame, 'hex');
      const r = new Reader(frame);
      const header = readRequestHeader(r);
      assert.equal(header.requestApiKey, req.apiKey);
      assert.equal(header.requestApiVersion, req.apiVersion);
      const api = apis.get(req.apiKey)!;
      const body = api.decodeRequest(r, req.apiVersion);
      assert.equal(r.remaining, 0, `${api.name} v${req.apiVersion}: ${r.remaining} bytes unread`);
      const w = new Writer();
      writeRequestHeader(w, header);
      api.encodeRequest(w, req.apiVersion, body as never);
      assert.equal(w.finish().toString('hex'), req.frame, `${api.name} v${req.apiVersion} re-encoded differently`);
    }
  });

  test(`${file.client} ${file.codec}: the produced records are the ones sent`, () => {
    const produce = file.requests.filter((q) => q.apiKey === ApiKey.Produce);
    assert.ok(produce.length > 0, 'no Produce request captured');
    const seen: Array<{ key: string | null; value: string | null; headers: Array<[string, string | null]> }> = [];
    for (const q of produce) {
      const r = new Reader(Buffer.from(q.frame, 'hex'));
      readRequestHeader(r);
      const req = decodeProduceRequest(r, q.apiVersion);
      for (const t of req.topicData) {
        assert.equal(t.name, file.expect.topic);
        for (const p of t.partitionData) {
          for (const batch of iterateBatches(p.records!)) {
            assert.equal(compressionNames[compressionOf(batch.header)], file.codec, 'batch codec');
            for (const rec of readRecords(batch)) {
              seen.push({
                key: rec.key?.toString() ?? null,
                value: rec.value?.toString() ?? null,
                headers: rec.headers.map((h) => [h.key, h.value?.toString() ?? null]),
              });
            }
          }
        }
      }
    }
    assert.deepEqual(
      seen,
      file.expect.records.map((x) => ({ ...x, headers: [[file.expect.header.key, file.expect.header.value]] })),
    );
  });
}
