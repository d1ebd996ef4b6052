/**
 * Batches checked by a codebase we did not write: kafkajs's record batch decoder reads our
 * batches, and we read batches kafkajs's encoder built. kafkajs has gzip built in; for
 * snappy, lz4 and zstd its codec registry is given our compress/decompress, so what is under
 * test here is kafkajs's batch framing and record parsing (the codec bytes themselves are
 * checked against kafka-python in test/compression/kafka-python.test.ts).
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { compress, CompressionType, decompress } from '../../src/compression/index.js';
import { buildRecordBatch, readRecords, TimestampType, validateBatch, type RecordBatchInput, type RecordInput } from '../../src/records/index.js';
import { batchArb } from './arbitrary.js';

const require = createRequire(import.meta.url);
const kafkajs = require('kafkajs');
const Decoder = require('kafkajs/src/protocol/decoder.js');
const decodeRecordBatch: (d: unknown) => Promise<any> = require('kafkajs/src/protocol/recordBatch/v0/decoder.js');
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js');
const KafkajsRecord: (r: object) => unknown = require('kafkajs/src/protocol/recordBatch/record/v0/index.js');

before(() => {
  for (const type of [CompressionType.snappy, CompressionType.lz4, CompressionType.zstd]) {
    kafkajs.CompressionCodecs[type] = () => ({
      compress: (encoder: { buffer: Buffer }) => compress(type, encoder.buffer),
      decompress: (buffer: Buffer) => decompress(type, buffer),
    });
  }
});

/** kafkajs folds headers into an object; repeated keys become arrays. */
function headersObject(headers: readonly { key: string; value: Buffer | Uint8Array | null }[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { key, value } of headers) {
    const k = Buffer.from(key, 'utf8').toString('utf8');
    const v = value === null ? null : Buffer.from(value);
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

const codecs = [CompressionType.none, CompressionType.gzip, CompressionType.snappy, CompressionType.lz4, CompressionType.zstd];

test('kafkajs decodes our batches, every codec, field for field', async () => {
  await fc.assert(
    fc.asyncProperty(batchArb(codecs), async (input: RecordBatchInput) => {
      const bytes = buildRecordBatch(input);
      const got = await decodeRecordBatch(new Decoder(bytes));
      const header = validateBatch(bytes);
      assert.equal(got.firstOffset, String(input.baseOffset));
      assert.equal(got.partitionLeaderEpoch, input.partitionLeaderEpoch);
      assert.equal(got.lastOffsetDelta, input.records.length - 1);
      assert.equal(got.firstTimestamp, String(header.baseTimestamp));
      assert.equal(got.maxTimestamp, String(header.maxTimestamp));
      assert.equal(got.producerId, String(input.producerId));
      assert.equal(got.producerEpoch, input.producerEpoch);
      assert.equal(got.firstSequence, input.baseSequence);
      assert.equal(got.inTransaction, input.isTransactional);
      assert.equal(got.isControlBatch, input.isControl);
      assert.equal(got.timestampType, input.timestampType === TimestampType.logAppendTime ? 1 : 0);
      assert.equal(got.records.length, input.records.length);
      got.records.forEach((r: any, i: number) => {
        const want: RecordInput = input.records[i]!;
        assert.equal(r.offset, String(input.baseOffset! + BigInt(i)));
        const ts = input.timestampType === TimestampType.logAppendTime ? header.maxTimestamp : BigInt(want.timestamp!);
        assert.equal(r.timestamp, String(ts));
        assert.deepEqual(r.key, want.key);
        assert.deepEqual(r.value, want.value);
        assert.deepEqual(r.headers, headersObject(want.headers ?? []));
      });
    }),
    { seed: 0x4a5, numRuns: 150 },
  );
});

test('we decode batches built by kafkajs, every codec', async () => {
  const record = fc.record({
    key: fc.option(fc.uint8Array({ maxLength: 30 }).map((b) => Buffer.from(b)), { nil: null }),
    value: fc.option(fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)), { nil: null }),
    headers: fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.uint8Array({ maxLength: 10 }).map((b) => Buffer.from(b)), { maxKeys: 3 }),
    timestampDelta: fc.integer({ min: 0, max: 1_000_000 }),
  });
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...codecs),
      fc.array(record, { minLength: 1, maxLength: 20 }),
      fc.bigInt({ min: 0n, max: 2n ** 60n }),
      fc.boolean(),
      async (compression, records, firstOffset, transactional) => {
        const firstTimestamp = 1_700_000_000_000;
        const encoder = await RecordBatch({
          compression,
          firstOffset: String(firstOffset),
          firstTimestamp,
          maxTimestamp: firstTimestamp + Math.max(...records.map((r) => r.timestampDelta)),
          partitionLeaderEpoch: 3,
          lastOffsetDelta: records.length - 1,
          transactional,
          producerId: '123456789012',
          producerEpoch: 4,
          firstSequence: 99,
          records: records.map((r, i) => KafkajsRecord({ ...r, offsetDelta: i })),
        });
        const bytes: Buffer = encoder.buffer;
        const header = validateBatch(bytes);
        assert.equal(header.baseOffset, firstOffset);
        assert.equal(header.producerId, 123456789012n);
        assert.equal(header.producerEpoch, 4);
        assert.equal(header.baseSequence, 99);
        assert.equal(header.partitionLeaderEpoch, 3);
        assert.equal((header.attributes & 0x10) !== 0, transactional);
        const ours = [...readRecords({ header, bytes })];
        assert.equal(ours.length, records.length);
        ours.forEach((r, i) => {
          const want = records[i]!;
          assert.equal(r.offset, firstOffset + BigInt(i));
          assert.equal(r.timestamp, BigInt(firstTimestamp + want.timestampDelta));
          assert.deepEqual(r.key, want.key);
          assert.deepEqual(r.value, want.value);
          assert.deepEqual(headersObject(r.headers), headersObject(Object.entries(want.headers).map(([key, value]) => ({ key, value }))));
        });
      },
    ),
    { seed: 0x4a6, numRuns: 150 },
  );
});
