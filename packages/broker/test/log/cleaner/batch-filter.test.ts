import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildRecordBatch, CompressionType, readBatchHeader, readRecords, TimestampType, validateBatch } from '@samsa/protocol';
import { filterBatch, type FilterPolicy } from '../../../src/log/cleaner/batch-filter.js';
import { OffsetMap } from '../../../src/log/cleaner/offset-map.js';

const T0 = 1_700_000_000_000;

function policy(latest: Record<string, number>, nowMs = T0 + 1000): FilterPolicy {
  const map = new OffsetMap(1 << 16);
  for (const [k, o] of Object.entries(latest).sort((a, b) => a[1] - b[1])) map.put(Buffer.from(k), o);
  return { map, nowMs, deleteRetentionMs: 500, isLastBatchOfProducer: () => false };
}

test('a rewritten batch keeps every header field, record headers, offset deltas and timestamps', async () => {
  const batch = buildRecordBatch({
    baseOffset: 100n,
    partitionLeaderEpoch: 9,
    compression: CompressionType.gzip,
    producerId: 42n,
    producerEpoch: 3,
    baseSequence: 17,
    records: [
      { key: Buffer.from('a'), value: Buffer.from('old'), timestamp: T0 },
      { key: Buffer.from('b'), value: Buffer.from('keep'), timestamp: T0 + 5, headers: [{ key: 'h', value: Buffer.from('hv') }] },
      { key: Buffer.from('c'), value: Buffer.from('old'), timestamp: T0 + 9 },
    ],
  });
  const out = await filterBatch(batch, policy({ a: 200, b: 101, c: 300 }));
  assert.ok(out.bytes && out.bytes !== batch);
  validateBatch(out.bytes, 0);
  const h = readBatchHeader(out.bytes, 0);
  assert.deepEqual(
    [h.baseOffset, h.lastOffsetDelta, h.partitionLeaderEpoch, h.attributes & 7, h.producerId, h.producerEpoch, h.baseSequence, h.recordsCount, h.maxTimestamp],
    [100n, 2, 9, CompressionType.gzip, 42n, 3, 17, 1, BigInt(T0 + 5)],
  );
  const [r] = [...readRecords({ header: h, bytes: out.bytes })];
  assert.equal(r!.offset, 101n);
  assert.equal(r!.timestamp, BigInt(T0 + 5));
  assert.deepEqual(
    r!.headers.map((x) => [x.key, x.value?.toString()]),
    [['h', 'hv']],
  );
  assert.equal(out.recordsRemoved, 2);
});

test('a batch that keeps everything is written back byte for byte', async () => {
  const batch = buildRecordBatch({ baseOffset: 5n, records: [{ key: Buffer.from('a'), value: Buffer.from('1'), timestamp: T0 }] });
  const out = await filterBatch(batch, policy({ a: 5 }));
  assert.equal(out.bytes, batch);
});

test('LogAppendTime batches keep their append time when rewritten or stamped with a horizon', async () => {
  const batch = buildRecordBatch({
    baseOffset: 0n,
    timestampType: TimestampType.logAppendTime,
    maxTimestamp: T0 + 777,
    records: [
      { key: Buffer.from('a'), value: Buffer.from('old'), timestamp: T0 },
      { key: Buffer.from('b'), value: null, timestamp: T0 },
    ],
  });
  const out = await filterBatch(batch, policy({ a: 9, b: 1 }));
  const h = readBatchHeader(out.bytes!, 0);
  assert.equal(h.attributes & 0x08, 0x08, 'still LogAppendTime');
  assert.equal(h.attributes & 0x40, 0x40, 'carries a delete horizon');
  assert.equal(h.baseTimestamp, BigInt(T0 + 1000 + 500), 'the horizon is now + delete.retention.ms');
  assert.equal(h.maxTimestamp, BigInt(T0 + 777));
  assert.equal(out.deleteHorizonMs, T0 + 1500);
  const records = [...readRecords({ header: h, bytes: out.bytes! })];
  assert.deepEqual(
    records.map((r) => [r.offset, r.value, r.timestamp]),
    [[1n, null, BigInt(T0 + 777)]],
  );
});
