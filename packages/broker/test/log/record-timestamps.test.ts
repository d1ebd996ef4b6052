import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findRecord } from '../../src/log/record-timestamps.js';
import { buildBatch } from './helpers.js';

test('finds the first record satisfying the predicate, with its offset and timestamp', () => {
  const batch = buildBatch({
    baseOffset: 1000,
    baseTimestamp: 1_700_000_000_000,
    records: [
      { value: 'a', timestampDelta: 0 },
      { value: 'b', key: 'k', timestampDelta: 500 },
      { value: null, timestampDelta: 200 },
      { value: Buffer.alloc(300), timestampDelta: 9_000_000_000 },
    ],
  });
  assert.deepEqual(findRecord(batch, (_o, ts) => ts >= 1_700_000_000_100), { offset: 1001, timestamp: 1_700_000_000_500 });
  assert.deepEqual(findRecord(batch, (o) => o >= 1002), { offset: 1002, timestamp: 1_700_000_000_200 });
  assert.deepEqual(findRecord(batch, (_o, ts) => ts > 1_700_000_001_000), { offset: 1003, timestamp: 1_709_000_000_000 });
  assert.equal(findRecord(batch, () => false), null);
});

test('throws CORRUPT_RECORD on a record length that runs past the batch', () => {
  const batch = buildBatch({ baseOffset: 0, records: [{ value: 'x' }] });
  batch[61] = 0x7e; // zig-zag 63: far longer than the record
  assert.throws(() => findRecord(batch, () => false), (e: Error & { code?: string }) => e.code === 'CORRUPT_RECORD');
});
