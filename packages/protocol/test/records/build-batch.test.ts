/**
 * buildRecordBatch -> validateBatch -> readRecords gives back what went in, for every codec,
 * with random keys, values, headers, timestamps, producer fields and flags.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CompressionType } from '../../src/compression/index.js';
import { SamsaError } from '../../src/errors/samsa-error.js';
import {
  buildRecordBatch,
  buildRecordBatchAsync,
  compressionOf,
  isControlBatch,
  isTransactional,
  readRecords,
  recordsDataAsync,
  iterateRecords,
  splitBatches,
  timestampTypeOf,
  TimestampType,
  validateBatch,
  type RecordBatchInput,
} from '../../src/records/index.js';
import { batchArb } from './arbitrary.js';

function check(input: RecordBatchInput, bytes: Buffer): void {
  const header = validateBatch(bytes);
  assert.equal(header.batchLength, bytes.length - 12);
  assert.equal(header.baseOffset, input.baseOffset);
  assert.equal(header.partitionLeaderEpoch, input.partitionLeaderEpoch);
  assert.equal(compressionOf(header), input.compression);
  assert.equal(timestampTypeOf(header), input.timestampType);
  assert.equal(isTransactional(header), input.isTransactional);
  assert.equal(isControlBatch(header), input.isControl);
  assert.equal(header.producerId, input.producerId);
  assert.equal(header.producerEpoch, input.producerEpoch);
  assert.equal(header.baseSequence, input.baseSequence);
  assert.equal(header.recordsCount, input.records.length);
  assert.equal(header.lastOffsetDelta, input.records.length - 1);
  const timestamps = input.records.map((r) => r.timestamp!);
  assert.equal(header.baseTimestamp, BigInt(timestamps[0]!));
  assert.equal(header.maxTimestamp, BigInt(Math.max(...timestamps)));

  const records = [...readRecords({ header, bytes })];
  assert.equal(records.length, input.records.length);
  records.forEach((got, i) => {
    const want = input.records[i]!;
    assert.equal(got.offsetDelta, i);
    assert.equal(got.offset, input.baseOffset! + BigInt(i));
    const expectedTimestamp = input.timestampType === TimestampType.logAppendTime ? header.maxTimestamp : BigInt(want.timestamp!);
    assert.equal(got.timestamp, expectedTimestamp);
    assert.deepEqual(got.key, want.key);
    assert.deepEqual(got.value, want.value);
    assert.deepEqual(
      got.headers.map((h) => ({ key: h.key, value: h.value })),
      (want.headers ?? []).map((h) => ({ key: Buffer.from(h.key, 'utf8').toString('utf8'), value: h.value })),
    );
  });
}

test('random batches round-trip through build, validate and read, for every codec', () => {
  fc.assert(
    fc.property(batchArb(), (input) => check(input, buildRecordBatch(input))),
    { seed: 0xba7c4, numRuns: 400 },
  );
});

test('the async builder and reader produce the same bytes and records', async () => {
  await fc.assert(
    fc.asyncProperty(batchArb([CompressionType.gzip, CompressionType.snappy, CompressionType.lz4, CompressionType.zstd]), async (input) => {
      const bytes = await buildRecordBatchAsync(input);
      check(input, bytes);
      const header = validateBatch(bytes);
      const data = await recordsDataAsync({ header, bytes });
      assert.equal([...iterateRecords(header, data)].length, input.records.length);
    }),
    { seed: 0xa5c, numRuns: 60 },
  );
});

test('defaults: producerId -1, epoch -1, sequence -1, leader epoch -1, CreateTime, offsets from the index', () => {
  const before = Date.now();
  const bytes = buildRecordBatch({ records: [{ value: Buffer.from('a') }, { key: Buffer.from('k'), value: null }] });
  const header = validateBatch(bytes);
  assert.equal(header.baseOffset, 0n);
  assert.equal(header.producerId, -1n);
  assert.equal(header.producerEpoch, -1);
  assert.equal(header.baseSequence, -1);
  assert.equal(header.partitionLeaderEpoch, -1);
  assert.equal(header.attributes, 0);
  assert.equal(header.lastOffsetDelta, 1);
  assert.ok(header.baseTimestamp >= BigInt(before) && header.baseTimestamp <= BigInt(Date.now()));
  const [a, b] = [...readRecords({ header, bytes })];
  assert.equal(a!.key, null);
  assert.deepEqual(b!.key, Buffer.from('k'));
  assert.equal(b!.value, null);
  assert.equal(b!.offset, 1n);
});

test('explicit offset deltas, lastOffsetDelta and an empty batch (as compaction leaves them)', () => {
  const bytes = buildRecordBatch({
    baseOffset: 100n,
    records: [{ value: Buffer.from('x'), offsetDelta: 3, timestamp: 5 }, { value: Buffer.from('y'), offsetDelta: 7, timestamp: 2 }],
  });
  const header = validateBatch(bytes);
  assert.equal(header.lastOffsetDelta, 7);
  assert.equal(header.baseTimestamp, 5n);
  assert.equal(header.maxTimestamp, 5n);
  assert.deepEqual([...readRecords({ header, bytes })].map((r) => [r.offset, r.timestamp]), [[103n, 5n], [107n, 2n]]);

  const empty = buildRecordBatch({ baseOffset: 10n, lastOffsetDelta: 4, baseTimestamp: 1000, records: [] });
  const h = validateBatch(empty);
  assert.equal(h.recordsCount, 0);
  assert.equal(h.lastOffsetDelta, 4);
  assert.equal([...readRecords({ header: h, bytes: empty })].length, 0);
});

test('several batches in one records blob split and read back in order', () => {
  const inputs = fc.sample(batchArb(), { seed: 7, numRuns: 10 });
  const blob = Buffer.concat(inputs.map((i) => buildRecordBatch(i)));
  const { batches, partialBytes } = splitBatches(blob);
  assert.equal(partialBytes, 0);
  assert.equal(batches.length, inputs.length);
  batches.forEach((b, i) => check(inputs[i]!, Buffer.from(b.bytes)));
});

test('large values (kept by reference while writing) and 64-bit timestamps far from now', () => {
  const big = Buffer.alloc(100_000, 7);
  const input: RecordBatchInput = { records: [{ value: big, timestamp: 2 ** 52 }, { value: big, timestamp: 0 }], baseOffset: 2n ** 63n - 10n };
  const bytes = buildRecordBatch(input);
  const header = validateBatch(bytes);
  const records = [...readRecords({ header, bytes })];
  assert.deepEqual(records[1]!.value, big);
  assert.equal(records[0]!.timestamp, 2n ** 52n);
  assert.equal(records[1]!.timestamp, 0n);
  assert.equal(records[1]!.offset, 2n ** 63n - 9n);
});

test('bad inputs are ENCODE_INVALID', () => {
  const encodeInvalid = (e: unknown) => e instanceof SamsaError && e.code === 'ENCODE_INVALID';
  assert.throws(() => buildRecordBatch({ records: [], producerEpoch: 40000 }), /producerEpoch/);
  assert.throws(() => buildRecordBatch({ records: [], baseOffset: 2n ** 63n }), encodeInvalid);
  assert.throws(() => buildRecordBatch({ records: [], baseSequence: 2 ** 31 }), encodeInvalid);
  assert.throws(() => buildRecordBatch({ records: [{ offsetDelta: 2 ** 32 }] }), encodeInvalid);
  assert.throws(() => buildRecordBatch({ records: [], compression: 6 as CompressionType }), encodeInvalid);
  assert.throws(() => buildRecordBatch({ records: [{ timestamp: 2 ** 60 }] }), /safe integer/);
  assert.throws(() => buildRecordBatch({ records: [{ timestamp: 2 ** 52 }, { timestamp: -(2 ** 52) }] }), /safe integer/);
});
